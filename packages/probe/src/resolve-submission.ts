import type { SubmissionService } from '@mxv/schema';
import { canonicalDnsName } from './dns/dns-name.js';
import type { DnsRecord, DnsResolver } from './dns/dns-types.js';
import { isIpLiteralName } from './dns/ip-literal-name.js';
import type { RouteBounds } from './options.js';
import type { PortTlsMode } from './port-list.js';
import { CountingResolver, lookupHost } from './resolve-mail-route.js';

type ServiceName = SubmissionService['service'];

/**
 * RFC 6186 3.1 `_submission._tcp` (STARTTLS) and RFC 8314 5.1
 * `_submissions._tcp` (implicit TLS), in that order.
 */
const SERVICES: ReadonlyArray<{ service: ServiceName; tlsMode: PortTlsMode }> = [
  { service: 'submission', tlsMode: 'starttls' },
  { service: 'submissions', tlsMode: 'implicit' },
];

/** One advertised submission server, with the addresses to probe it at. */
export interface SubmissionTarget extends SubmissionService {
  tlsMode: PortTlsMode;
  addresses: string[];
}

export interface SubmissionDiscovery {
  /** What `submission` in the result lists. */
  services: SubmissionService[];
  /** What is probed: the listed services whose target has addresses (an IP literal target never does). */
  targets: SubmissionTarget[];
  dnsQueries: number;
}

/**
 * The domain's mail submission services from SRV (RFC 6186, RFC 2782), each
 * service sorted by priority then weight (heaviest first; a client would pick
 * among equal priorities at random, a checker lists them all, stably), at most
 * `maxSrvTargetsPerService` each, every target's addresses bounded like an
 * exchange's. A service whose only record has the target "." is decidedly not
 * offered (RFC 2782): it is left out of the list, like one with no record at
 * all; a "." among other records is ignored. A DNS failure lists nothing for
 * that service: there is nothing to report but a guess.
 */
export async function resolveSubmission(
  domain: string,
  resolver: DnsResolver,
  bounds: RouteBounds,
  signal?: AbortSignal,
  sharedResolver: DnsResolver = resolver,
): Promise<SubmissionDiscovery> {
  const dns = new CountingResolver(resolver, signal, sharedResolver);
  const name = canonicalDnsName(domain);
  const perService = await Promise.all(
    SERVICES.map(async ({ service, tlsMode }) => {
      const owner = `_${service}._tcp.${name}`;
      const answer = await dns.ask(owner, 'SRV');
      if (answer.status !== 'NOERROR') return [];
      return offered(answer.records, owner)
        .slice(0, bounds.maxSrvTargetsPerService)
        .map((record) => ({ service, tlsMode, ...record }));
    }),
  );
  const services = perService.flat();

  const lookups = new Map<string, Promise<string[]>>();
  const addressesOf = (target: string): Promise<string[]> => {
    // RFC 2782: the target is a domain name; an address there is not resolved (nor read as one).
    if (isIpLiteralName(target)) return Promise.resolve([]);
    let pending = lookups.get(target);
    if (pending === undefined) {
      pending = lookupHost(target, dns, bounds.maxAddressesPerHost, 'shared').then((host) => host.addresses);
      lookups.set(target, pending);
    }
    return pending;
  };
  const targets = await Promise.all(services.map(async (s) => ({ ...s, addresses: await addressesOf(s.target) })));
  return {
    services: services.map(({ service, target, port, priority, weight }) => ({ service, target, port, priority, weight })),
    targets: targets.filter((t) => t.addresses.length > 0),
    dnsQueries: dns.queries,
  };
}

type SrvRecord = Extract<DnsRecord, { type: 'SRV' }>;

/** The SRV records of `owner` that name a server, deduplicated and in the order to list them. */
function offered(
  records: readonly DnsRecord[],
  owner: string,
): Array<Pick<SrvRecord, 'target' | 'port' | 'priority' | 'weight'>> {
  const seen = new Set<string>();
  const out: Array<Pick<SrvRecord, 'target' | 'port' | 'priority' | 'weight'>> = [];
  for (const record of records) {
    if (record.type !== 'SRV' || canonicalDnsName(record.name) !== owner) continue;
    // "." (canonicalized to "") is "not offered"; a port 0 reaches nothing either.
    if (record.target === '' || record.port === 0) continue;
    const key = `${record.target} ${record.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ target: record.target, port: record.port, priority: record.priority, weight: record.weight });
  }
  return out.sort(
    (x, y) =>
      x.priority - y.priority || y.weight - x.weight || (x.target < y.target ? -1 : x.target > y.target ? 1 : x.port - y.port),
  );
}
