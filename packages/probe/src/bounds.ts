/**
 * Every numeric bound of the engine as plain data: its range and its default.
 * This is the one place they are written. `options.ts` checks option objects
 * against these tables and the CLI builds its flags (defaults, range checks,
 * messages) from them. No imports, on purpose: `mxv --help` loads this module
 * and nothing else of the engine (`@mxv/probe/bounds`).
 */

/** A number option: the inclusive range (`min` exclusive when `minExclusive`), the default, and whether it is whole. */
export interface NumberBound {
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** Whole numbers only; default true. */
  readonly integer?: boolean;
  /** `min` itself is out of range (a rate of 0 would never connect). */
  readonly minExclusive?: boolean;
}

/** Defaults of a table of bounds, as the options object they describe. */
export function defaultsOf<T extends Record<string, NumberBound>>(table: T): { [K in keyof T]: number } {
  const out: Record<string, number> = {};
  for (const [key, bound] of Object.entries(table)) out[key] = bound.default;
  return out as { [K in keyof T]: number };
}

/** The words for a bound's range, as flags and schemas say it: "a whole number from 1 to 65535". */
export function describeBound(bound: NumberBound): string {
  if (bound.minExclusive) return `a number above ${bound.min} and at most ${bound.max}`;
  return `${bound.integer === false ? 'a number' : 'a whole number'} from ${bound.min} to ${bound.max}`;
}

export const SMTP_BOUNDS = {
  /** Port probed on each mail host (CONTRACT: --smtp-port). */
  port: { min: 1, max: 65_535, default: 25 },
  /** Budget for one host's whole conversation (CONTRACT: --timeout-ms). */
  hostBudgetMs: { min: 100, max: 600_000, default: 30_000 },
  connectTimeoutMs: { min: 50, max: 120_000, default: 10_000 },
  /** RFC 5321 4.5.3.2.1 allows 5 minutes; a checker that waits that long is useless, and the budget caps it anyway. */
  greetingTimeoutMs: { min: 50, max: 600_000, default: 20_000 },
  /** Per reply to EHLO/HELO/STARTTLS/QUIT. */
  replyTimeoutMs: { min: 50, max: 600_000, default: 10_000 },
  tlsHandshakeTimeoutMs: { min: 50, max: 120_000, default: 10_000 },
  /** QUIT is a courtesy: wait this long for 221, then close anyway. */
  quitTimeoutMs: { min: 0, max: 60_000, default: 2_000 },
  /** RFC 5321 4.5.3.1.5 says 512 octets per reply line; real servers exceed it, so allow some slack. */
  maxLineBytes: { min: 64, max: 1_048_576, default: 4096 },
  /** Bytes of one whole (multi-line) reply. */
  maxReplyBytes: { min: 256, max: 16_777_216, default: 65_536 },
  maxReplyLines: { min: 1, max: 100_000, default: 200 },
  /** Text of a reply kept in the result (the rest is cut, with an ellipsis). */
  maxStoredTextBytes: { min: 16, max: 65_536, default: 1024 },
  /** EHLO keywords kept in the result (STARTTLS is kept wherever it comes); real servers list under 20. */
  maxEhloExtensions: { min: 1, max: 100_000, default: 32 },
  /** Bytes kept of one EHLO keyword with its parameters (cut with an ellipsis); real ones are under 100. */
  maxEhloExtensionBytes: { min: 16, max: 65_536, default: 128 },
  /**
   * Subject alternative names kept in the result (`tls.subjectAltNamesOmitted` counts the rest), each cut at
   * maxStoredTextBytes. Let's Encrypt issues up to 100; the name check itself reads them all.
   */
  maxStoredAltNames: { min: 1, max: 100_000, default: 100 },
  /** Peer certificates walked when describing the chain. */
  maxCertChain: { min: 1, max: 100, default: 16 },
  /**
   * DER bytes kept of the presented chain's last certificate when nothing in the
   * chain issued it, so that a DANE-TA record carrying the missing issuer whole
   * (`2 0 0`, `2 1 0`) can be checked against it (smtp/cert-chain-digests.ts).
   * Real certificates are 1–2 KB; a larger one is not kept and cannot match so.
   */
  maxIssuerlessCertBytes: { min: 0, max: 102_400, default: 16_384 },
} as const satisfies Record<string, NumberBound>;

/** Name sent with EHLO/HELO (RFC 5321 4.1.1.1): a domain, so at most 255 characters. */
export const HELO_NAME = { minChars: 1, maxChars: 255, default: 'mxv.invalid' } as const;

