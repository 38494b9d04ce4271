import type {
  Checks,
  ConnectStatus,
  DnssecStatus,
  DnsStatus,
  HostDane,
  MxProblem,
  MxSource,
  SecuritySection,
  StarttlsStatus,
  Verdict,
} from '@mxv/schema';
import type { LeafKeySpec } from './test-ca.js';

type HostDaneStatus = HostDane['status'];
import type { ZoneRecord } from './dns-records.js';
import type { DnsBehaviour, ZoneDnssec } from './dns-zone.js';
import type { PolicyServerBehaviour } from './https-policy-server.js';
import type { TlsaFields, TlsaSubject } from './tlsa-for-cert.js';
import type { SmtpBehaviour, SmtpBehaviourKind } from './smtp-behaviours.js';

/**
 * A record of the world's DNS; `{ type: 'A', host }` stands for the loopback
 * address given to that host, `{ type: 'TLSA', host, of }` for the TLSA record
 * of that host's certificate (`of` the leaf, or the issuer above it).
 */
export type WorldRecord =
  | ZoneRecord
  | { type: 'A'; host: string; ttl?: number }
  | (TlsaFields & { type: 'TLSA'; host: string; of: TlsaSubject; ttl?: number });

export interface WorldCertSpec {
  /** DNS names (and/or IPs) in the certificate. */
  names: string[];
  /** valid (default), expired, not yet valid, self-signed (untrusted), or valid under an intermediate past its date. */
  variant?: 'valid' | 'expired' | 'not_yet_valid' | 'self_signed' | 'expired_intermediate';
  intermediates?: number;
  /** The leaf's key; ECDSA P-256 by default. */
  key?: LeafKeySpec;
  /** The digest its issuer signs the leaf over: SHA-256 by default (a SHA-1 one needs the host's `tls.ciphers` at level 0). */
  signatureHash?: 'SHA-1' | 'SHA-256' | 'SHA-384';
}

/**
 * A host's TLS beyond its certificate, for servers configured the old way: a top version, a cipher list
 * (OpenSSL syntax) and finite-field DH over one of Node's MODP groups (modp2: 1024 bits; modp14: 2048).
 */
export interface WorldTlsSpec {
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
  dhGroup?: 'modp2' | 'modp14';
}

export interface WorldHostSpec {
  /** How records refer to this host. */
  id: string;
  behaviour: SmtpBehaviour | SmtpBehaviourKind;
  /** Name in greeting and EHLO. */
  hostname?: string;
  /** STARTTLS certificate, issued by the world's CA. Identical specs share one certificate. */
  cert?: WorldCertSpec;
  /** With `cert`: the TLS settings beyond the certificate (Node's defaults otherwise). */
  tls?: WorldTlsSpec;
  greetingDelayMs?: number;
  replyDelayMs?: number;
  /** The host gets an address but nothing listens there: connections are refused. */
  refused?: boolean;
  /**
   * More ports this host listens on besides the world's SMTP port, e.g. a
   * submission port with STARTTLS and one with implicit TLS (RFC 8314), for
   * `--ports` and RFC 6186 SRV targets. Same behaviour and certificate.
   */
  extraPorts?: Array<{ port: number; implicitTls?: boolean }>;
  /** PTR names of the host's address (its in-addr.arpa name); none: the reverse name does not exist. */
  ptr?: string[];
}

/** An HTTPS host of the world (an MTA-STS policy host, `mta-sts.<domain>`), addressed by records like an SMTP host. */
export interface WorldPolicyServerSpec {
  /** How records refer to it (`{ type: 'A', host: id }`); unique among hosts and policy servers. */
  id: string;
  /** Its certificate, issued by the world's CA. */
  cert: WorldCertSpec;
  behaviour: PolicyServerBehaviour;
}

