import { isIPv4, isIPv6 } from 'node:net';
import type { DnsStatus, MxProblem, MxRecord, MxSection } from '@mxv/schema';

export type RouteMx = Omit<MxSection, 'dnssec'>;
import { canonicalDnsName, isHostName } from './dns/dns-name.js';
import type { DnsAnswer, DnsQuestionType, DnsResolver } from './dns/dns-types.js';
import { followCnameChain } from './dns/follow-cname-chain.js';
import { isIpLiteralName } from './dns/ip-literal-name.js';
import type { RouteBounds } from './options.js';

/** One (exchange, address) the engine may probe, in the order a sending MTA would try them. */
export interface MailRouteTarget {
  exchange: string;
  priority: number;
  ip: string;
}

export interface MailRoute {
  /** The MX section as DNS answered it; its DNSSEC state is the caller's to add (a check of its own). */
  mx: RouteMx;
  targets: MailRouteTarget[];
  /** Why no route could be found because of DNS, as a short machine-readable reason; null otherwise. */
  error: string | null;
  /** Questions asked to the resolver for this route. */
  dnsQueries: number;
  /** What the DNSSEC checks read: the MX answer itself, and which exchanges' address answers all had AD. */
  dnssec: RouteDnssec;
}

export interface RouteDnssec {
  /** The answer to the MX question. */
  mxAnswer: DnsAnswer | null;
  /** Names whose A and AAAA answers all had AD (RFC 7672 2.2.2: DANE needs secure addresses; a secure denial of one type counts). */
  secureExchanges: ReadonlySet<string>;
}

type RouteWithoutDnssec = Omit<MailRoute, 'dnssec'>;

const FAILED: ReadonlySet<DnsStatus> = new Set<DnsStatus>(['SERVFAIL', 'TIMEOUT', 'REFUSED']);
const PROBLEM_ORDER: readonly MxProblem[] = [
  'null_mx_mixed',
  'cname',
  'ip_literal',
  'malformed_name',
  'localhost',
  'dns_error',
  'no_address',
  'truncated',
];

interface MxCandidate {
  exchange: string;
  priority: number;
  ttl: number;
}

export interface HostAddresses {
  addresses: string[];
  truncated: boolean;
  addressTtl: number | null;
  cnameTarget: string | null;
  dns: { a: DnsStatus; aaaa: DnsStatus };
}

/** Whose name a question is about: the domain's own (asked afresh), or a host many domains point at (may be cached). */
export type NameOwner = 'own' | 'shared';

/**
 * Counts questions, and turns a resolver that breaks its never-throw contract
 * into a SERVFAIL. Questions about shared names (the addresses of an exchange
 * or a submission server, which a provider's customers all point at) go to
 * `sharedResolver`: in the engine, a TTL cache over the resolver.
 */
export class CountingResolver {
  queries = 0;
  mxAnswer: DnsAnswer | null = null;
  /**
   * Per name asked for A/AAAA: whether every such answer that answered was authenticated. A failed one
   * (SERVFAIL, as for a bogus AAAA; a timeout) gives no address and is left out (RFC 7672 2.2.2: the
   * addresses it would have given are unusable, the others keep what their own answer says); a name whose
   * every answer failed gets no entry, so it is not secure.
   */
  readonly addressesAuthenticated = new Map<string, boolean>();
  constructor(
    private readonly resolver: DnsResolver,
    private readonly signal: AbortSignal | undefined,
    private readonly sharedResolver: DnsResolver = resolver,
  ) {}

  async ask(name: string, type: DnsQuestionType, owner: NameOwner = 'own'): Promise<DnsAnswer> {
    const answer = await this.#ask(owner === 'shared' ? this.sharedResolver : this.resolver, name, type);
    if (type === 'MX') this.mxAnswer = answer;
    if ((type === 'A' || type === 'AAAA') && !FAILED.has(answer.status)) {
      this.addressesAuthenticated.set(name, (this.addressesAuthenticated.get(name) ?? true) && answer.authenticated);
    }
    return answer;
  }

