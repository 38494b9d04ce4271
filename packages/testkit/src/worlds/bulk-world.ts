import type { WorldDomainSpec, WorldHostSpec, WorldPolicyServerSpec, WorldRecord, WorldSpec } from '../world-spec.js';
import { seededRandom } from './seeded-random.js';

export interface BulkWorldOptions {
  domains?: number;
  /** All hosts, the big provider's included. */
  hosts?: number;
  /** Share of domains whose MX is the big provider (many domains, few IPs: the politeness case). */
  bigProviderShare?: number;
  bigProviderHosts?: number;
  /** Share of the other hosts that greet slowly. */
  slowShare?: number;
  slowDelayMs?: number;
  /** Share of the other hosts where nothing listens. */
  unreachableShare?: number;
  /** Hosts offer STARTTLS with a wildcard certificate (one per provider, so the world starts fast). */
  tls?: boolean;
  /**
   * Publish mail security policies (SPF, DMARC, TLS-RPT for every domain; MTA-STS
   * for every `stsEvery`-th domain of the big provider, its policy host shared
   * through CNAMEs as hosted MTA-STS services do). Off by default.
   */
  policies?: boolean;
  /** With `policies`: one big-provider domain in this many publishes MTA-STS (default 10). */
  stsEvery?: number;
  seed?: number;
  ipBlock?: string;
  smtpPort?: number;
  dnsPort?: number;
}

const BIG = 'bigmail.example';
const SMALL = 'mail.bulk.test';
const STS_HOST = 'mta-sts-host';

/**
 * A large world generated deterministically from `seed`, for benchmarks:
 * `domains` domains d<n>.bulk.test; a third (by default) on a big provider with
 * a few hosts, the rest spread over the other hosts, some slow, some refusing.
 */
export function bulkWorldSpec(opts: BulkWorldOptions = {}): WorldSpec {
  const domainCount = opts.domains ?? 20_000;
  const hostCount = opts.hosts ?? 2_000;
  const bigHosts = Math.min(opts.bigProviderHosts ?? 4, hostCount);
  const bigShare = opts.bigProviderShare ?? 1 / 3;
  const slowShare = opts.slowShare ?? 0.05;
  const slowDelayMs = opts.slowDelayMs ?? 1_500;
  const unreachableShare = opts.unreachableShare ?? 0.05;
  const tls = opts.tls ?? true;
  const rand = seededRandom(opts.seed ?? 1);
  if (domainCount < 0 || hostCount < 1) throw new RangeError('bulkWorldSpec: need at least one host');

  const hosts: WorldHostSpec[] = [];
  const records: Record<string, WorldRecord[]> = {};
  for (let i = 1; i <= bigHosts; i++) {
    const name = `mx${i}.${BIG}`;
    hosts.push({ id: name, behaviour: 'esmtp', hostname: name, cert: tls ? { names: [`*.${BIG}`] } : undefined });
    records[name] = [{ type: 'A', host: name }];
  }
  const small: Array<{ name: string; refused: boolean }> = [];
  for (let i = 1; i <= hostCount - bigHosts; i++) {
    const name = `mx${i}.${SMALL}`;
    const roll = rand();
    const refused = roll < unreachableShare;
    const slow = !refused && roll < unreachableShare + slowShare;
    hosts.push({
      id: name,
      behaviour: 'esmtp',
      hostname: name,
      cert: tls ? { names: [`*.${SMALL}`] } : undefined,
      refused,
      greetingDelayMs: slow ? slowDelayMs : undefined,
    });
    records[name] = [{ type: 'A', host: name }];
    small.push({ name, refused });
  }

  const policies = opts.policies ?? false;
  const stsEvery = opts.stsEvery ?? 10;
  const stsNames: string[] = [];
  if (policies) {
    records[`_spf.${BIG}`] = [{ type: 'TXT', text: 'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all' }];
    records[`mta-sts.${BIG}`] = [{ type: 'A', host: STS_HOST }];
    // The organizational domain of every dN.bulk.test (DMARC falls back to it when a domain has none).
    records['_dmarc.bulk.test'] = [{ type: 'TXT', text: 'v=DMARC1; p=quarantine; rua=mailto:dmarc@bulk.test' }];
  }

  const domains: WorldDomainSpec[] = [];
  for (let n = 1; n <= domainCount; n++) {
    const domain = `d${n}.bulk.test`;
    const onBig = bigHosts > 0 && (small.length === 0 || rand() < bigShare);
    if (onBig) {
      const first = (n % bigHosts) + 1;
      const second = ((n + 1) % bigHosts) + 1;
      records[domain] = [{ type: 'MX', priority: 10, exchange: `mx${first}.${BIG}` }];
      if (second !== first) records[domain].push({ type: 'MX', priority: 20, exchange: `mx${second}.${BIG}` });
      domains.push({ name: domain, expect: { verdict: 'ok' } });
      if (policies) {
        records[domain].push({ type: 'TXT', text: `v=spf1 include:_spf.${BIG} -all` });
        if (n % stsEvery === 0) {
          stsNames.push(`mta-sts.${domain}`);
          records[`_mta-sts.${domain}`] = [{ type: 'TXT', text: 'v=STSv1; id=20261130' }];
          records[`mta-sts.${domain}`] = [{ type: 'CNAME', target: `mta-sts.${BIG}` }];
        }
      }
    } else {
      const host = small[Math.floor(rand() * small.length)] as (typeof small)[number];
      records[domain] = [{ type: 'MX', priority: 10, exchange: host.name }];
      domains.push({ name: domain, expect: { verdict: host.refused ? 'unreachable' : 'ok' } });
      if (policies) records[domain].push({ type: 'TXT', text: 'v=spf1 mx a -all' });
    }
    if (policies) {
      records[`_smtp._tls.${domain}`] = [{ type: 'TXT', text: `v=TLSRPTv1; rua=mailto:tls@${domain}` }];
      if (n % 2 === 0) records[`_dmarc.${domain}`] = [{ type: 'TXT', text: 'v=DMARC1; p=reject' }];
    }
  }
  const policyServers: WorldPolicyServerSpec[] =
    stsNames.length > 0
      ? [
          {
            id: STS_HOST,
            // One certificate naming every mta-sts.<domain> it serves (a hosted MTA-STS service would hold one per domain).
            cert: { names: stsNames },
            behaviour: { kind: 'policy', body: `version: STSv1\r\nmode: enforce\r\nmx: *.${BIG}\r\nmax_age: 86400\r\n` },
          },
        ]
      : [];

  return { ipBlock: opts.ipBlock, smtpPort: opts.smtpPort, dnsPort: opts.dnsPort, hosts, policyServers, records, domains };
}
