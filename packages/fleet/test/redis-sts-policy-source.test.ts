import type { StsFetch, StsPolicyFetcher } from '@mxv/probe';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeteredStsFetcher } from '../src/metrics/metered-sts-fetcher.js';
import { createSecurityMetrics, recordSecurityChecks } from '../src/metrics/security-metrics.js';
import { fleetKeys } from '../src/redis-keys.js';
import { RedisStsPolicySource } from '../src/redis-sts-policy-source.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());
beforeEach(async () => server.flush());

const policyBody = (maxAge: number): string => `version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: ${maxAge}\n`;

class CountingFetcher implements StsPolicyFetcher {
  calls: string[] = [];
  constructor(readonly answer: (domain: string) => StsFetch) {}
  async fetch(domain: string): Promise<StsFetch> {
    this.calls.push(domain);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return this.answer(domain);
  }
}

describe('RedisStsPolicySource', () => {
  it('fetches each (domain, id) once across workers and re-checks; a new id is fetched again', async () => {
    const keys = fleetKeys(server.prefix('sts1'));
    const fetcher = new CountingFetcher(() => ({ status: 'ok', body: policyBody(3600) }));
    const workers = [0, 1].map(() => new RedisStsPolicySource(server.client(), keys, fetcher, { maxCacheSeconds: 86_400 }));
    const domains = ['a.test', 'b.test', 'c.test'];
    // Worker 0 first, then both workers again, some concurrently.
    for (const domain of domains) expect(await workers[0]!.obtain(domain, 'id1')).toMatchObject({ status: 'fetched' });
    const again = await Promise.all(domains.flatMap((domain) => workers.map((w) => w.obtain(domain, 'id1'))));
    expect(again.every((o) => o.status === 'cached')).toBe(true);
    expect(fetcher.calls.sort()).toEqual(domains);
    expect(await workers[1]!.obtain('a.test', 'id2')).toMatchObject({ status: 'fetched' });
    expect(fetcher.calls).toHaveLength(4);
  });

  it('a job sharing a fetch that another job’s abort cut short fetches for itself', async () => {
    const keys = fleetKeys(server.prefix('sts-abort'));
    const starter = new AbortController();
    let calls = 0;
    const fetcher: StsPolicyFetcher = {
      fetch: async (_domain, signal) => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        return signal?.aborted ? { status: 'failed', error: 'fetch_timeout' } : { status: 'ok', body: policyBody(3600) };
      },
    };
    const source = new RedisStsPolicySource(server.client(), keys, fetcher, { maxCacheSeconds: 86_400 });
    const first = source.obtain('a.test', 'id1', starter.signal);
    const second = source.obtain('a.test', 'id1', new AbortController().signal);
    starter.abort();
    expect(await first).toMatchObject({ status: 'failed' });
    expect(await second).toMatchObject({ status: 'fetched' });
    expect(calls).toBe(2);
  });

  it('keeps a policy for its max_age, bounded, and not at all with max_age 0', async () => {
    const keys = fleetKeys(server.prefix('sts2'));
    const redis = server.client();
    const long = new RedisStsPolicySource(
      redis,
      keys,
      new CountingFetcher(() => ({ status: 'ok', body: policyBody(31_557_600) })),
      {
        maxCacheSeconds: 600,
      },
    );
    await long.obtain('a.test', 'x');
    const ttl = await redis.ttl(keys.stsPolicy('a.test', 'x'));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    const zero = new RedisStsPolicySource(redis, keys, new CountingFetcher(() => ({ status: 'ok', body: policyBody(0) })), {
      maxCacheSeconds: 600,
    });
    await zero.obtain('b.test', 'x');
    expect(await redis.exists(keys.stsPolicy('b.test', 'x'))).toBe(0);
  });

  it('does not store failures, and treats an unparsable entry as a miss', async () => {
    const keys = fleetKeys(server.prefix('sts3'));
    const redis = server.client();
    const failing = new CountingFetcher(() => ({ status: 'failed', error: 'fetch_http_404' }));
    const source = new RedisStsPolicySource(redis, keys, failing, { maxCacheSeconds: 600 });
    expect(await source.obtain('a.test', 'x')).toEqual({ status: 'failed', error: 'fetch_http_404' });
    expect(await source.obtain('a.test', 'x')).toEqual({ status: 'failed', error: 'fetch_http_404' });
    expect(failing.calls).toHaveLength(2);

    await redis.set(keys.stsPolicy('c.test', 'x'), '{"id":"x","mode":"sometimes"}');
    const good = new CountingFetcher(() => ({ status: 'ok', body: policyBody(60) }));
    const fresh = new RedisStsPolicySource(redis, keys, good, { maxCacheSeconds: 600 });
    expect(await fresh.obtain('c.test', 'x')).toMatchObject({ status: 'fetched', policy: { mode: 'enforce', maxAge: 60 } });
    expect(await fresh.obtain('c.test', 'x')).toMatchObject({ status: 'cached' });
  });
});

describe('security metrics', () => {
  it('counts fetches by outcome class and checks by status', async () => {
    const registry = new Registry();
    const metrics = createSecurityMetrics(registry);
    const outcomes: StsFetch[] = [
      { status: 'ok', body: policyBody(60) },
      { status: 'ok', body: 'not a policy' },
      { status: 'failed', error: 'fetch_http_404' },
      { status: 'failed', error: 'fetch_tls_untrusted' },
      { status: 'failed', error: 'fetch_proxy_unreachable' },
    ];
    const metered = new MeteredStsFetcher(new CountingFetcher(() => outcomes.shift()!), metrics);
    for (let i = 0; i < 5; i++) await metered.fetch('a.test');
    const text = await registry.metrics();
    for (const outcome of ['ok', 'policy_invalid', 'http_status', 'tls_error', 'proxy_error']) {
      expect(text).toContain(`mxv_mta_sts_policy_fetches_total{outcome="${outcome}"} 1`);
    }
    recordSecurityChecks(metrics, {
      mx: { source: 'mx', dns: 'NOERROR', records: [], dnssec: null },
      security: {
        dane: null,
        mtaSts: null,
        tlsRpt: { status: 'valid', rua: [], error: null },
        spf: { status: 'permerror', record: null, error: 'x', lookups: 11 },
        dmarc: null,
      },
    });
    const after = await registry.metrics();
    expect(after).toContain('mxv_security_checks_total{check="spf",status="permerror"} 1');
    expect(after).toContain('mxv_security_checks_total{check="tls-rpt",status="valid"} 1');
    expect(after).toContain('mxv_security_checks_total{check="mta-sts",status="valid"} 0');
  });
});
