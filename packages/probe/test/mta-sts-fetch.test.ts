import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boundValues,
  createAddressPolicy,
  defaultsOf,
  DNS_BOUNDS,
  HttpsStsPolicyFetcher,
  MemoryStsPolicySource,
  POLICY_BOUNDS,
  StubResolver,
  type AddressPolicy,
} from '@mxv/probe';
import {
  createTestCa,
  demoWorldSpec,
  expectationMismatches,
  startWorld,
  type World,
  type WorldPolicyServerSpec,
} from '@mxv/testkit';
import { worldEngine, type WorldEngine } from './support/world-engine.js';

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 3600\r\n';
const FETCH_TIMEOUT_MS = 1_500;

/** One policy host per case, each at `mta-sts.<case>.test`. */
const CASES: Record<string, Omit<WorldPolicyServerSpec, 'id' | 'cert'> & { cert?: WorldPolicyServerSpec['cert'] }> = {
  good: { behaviour: { kind: 'policy', body: POLICY } },
  notfound: { behaviour: { kind: 'status', code: 404 } },
  redirect: { behaviour: { kind: 'redirect', location: 'https://mta-sts.good.test/.well-known/mta-sts.txt' } },
  huge: { behaviour: { kind: 'huge', bytes: 10 * 1024 * 1024 } },
  nul: { behaviour: { kind: 'policy', body: 'version: STSv1\nmode: enforce\u0000\nmx: mx.sts.test\nmax_age: 1\n' } },
  drip: { behaviour: { kind: 'drip', body: POLICY, intervalMs: 1_000 } },
  html: { behaviour: { kind: 'policy', body: POLICY, contentType: 'text/html' } },
  untrusted: { cert: { names: ['mta-sts.untrusted.test'], variant: 'self_signed' }, behaviour: { kind: 'policy', body: POLICY } },
  wrongname: { cert: { names: ['mta-sts.elsewhere.test'] }, behaviour: { kind: 'policy', body: POLICY } },
  expired: { cert: { names: ['mta-sts.expired.test'], variant: 'expired' }, behaviour: { kind: 'policy', body: POLICY } },
  sha1: { cert: { names: ['mta-sts.sha1.test'], signatureHash: 'SHA-1' }, behaviour: { kind: 'policy', body: POLICY } },
  rsa1024: {
    cert: { names: ['mta-sts.rsa1024.test'], key: { type: 'rsa', bits: 1024 } },
    behaviour: { kind: 'policy', body: POLICY },
  },
};

let world: World;
let resolver: StubResolver;
const bounds = { ...defaultsOf(POLICY_BOUNDS), mtaStsFetchTimeoutMs: FETCH_TIMEOUT_MS };

function fetcher(policy: AddressPolicy): HttpsStsPolicyFetcher {
  return new HttpsStsPolicyFetcher({ resolver, policy, bounds, extraCaPem: [world.caCertPem], port: world.httpsPort });
}

function allowWorld(): AddressPolicy {
  const setup = createAddressPolicy(world.allowNet);
  if (setup.status !== 'ok') throw new Error(setup.reason);
  return setup.policy;
}

beforeAll(async () => {
  const names = Object.keys(CASES);
  world = await startWorld({
    hosts: [],
    policyServers: names.map((name) => ({
      id: name,
      cert: CASES[name]?.cert ?? { names: [`mta-sts.${name}.test`] },
      behaviour: (CASES[name] as (typeof CASES)[string]).behaviour,
    })),
    records: {
      ...Object.fromEntries(names.map((name) => [`mta-sts.${name}.test`, [{ type: 'A' as const, host: name }]])),
      'mta-sts.nxname.test': [{ type: 'TXT', text: 'no address here' }],
    },
    domains: [],
  });
  resolver = new StubResolver({
    servers: [{ host: world.dns.split(':')[0] as string, port: Number(world.dns.split(':')[1]) }],
    bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 1000, attemptsPerServer: 1 }),
  });
});

afterAll(async () => {
  await world?.stop();
});