const HELO_DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const HELO_IPV4_LITERAL = new RegExp(`^\\[${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}\\]$`);
const HELO_IPV6_LITERAL = /^\[IPv6:[0-9A-Fa-f:.]{2,45}\]$/;

/**
 * What EHLO and HELO may carry (RFC 5321 4.1.1.1): a Domain (letters, digits, inner hyphens, dots) or an
 * address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`, 4.1.3). Anything else (a space, CR or LF, an
 * underscore) would be sent as something a server refuses, or as a second command.
 */
export function isHeloName(name: string): boolean {
  if (name.length < HELO_NAME.minChars || name.length > HELO_NAME.maxChars) return false;
  return HELO_DOMAIN.test(name) || HELO_IPV4_LITERAL.test(name) || HELO_IPV6_LITERAL.test(name);
}

/**
 * What `--checks` chooses among, besides the mail route itself (CONTRACT.md),
 * in the contract's order; `all` (the default) runs every one, `none` only the
 * mail route. `@mxv/schema` has the same names as a zod enum (checkNameSchema).
 */
export const CHECK_NAMES = ['dnssec', 'dane', 'mta-sts', 'tls-rpt', 'spf', 'dmarc', 'ptr', 'dnsbl', 'submission'] as const;

/** The IP versions (RFC 791, RFC 8200) a mail host may be probed over (`--ip-families`). */
export type IpFamily = 4 | 6;
export const IP_FAMILIES: readonly IpFamily[] = [4, 6];

export const DNS_BOUNDS = {
  /** Per-try timeout for one question to one resolver. */
  queryTimeoutMs: { min: 50, max: 60_000, default: 2_500 },
  /** Tries per resolver before moving to the next one. */
  attemptsPerServer: { min: 1, max: 10, default: 2 },
  /** EDNS(0) UDP payload size advertised (1232: the DNS flag day 2020 value). */
  udpPayloadBytes: { min: 512, max: 4096, default: 1232 },
  /** Largest TCP answer accepted (after a truncated UDP answer). */
  maxTcpAnswerBytes: { min: 512, max: 65_535, default: 65_535 },
  /**
   * UDP questions one socket (one source port) carries at most, while questions
   * overlap; a socket closes when none is waiting on it, so a lone question
   * always gets a fresh port (RFC 5452 9.2). 1: a socket per question.
   * See dns/udp-socket-pool.ts for the trade of port entropy against CPU.
   */
  questionsPerUdpSocket: { min: 1, max: 1024, default: 32 },
  /**
   * Times a question is asked again for the last name of a CNAME chain that a
   * resolver left unfinished (NOERROR, no data, no SOA: BIND stops so after 11
   * to 16 hops), as a sending MTA does: Postfix's dns_lookup asks 10 questions in all, the first and 9
   * more, so a chain it follows is followed here too. 0: never.
   */
  cnameFollowUps: { min: 0, max: 32, default: 9 },
  /**
   * How long a resolver that refused EDNS (FORMERR or NOTIMP to our OPT record, then an answer to the
   * same question without it: RFC 6891 7) is asked without OPT, so that each question does not cost it
   * two round trips; Unbound keeps such a server's EDNS status in its infrastructure cache for 15 minutes.
   * 0: asked with EDNS every time.
   */
  ednsRefusalMemoryMs: { min: 0, max: 86_400_000, default: 900_000 },
} as const satisfies Record<string, NumberBound>;

export const ROUTE_BOUNDS = {
  /** MX records considered, in priority order; the rest are counted, not probed. */
  maxMxRecords: { min: 1, max: 1000, default: 16 },
  /** Addresses probed per exchange (A and AAAA together). */
  maxAddressesPerHost: { min: 1, max: 64, default: 4 },
  /** (exchange, address) pairs probed per domain. */
  maxHostsPerDomain: { min: 1, max: 1000, default: 16 },
  /**
   * Targets of one RFC 6186 SRV service (`_submission._tcp`, `_submissions._tcp`)
   * probed; the rest are counted, not probed. A domain has one or two real ones;
   * a zone listing thousands must not turn one check into thousands of probes.
   */
  maxSrvTargetsPerService: { min: 1, max: 64, default: 8 },
  /** Hosts of one domain probed at the same time. */
  hostConcurrencyPerDomain: { min: 1, max: 64, default: 4 },
} as const satisfies Record<string, NumberBound>;

export const DANE_BOUNDS = {
  /** TLSA records of one exchange considered (and listed); the rest are counted. RFC 7671 expects a handful. */
  maxTlsaRecords: { min: 1, max: 1000, default: 32 },
  /** Bytes of one record's data shown in the result (a full certificate, 3 0 0, runs to a few KB). */
  maxShownTlsaDataBytes: { min: 32, max: 65_535, default: 2048 },
} as const satisfies Record<string, NumberBound>;