  async #ask(resolver: DnsResolver, name: string, type: DnsQuestionType): Promise<DnsAnswer> {
    this.queries++;
    try {
      return await resolver.query(name, type, this.signal);
    } catch {
      return {
        status: 'SERVFAIL',
        records: [],
        authenticated: false,
        usedTcp: false,
        server: null,
        elapsedMs: 0,
        error: 'resolver_failed',
      };
    }
  }
}

function isNullExchange(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

function isLocalhost(name: string): boolean {
  // RFC 6761 6.3: localhost and everything under it is the loopback host.
  return name === 'localhost' || name.endsWith('.localhost');
}

function ordered(problems: ReadonlySet<MxProblem>): MxProblem[] {
  return PROBLEM_ORDER.filter((problem) => problems.has(problem));
}

/** Addresses of one type owned by `owner` (the end of the CNAME chain), well-formed only. */
function addressRecords(answer: DnsAnswer, type: 'A' | 'AAAA', owner: string): Array<{ address: string; ttl: number }> {
  const wellFormed = type === 'A' ? isIPv4 : isIPv6;
  const found: Array<{ address: string; ttl: number }> = [];
  for (const record of answer.records) {
    if (record.type === type && canonicalDnsName(record.name) === owner && wellFormed(record.address)) {
      found.push({ address: record.address, ttl: record.ttl });
    }
  }
  return found;
}

/** A and AAAA of one name, asked in parallel; A first in the result (the order RFC 6724 does not fix, but stable output needs one). */
export async function lookupHost(
  name: string,
  dns: CountingResolver,
  maxAddresses: number,
  owner: NameOwner,
): Promise<HostAddresses> {
  const [a, aaaa] = await Promise.all([dns.ask(name, 'A', owner), dns.ask(name, 'AAAA', owner)]);
  const aChain = followCnameChain(a.records, name);
  const aaaaChain = followCnameChain(aaaa.records, name);
  const chain = aChain.aliases.length > 0 ? aChain : aaaaChain;
  const found = [...addressRecords(a, 'A', aChain.target), ...addressRecords(aaaa, 'AAAA', aaaaChain.target)];
  const unique = [...new Set(found.map((record) => record.address))];
  return {
    addresses: unique.slice(0, maxAddresses),
    truncated: unique.length > maxAddresses,
    addressTtl: found.length === 0 ? null : Math.min(...found.map((record) => record.ttl)),
    cnameTarget: chain.aliases.length > 0 ? chain.target : null,
    dns: { a: a.status, aaaa: aaaa.status },
  };
}

function sortAndDedupe(candidates: readonly MxCandidate[]): MxCandidate[] {
  const seen = new Set<string>();
  const unique: MxCandidate[] = [];
  for (const candidate of candidates) {
    const key = `${candidate.priority} ${candidate.exchange}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(candidate);
  }
  // RFC 5321 5.1: lower preference first; the name breaks ties only to keep output stable
  // (a real MTA would shuffle equal preferences).
  return unique.sort((x, y) => x.priority - y.priority || (x.exchange < y.exchange ? -1 : x.exchange > y.exchange ? 1 : 0));
}

function targetsOf(records: readonly MxRecord[], maxHosts: number): MailRouteTarget[] {
  const targets: MailRouteTarget[] = [];
  for (const record of records) {
    for (const ip of record.addresses) {
      if (targets.length >= maxHosts) return targets;
      targets.push({ exchange: record.exchange, priority: record.priority, ip });
    }
  }
  return targets;
}

function failureReason(prefix: string, answer: DnsAnswer): string {
  const status = answer.status.toLowerCase();
  return answer.error !== null && answer.error !== status ? `${prefix}_${status}:${answer.error}` : `${prefix}_${status}`;
}

/** RFC 5321 5.1: no MX records, so the domain itself is the mail host (implicit MX, preference 0). */
async function implicitRoute(domain: string, dns: CountingResolver, bounds: RouteBounds): Promise<RouteWithoutDnssec> {
  const host = await lookupHost(domain, dns, bounds.maxAddressesPerHost, 'own');
  if (host.addresses.length === 0) {
    // Empty because the name has no address, or because the lookups failed: only the latter is an error.
    const failed = FAILED.has(host.dns.a) || FAILED.has(host.dns.aaaa);
    return {
      mx: { source: 'none', dns: 'NODATA', records: [] },
      targets: [],
      error: failed ? 'implicit_lookup_failed' : null,
      dnsQueries: dns.queries,
    };
  }
  const problems = new Set<MxProblem>();
  if (isLocalhost(domain)) problems.add('localhost');
  // As for an exchange (describeExchange): one family's question unanswered leaves the list maybe incomplete.
  if (FAILED.has(host.dns.a) || FAILED.has(host.dns.aaaa)) problems.add('dns_error');
  if (host.truncated) problems.add('truncated');
  // A CNAME at the domain itself is fine here: RFC 5321 5.1 follows it for the implicit MX.
  const record: MxRecord = {
    exchange: domain,
    priority: 0,
    addresses: host.addresses,
    problems: ordered(problems),
    addressTtl: host.addressTtl,
    dns: host.dns,
  };
  return {
    mx: { source: 'implicit', dns: 'NODATA', records: [record] },
    targets: targetsOf([record], bounds.maxHostsPerDomain),
    error: null,
    dnsQueries: dns.queries,
  };
}

/** RFC 7505: a null MX says the domain accepts no mail; nothing is resolved or probed. */
function nullRoute(
  candidates: readonly MxCandidate[],
  totalRecords: number,
  truncated: boolean,
  dnsQueries: number,
): RouteWithoutDnssec {
  const records: MxRecord[] = candidates.map((candidate) =>
    isNullExchange(candidate.exchange)
      ? { exchange: '.', priority: candidate.priority, addresses: [], problems: [], ttl: candidate.ttl }
      : // RFC 7505 3: a domain with a null MX must not publish other MX records; they are listed, not used.
        {
          exchange: candidate.exchange,
          priority: candidate.priority,
          addresses: [],
          problems: ['null_mx_mixed'],
          ttl: candidate.ttl,
        },
  );
  return {
    mx: { source: 'null', dns: 'NOERROR', records, ...(truncated ? { truncated: true, totalRecords } : {}) },
    targets: [],
    error: null,
    dnsQueries,
  };
}

async function describeExchange(candidate: MxCandidate, lookup: (name: string) => Promise<HostAddresses>): Promise<MxRecord> {
  const { exchange, priority, ttl } = candidate;
  const problems = new Set<MxProblem>();
  if (isIpLiteralName(candidate.exchange)) {
    // RFC 5321 5.1 / RFC 7505 4: the exchange must be a host name. Senders disagree (Exim refuses an
    // address here unless allow_mx_to_ip is set; Postfix warns and connects to it), and reading
    // "0x7f000001" as 127.0.0.1 would open an SSRF hole, so it is neither resolved nor converted.
    problems.add('ip_literal').add('no_address');
    return { exchange, priority, ttl, addresses: [], problems: ordered(problems) };
  }
  if (!isHostName(candidate.exchange)) {
    // Postfix skips such a record ("malformed domain name in resource data of MX record") and uses the
    // others; a name with escaped octets could not even be asked as the name the zone meant.
    problems.add('malformed_name').add('no_address');
    return { exchange, priority, ttl, addresses: [], problems: ordered(problems) };
  }
  if (isLocalhost(candidate.exchange)) problems.add('localhost');
  const host = await lookup(candidate.exchange);
  // RFC 2181 10.3: an MX must not point at an alias. MTAs mostly follow it anyway, so
  // the addresses are kept and the alias is reported.
  if (host.cnameTarget !== null) problems.add('cname');
  // Either question unanswered (SERVFAIL, timeout, refused) means the address
  // list may be incomplete: said as a problem even when the other one answered.
  if (FAILED.has(host.dns.a) || FAILED.has(host.dns.aaaa)) problems.add('dns_error');
  if (host.addresses.length === 0) problems.add('no_address');
  if (host.truncated) problems.add('truncated');
  // Written out, not `{ ...base, addresses, ... }`: on V8 11 (Node 20) a literal that starts with a spread and
  // then adds keys makes new hidden classes each time (old-space garbage per exchange of every check).
  return {
    exchange,
    priority,
    ttl,
    addresses: host.addresses,
    problems: ordered(problems),
    addressTtl: host.addressTtl,
    cnameTarget: host.cnameTarget,
    dns: host.dns,
  };
}

/**
 * Where mail for `domain` goes (RFC 5321 5.1): the MX records in preference
 * order and each exchange's addresses, or the implicit MX, or nothing (NXDOMAIN,
 * a DNS failure, a null MX). All bounds come from RouteBounds.
 */
export async function resolveMailRoute(
  domain: string,
  resolver: DnsResolver,
  bounds: RouteBounds,
  signal?: AbortSignal,
  sharedResolver: DnsResolver = resolver,
): Promise<MailRoute> {
  const dns = new CountingResolver(resolver, signal, sharedResolver);
  const route = await routeOf(canonicalDnsName(domain), dns, bounds);
  const secureExchanges = new Set<string>();
  for (const [name, authenticated] of dns.addressesAuthenticated) if (authenticated) secureExchanges.add(name);
  const { mx, targets, error, dnsQueries } = route;
  return { mx, targets, error, dnsQueries, dnssec: { mxAnswer: dns.mxAnswer, secureExchanges } };
}

async function routeOf(name: string, dns: CountingResolver, bounds: RouteBounds): Promise<RouteWithoutDnssec> {
  const answer = await dns.ask(name, 'MX');

  if (answer.status === 'NXDOMAIN') {
    return { mx: { source: 'none', dns: 'NXDOMAIN', records: [] }, targets: [], error: null, dnsQueries: dns.queries };
  }
  if (FAILED.has(answer.status)) {
    return {
      mx: { source: 'none', dns: answer.status, records: [] },
      targets: [],
      error: failureReason('mx', answer),
      dnsQueries: dns.queries,
    };
  }

  // The MX records belong to the end of the domain's CNAME chain (RFC 1034 3.6.2).
  const owner = followCnameChain(answer.records, name).target;
  const candidates: MxCandidate[] = [];
  for (const record of answer.records) {
    if (record.type === 'MX' && canonicalDnsName(record.name) === owner) {
      candidates.push({ exchange: canonicalDnsName(record.exchange), priority: record.priority, ttl: record.ttl });
    }
  }
  // NODATA, or a NOERROR that carries no MX for the name (nothing usable either way).
  if (candidates.length === 0) return implicitRoute(name, dns, bounds);

  const all = sortAndDedupe(candidates);
  const truncated = all.length > bounds.maxMxRecords;
  if (all.some((candidate) => isNullExchange(candidate.exchange))) {
    // The null MX is what decides; it is listed first whatever the other records' preferences.
    const nullFirst = [...all.filter((c) => isNullExchange(c.exchange)), ...all.filter((c) => !isNullExchange(c.exchange))];
    return nullRoute(nullFirst.slice(0, bounds.maxMxRecords), all.length, truncated, dns.queries);
  }
  const considered = all.slice(0, bounds.maxMxRecords);

  // One lookup per distinct exchange name, even when it appears with several preferences.
  const lookups = new Map<string, Promise<HostAddresses>>();
  const lookup = (exchange: string): Promise<HostAddresses> => {
    let pending = lookups.get(exchange);
    if (pending === undefined) {
      pending = lookupHost(exchange, dns, bounds.maxAddressesPerHost, 'shared');
      lookups.set(exchange, pending);
    }
    return pending;
  };
  const records = await Promise.all(considered.map((candidate) => describeExchange(candidate, lookup)));
  return {
    mx: { source: 'mx', dns: 'NOERROR', records, ...(truncated ? { truncated: true, totalRecords: all.length } : {}) },
    targets: targetsOf(records, bounds.maxHostsPerDomain),
    error: null,
    dnsQueries: dns.queries,
  };
}