describe('HttpsStsPolicyFetcher', () => {
  it('fetches the policy from https://mta-sts.<domain>/.well-known/mta-sts.txt with SNI and the Host name', async () => {
    expect(await fetcher(allowWorld()).fetch('good.test')).toEqual({ status: 'ok', body: POLICY });
    expect(world.policyServers.get('good')?.requests.at(-1)).toEqual({
      path: '/.well-known/mta-sts.txt',
      host: 'mta-sts.good.test',
    });
  });

  it.each([
    ['notfound', 'fetch_http_404'],
    ['redirect', 'fetch_redirect'],
    ['huge', 'fetch_too_large'],
    ['html', 'fetch_content_type'],
    ['untrusted', 'fetch_tls_untrusted'],
    ['wrongname', 'fetch_tls_name_mismatch'],
    ['expired', 'fetch_tls_expired'],
    // Fetched at OpenSSL's level 2, as MTA-STS resolvers on Debian, Ubuntu and RHEL fetch it.
    ['sha1', 'fetch_tls_weak_signature'],
    ['rsa1024', 'fetch_tls_weak_key'],
    ['nxname', 'fetch_dns_nodata'],
    ['absent', 'fetch_dns_nxdomain'],
  ])('%s → %s', async (name, error) => {
    expect(await fetcher(allowWorld()).fetch(`${name}.test`)).toEqual({ status: 'failed', error });
  });

  it('with extra CAs given, a CA in NODE_EXTRA_CA_CERTS is still trusted (giving `ca` replaces the store that file is in)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxv-extra-ca-'));
    const caFile = join(dir, 'world-ca.pem');
    writeFileSync(caFile, world.caCertPem);
    const before = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = caFile;
    try {
      // Another CA as the extra one: only the environment's file vouches for the world's policy hosts.
      const other = await createTestCa({ commonName: 'unrelated extra CA' });
      const viaEnvironment = new HttpsStsPolicyFetcher({
        resolver,
        policy: allowWorld(),
        bounds,
        extraCaPem: [other.certPem],
        port: world.httpsPort,
      });
      expect(await viaEnvironment.fetch('good.test')).toEqual({ status: 'ok', body: POLICY });
    } finally {
      if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up on a policy served one byte a second, within its timeout', async () => {
    const started = performance.now();
    expect(await fetcher(allowWorld()).fetch('drip.test')).toEqual({ status: 'failed', error: 'fetch_timeout' });
    expect(performance.now() - started).toBeLessThan(FETCH_TIMEOUT_MS + 1_000);
  });

  it('a policy with a NUL byte is fetched but does not parse', async () => {
    const source = new MemoryStsPolicySource({ fetcher: fetcher(allowWorld()), maxCacheSeconds: 60, maxEntries: 10 });
    expect(await source.obtain('nul.test', '1')).toEqual({ status: 'failed', error: 'policy_syntax' });
  });

  it('does not connect to a policy host on a loopback address without --allow-net', async () => {
    const strict = createAddressPolicy([]);
    if (strict.status !== 'ok') throw new Error(strict.reason);
    const before = world.policyServers.get('good')?.connections ?? -1;
    expect(await fetcher(strict.policy).fetch('good.test')).toEqual({ status: 'failed', error: 'blocked_address' });
    expect(world.policyServers.get('good')?.connections).toBe(before);
  });
});

describe('MemoryStsPolicySource', () => {
  it('fetches a (domain, id) once, also for concurrent askers, and again for a new id', async () => {
    const source = new MemoryStsPolicySource({ fetcher: fetcher(allowWorld()), maxCacheSeconds: 60, maxEntries: 10 });
    const before = world.policyServers.get('good')?.requests.length ?? 0;
    const first = await Promise.all(Array.from({ length: 5 }, () => source.obtain('good.test', 'a')));
    expect(first.filter((o) => o.status === 'fetched')).toHaveLength(1);
    expect(first.filter((o) => o.status === 'cached')).toHaveLength(4);
    expect(await source.obtain('good.test', 'a')).toMatchObject({ status: 'cached', policy: { mode: 'enforce', maxAge: 3600 } });
    expect(await source.obtain('good.test', 'b')).toMatchObject({ status: 'fetched' });
    expect(source.fetches).toBe(2);
    expect((world.policyServers.get('good')?.requests.length ?? 0) - before).toBe(2);
  });
});

describe('the engine over the demo world', () => {
  let demo: World;
  beforeAll(async () => {
    demo = await startWorld(demoWorldSpec());
  });
  afterAll(async () => {
    await demo?.stop();
  });

  function engineFor(checks?: Array<'mta-sts' | 'spf' | 'dmarc' | 'tls-rpt'>): WorldEngine {
    return worldEngine(demo, {
      smtp: { port: demo.smtpPort, hostBudgetMs: 5_000 },
      dns: { queryTimeoutMs: 1000, attemptsPerServer: 1 },
      policy: { mtaStsPort: demo.httpsPort },
      ...(checks ? { checks } : {}),
    });
  }

  it('gets every policy scenario as the world expects', async () => {
    const { check } = engineFor();
    const policyDomains = demo.domains.filter((d) => demo.expectations.get(d)?.security !== undefined);
    expect(policyDomains.length).toBeGreaterThanOrEqual(6);
    for (const domain of policyDomains) {
      expect([domain, expectationMismatches(await check(domain), demo.expectations.get(domain) ?? { verdict: 'ok' })]).toEqual([
        domain,
        [],
      ]);
    }
  });

  it('leaves a check not asked for null, and the verdict as it was', async () => {
    const result = await engineFor(['spf']).check('policies-ok.test');
    expect(result.security).toMatchObject({
      mtaSts: null,
      tlsRpt: null,
      dmarc: null,
      spf: { status: 'valid', lookups: 2 },
    });
    expect(result.hosts.map((h) => h.mtaSts)).toEqual([null]);
    expect(result.verdict).toBe('ok');
  });
});
