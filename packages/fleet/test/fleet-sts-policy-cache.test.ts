import { createEngineParts, MailCheckEngine, MemoryHostSource, LocalPolitenessGate } from '@mxv/probe';
import { startWorld, type World, type WorldRecord } from '@mxv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetKeys } from '../src/redis-keys.js';
import { RedisStsPolicySource } from '../src/redis-sts-policy-source.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

/**
 * A provider's one policy host serves the MTA-STS policy of many domains
 * (`mta-sts.<domain>` is a CNAME to it, as hosted MTA-STS services do). Two
 * workers checking every domain twice make one fetch per (domain, policy id).
 */
const DOMAINS = ['d1.test', 'd2.test', 'd3.test', 'd4.test'];
const POLICY = 'version: STSv1\nmode: enforce\nmx: mx.provider.test\nmax_age: 86400\n';

let world: World;
let server: TestRedis;

beforeAll(async () => {
  const records: Record<string, WorldRecord[]> = {
    'mx.provider.test': [{ type: 'A', host: 'mx' }],
    'sts.provider.test': [{ type: 'A', host: 'sts' }],
  };
  for (const domain of DOMAINS) {
    records[domain] = [{ type: 'MX', priority: 10, exchange: 'mx.provider.test' }];
    // d4 has changed its policy id since: a new pair, fetched once more.
    records[`_mta-sts.${domain}`] = [{ type: 'TXT', text: `v=STSv1; id=${domain === 'd4.test' ? '2' : '1'}` }];
    records[`mta-sts.${domain}`] = [{ type: 'CNAME', target: 'sts.provider.test' }];
  }
  [world, server] = await Promise.all([
    startWorld({
      hosts: [{ id: 'mx', behaviour: 'esmtp', hostname: 'mx.provider.test', cert: { names: ['mx.provider.test'] } }],
      policyServers: [
        { id: 'sts', cert: { names: DOMAINS.map((d) => `mta-sts.${d}`) }, behaviour: { kind: 'policy', body: POLICY } },
      ],
      records,
      domains: [],
    }),
    startTestRedis(),
  ]);
});

afterAll(async () => {
  await Promise.all([world?.stop(), server?.stop()]);
});

function worker(keys: ReturnType<typeof fleetKeys>) {
  const setup = createEngineParts(
    {
      dnsServers: [world.dns],
      allowNet: world.allowNet,
      smtp: { port: world.smtpPort, hostBudgetMs: 5_000 },
      dns: { queryTimeoutMs: 1000, attemptsPerServer: 1 },
      policy: { mtaStsPort: world.httpsPort },
      checks: ['mta-sts'],
    },
    { extraCaPem: [world.caCertPem] },
  );
  if (setup.status !== 'ok') throw new Error(setup.reason);
  const stsPolicies = new RedisStsPolicySource(server.client(), keys, setup.parts.stsFetcher, { maxCacheSeconds: 3600 });
  const hosts = new MemoryHostSource({
    prober: setup.parts.prober,
    gate: new LocalPolitenessGate({ connectionsPerSecond: 100, maxConcurrentPerIp: 8 }),
    ttlMs: 60_000,
    maxEntries: 100,
  });
  const engine = new MailCheckEngine(setup.parts, { stsPolicies });
  return (domain: string) => engine.check(domain, hosts);
}

describe('the fleet MTA-STS policy cache', () => {
  it('fetches once per distinct (domain, policy id), across workers and re-checks', async () => {
    const keys = fleetKeys(server.prefix('stsfleet'));
    const [a, b] = [worker(keys), worker(keys)];
    for (const round of [1, 2]) {
      const outcomes = await Promise.all(DOMAINS.map((domain, i) => ((i + round) % 2 === 0 ? a : b)(domain)));
      for (const outcome of outcomes) {
        if (outcome.status !== 'complete') throw new Error('deferred');
        expect(outcome.result.security.mtaSts).toMatchObject({ status: 'valid', mode: 'enforce', mx: ['mx.provider.test'] });
        expect(outcome.result.hosts.map((h) => h.mtaSts)).toEqual(['pass']);
      }
    }
    const requests = world.policyServers.get('sts')?.requests ?? [];
    expect(requests.map((r) => r.host).sort()).toEqual(DOMAINS.map((d) => `mta-sts.${d}`));
    expect(await server.client().exists(keys.stsPolicy('d4.test', '2'))).toBe(1);
  });
});