export const REPUTATION_BOUNDS = {
  /**
   * PTR names of one address followed forward (FCrDNS). An address has one PTR
   * in practice; a hostile zone may publish a hundred, and each costs two questions.
   */
  maxPtrNames: { min: 1, max: 100, default: 10 },
  /** A records of one block-list answer kept as codes (RFC 5782 2.1 uses one; a hostile list may send a thousand). */
  maxDnsblCodes: { min: 1, max: 256, default: 8 },
  /** Characters of a block list's TXT reason kept in the result. */
  maxDnsblReasonChars: { min: 16, max: 4096, default: 512 },
} as const satisfies Record<string, NumberBound>;

/** Block lists one run may ask (CONTRACT: --dnsbl): each is one question per address. */
export const MAX_DNSBL_ZONES = 16;

export const POLITENESS_BOUNDS = {
  /** New connections per second to one destination address. */
  connectionsPerSecond: { min: 0, minExclusive: true, max: 1000, default: 1, integer: false },
  /** Connections open at once to one destination address. */
  maxConcurrentPerIp: { min: 1, max: 1000, default: 2 },
} as const satisfies Record<string, NumberBound>;

/**
 * The domain policy checks (MTA-STS, TLS-RPT, SPF, DMARC): everything read from
 * DNS or fetched over HTTPS for them is bounded here. The SPF limits of RFC 7208
 * 4.6.4 themselves (10 lookups, 2 void lookups) are the RFC's, not options:
 * see `SPF_MAX_LOOKUPS` in policy/check-spf.ts.
 */
export const POLICY_BOUNDS = {
  /** TXT records at one name looked at; more is an error (a DNS answer is at most 64 KiB anyway). */
  maxTxtRecords: { min: 1, max: 1000, default: 64 },
  /**
   * Bytes of one relevant TXT record (its strings joined, RFC 7208 3.3). RFC 7208
   * 3.4 advises SPF records fit a 512-byte UDP answer; real ones reach a few hundred.
   */
  maxTxtRecordBytes: { min: 256, max: 65_535, default: 4096 },
  /** DNS questions one SPF evaluation may ask in all (includes, redirects, a/mx/exists targets). */
  maxSpfQuestions: { min: 1, max: 1000, default: 40 },
  /** Nesting of include/redirect followed; RFC 7208 4.6.4's 10 lookups cap it anyway. */
  maxSpfDepth: { min: 1, max: 100, default: 12 },
  /** External DMARC report destinations (rua) asked whether they take the domain's reports (RFC 7489 7.1), per record. */
  dmarcMaxReportDestinations: { min: 0, max: 32, default: 4 },
  /** Whole MTA-STS policy fetch: connect, TLS, request, body (RFC 8461 3.3: senders SHOULD impose a timeout). */
  mtaStsFetchTimeoutMs: { min: 100, max: 120_000, default: 10_000 },
  /** RFC 8461 3.3: "a maximum size (such as 64 KiB)" for the policy body. */
  mtaStsMaxPolicyBytes: { min: 1024, max: 1_048_576, default: 65_536 },
  /** Status line and headers of the policy response together. */
  mtaStsMaxHeaderBytes: { min: 1024, max: 65_536, default: 16_384 },
  /** Addresses of the policy host tried in turn when a connection is refused or cannot be made (as senders' HTTP clients do). */
  mtaStsMaxAddresses: { min: 1, max: 16, default: 4 },
  /** A cached policy lives its max_age (RFC 8461 3.2), never longer than this. */
  mtaStsMaxCacheSeconds: { min: 1, max: 31_557_600, default: 86_400 },
  /** Port of the policy hosts. RFC 8461 3.3 fixes 443; another only for the simulated world (`--mta-sts-port`, hidden). */
  mtaStsPort: { min: 1, max: 65_535, default: 443 },
  /**
   * Records many domains share (SPF include/redirect targets such as a mail
   * provider's `_spf.` chain, the organizational domain's DMARC record, the TLSA
   * records of a provider's exchanges) are kept
   * in process for their DNS TTL, never longer than this. 0 turns it off.
   */
  sharedRecordCacheSeconds: { min: 0, max: 86_400, default: 300 },
  /** Shared records kept at most (the oldest go first). */
  sharedRecordCacheEntries: { min: 1, max: 10_000_000, default: 10_000 },
  /** Policies kept by the in-process cache of one direct-mode run. */
  mtaStsMemoryEntries: { min: 1, max: 10_000_000, default: 100_000 },
} as const satisfies Record<string, NumberBound>;