/** What the engine should report for one host of a domain (fields left out are not checked). */
export interface HostExpectation {
  exchange?: string;
  connect?: ConnectStatus;
  /** null: no greeting at all. */
  bannerCode?: number | null;
  ehloCommand?: 'EHLO' | 'HELO';
  starttls?: StarttlsStatus;
  certValid?: boolean;
  /** hosts[].tls.error: OpenSSL's verify code; null: none. */
  certError?: string | null;
  hostnameMatch?: boolean;
  /** hosts[].tls.certKey.bits and hosts[].tls.keyExchange.bits: the sizes of the handshake's keys. */
  certKeyBits?: number;
  keyExchangeBits?: number;
  /** hosts[].dane.status; null: DANE said nothing about this host. */
  dane?: HostDaneStatus | null;
  daneReason?: string | null;
  /** hosts[].dane.hint; null: none. */
  daneHint?: string | null;
  /** `dane.insecureMx.status`: what Postfix 3.6+ makes of secure TLSA under an insecure MX (null: none). */
  daneInsecureMx?: 'pass' | 'fail' | null;
  mtaSts?: 'pass' | 'fail' | null;
  /** hosts[].refusal: the refused command and its reply code; null: nothing refused. */
  refusal?: { command: 'EHLO' | 'HELO' | 'STARTTLS'; code: number } | null;
}

/** What the engine should say about a domain; tests and `mxv demo` compare against it. */
export interface DomainExpectation {
  verdict: Verdict;
  mxSource?: MxSource;
  mxDns?: DnsStatus;
  checks?: Partial<Checks>;
  /** Problems that must appear on some MX record. */
  problems?: MxProblem[];
  /** Security statuses the result must show (`null`: not checked); fields left out are not checked. */
  security?: {
    mtaSts?: 'none' | 'valid' | 'invalid';
    /** The MTA-STS error, when invalid. */
    mtaStsError?: string;
    tlsRpt?: 'none' | 'valid' | 'invalid';
    spf?: 'none' | 'valid' | 'permerror' | 'temperror';
    spfError?: string;
    /** security.spf.otherSenders: what a host the record does not list gets. */
    spfOtherSenders?: 'pass' | 'fail' | 'softfail' | 'neutral' | null;
    dmarc?: 'none' | 'valid' | 'invalid';
  };
  /** Matched in order against the result's hosts (which are in priority order). */
  hosts?: HostExpectation[];
  mxDnssec?: DnssecStatus | null;
  /** security.dane */
  dane?: SecuritySection['dane'];
}

export interface WorldDomainSpec {
  /** What is given to the engine (usually a domain; an invalid string for the `invalid` verdict). */
  name: string;
  /** One line for people: what this domain shows. */
  description?: string;
  expect?: DomainExpectation;
}

export interface WorldSpec {
  /** "127.A" (254 × 254 addresses) or "127.A.B" (254); random "127.A" by default. */
  ipBlock?: string;
  /** Fixed port for every SMTP host; default a random free one. */
  smtpPort?: number;
  /** Fixed DNS port (UDP and TCP); default a free one. */
  dnsPort?: number;
  /** Zones the resolver serves; default: the last label of every name, plus test/example/invalid. */
  zones?: string[];
  hosts: WorldHostSpec[];
  /** HTTPS policy hosts; they take addresses after the SMTP hosts and share one port (the world's httpsPort). */
  policyServers?: WorldPolicyServerSpec[];
  /** Names may contain SMTP_PORT_TOKEN (`_{smtpPort}._tcp.mx.example.test`): the world's SMTP port, known once its hosts listen. */
  records: Record<string, WorldRecord[]>;
  dnsBehaviours?: Record<string, DnsBehaviour>;
  /** How the world's validating resolver judges each zone (zones listed are served); unlisted zones are insecure. */
  dnssec?: Record<string, ZoneDnssec>;
  domains: WorldDomainSpec[];
}

/** Stands for the world's SMTP port in a record's or behaviour's name (TLSA owners are `_<port>._tcp.<host>`, RFC 6698 3). */
export const SMTP_PORT_TOKEN = '{smtpPort}';
