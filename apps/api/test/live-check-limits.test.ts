import { ANONYMOUS_CHECK_PRIORITY, readFleetStatus } from '@mxv/fleet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiApp } from '../src/index.js';
import { clientKey } from '../src/services/client-key.js';
import { queuedCount, sampleResult, startTestRedis, testApi, TOKEN, type TestApi, type TestRedis } from './support.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server?.stop());

const errorOf = (payload: string): { code: string; message: string; reason?: string } =>
  (JSON.parse(payload) as { error: { code: string; message: string; reason?: string } }).error;

async function refresh(
  api: TestApi,
  domain: string,
  options: { client?: string; token?: string; xff?: string; maxAge?: number } = {},
) {
  return api.app.inject({
    method: 'POST',
    url: `/v1/domains/${domain}/refresh${options.maxAge !== undefined ? `?maxAge=${options.maxAge}` : ''}`,
    remoteAddress: options.client ?? '127.0.0.1',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.xff ? { 'x-forwarded-for': options.xff } : {}),
    },
  });
}

describe('anonymous live checks (issue 14)', () => {
  it('a client without a token gets a small budget of new checks a minute; then 429 with Retry-After', async () => {
    const api = await testApi(server, 'anon-client', { anonymousChecksPerMinute: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 10; i++) codes.push((await refresh(api, `new-${i}.test`)).statusCode);
      expect(codes).toEqual([202, 202, 202, 429, 429, 429, 429, 429, 429, 429]);
      expect(await queuedCount(api.queue)).toBe(3);
      const refused = await refresh(api, 'one-more.test');
      expect(errorOf(refused.body)).toMatchObject({ code: 'live_check_limited', reason: 'per_client' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

      // Work that queues nothing spends nothing: a fresh result, a job already waiting.
      await api.store.write(sampleResult('fresh.test', new Date().toISOString()));
      expect((await refresh(api, 'fresh.test', { maxAge: 3600 })).statusCode).toBe(200);
      expect((await refresh(api, 'new-0.test')).statusCode).toBe(202);

      // Another client has its own budget; a token-holder keeps today's limits.
      expect((await refresh(api, 'other.test', { client: '127.0.0.9' })).statusCode).toBe(202);
      for (let i = 0; i < 5; i++) expect((await refresh(api, `tok-${i}.test`, { token: TOKEN })).statusCode).toBe(202);
      // A wrong token is refused, not served as anonymous.
      expect((await refresh(api, 'wrong.test', { token: 'not-the-token-000' })).statusCode).toBe(403);

      // Anonymous jobs wait behind everyone else's; a token-holder's are plain FIFO (taken first by BullMQ).
      expect((await api.queue.getJob('new-1.test'))?.opts.priority).toBe(ANONYMOUS_CHECK_PRIORITY);
      expect((await api.queue.getJob('tok-1.test'))?.opts.priority ?? 0).toBe(0);

      const status = await readFleetStatus(api.redis, api.queue, api.keys, 5_000);
      expect(status.anonymousChecksRefused).toEqual({ per_client: 8, fleet_wide: 0 });
      const metrics = (await api.app.inject('/metrics')).body;
      expect(metrics).toContain('mxv_api_anonymous_checks_refused_total{reason="per_client"} 8');
      expect(metrics).toContain('mxv_api_anonymous_checks_total 4');
    } finally {
      await api.close();
    }
  });

  it("an anonymous refresh cannot pin a domain at the back: a token-holder's refresh or POST /v1/checks raises the waiting job", async () => {
    const api = await testApi(server, 'anon-pin', { anonymousChecksPerMinute: 3 });
    try {
      const state = async (domain: string) => ({
        priority: (await api.queue.getJob(domain))?.priority ?? 0,
        state: await api.queue.getJobState(domain),
      });
      expect((await refresh(api, 'pinned.test')).statusCode).toBe(202);
      expect((await refresh(api, 'pinned-bulk.test')).statusCode).toBe(202);
      expect(await state('pinned.test')).toEqual({ priority: ANONYMOUS_CHECK_PRIORITY, state: 'prioritized' });

      // A token-holder's refresh: no priority, the highest, so the job moves to the plain waiting list.
      expect((await refresh(api, 'pinned.test', { token: TOKEN })).statusCode).toBe(202);
      expect(await state('pinned.test')).toEqual({ priority: 0, state: 'waiting' });

      // POST /v1/checks at priority 5: raised to 5, counted as a duplicate all the same.
      const checks = await api.app.inject({
        method: 'POST',
        url: '/v1/checks',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload: { domains: ['pinned-bulk.test'], priority: 5 },
      });
      expect(checks.json()).toMatchObject({ duplicates: 1, enqueued: 0 });
      expect(await state('pinned-bulk.test')).toEqual({ priority: 5, state: 'prioritized' });

      // Never lowered: another anonymous refresh leaves both where they are.
      expect((await refresh(api, 'pinned.test', { client: '127.0.0.7' })).statusCode).toBe(202);
      expect((await refresh(api, 'pinned-bulk.test', { client: '127.0.0.7' })).statusCode).toBe(202);
      expect(await state('pinned.test')).toEqual({ priority: 0, state: 'waiting' });
      expect(await state('pinned-bulk.test')).toEqual({ priority: 5, state: 'prioritized' });
      expect(await queuedCount(api.queue)).toBe(2);
    } finally {
      await api.close();
    }
  });

  it('the fleet-wide budget is shared by every API process (Redis)', async () => {
    const prefix = server.prefix('anon-fleet');
    const limits = { anonymousChecksPerMinute: 10, anonymousChecksFleetPerMinute: 3, rateLimitPerMinute: 0, minRefreshAgeMs: 0 };
    const one = await buildApiApp({ redis: server.url, prefix, token: TOKEN, limits });
    const two = await buildApiApp({ redis: server.url, prefix, token: TOKEN, limits });
    try {
      const post = (app: typeof one, domain: string, client: string) =>
        app.inject({ method: 'POST', url: `/v1/domains/${domain}/refresh`, remoteAddress: client });
      const codes = [
        (await post(one, 'f1.test', '127.0.0.11')).statusCode,
        (await post(two, 'f2.test', '127.0.0.12')).statusCode,
        (await post(one, 'f3.test', '127.0.0.13')).statusCode,
      ];
      expect(codes).toEqual([202, 202, 202]);
      const refused = await post(two, 'f4.test', '127.0.0.14');
      expect(refused.statusCode).toBe(429);
      expect(errorOf(refused.body)).toMatchObject({ code: 'live_check_limited', reason: 'fleet_wide' });
      expect((await two.inject('/metrics')).body).toContain('mxv_api_anonymous_checks_refused_total{reason="fleet_wide"} 1');
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('the page\'s "check again" spends the same budget; a refusal is an HTML page (form) or JSON (script)', async () => {
    const api = await testApi(server, 'anon-page', { anonymousChecksPerMinute: 1 });
    try {
      const form = (domain: string, accept = 'text/html') =>
        api.app.inject({
          method: 'POST',
          url: `/d/${domain}/refresh`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
          payload: '',
        });
      expect((await form('p1.test')).statusCode).toBe(303);
      const page = await form('p2.test');
      expect(page.statusCode).toBe(429);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['retry-after']).toBeDefined();
      expect(page.body).toContain('Too many checks right now');
      const script = await form('p3.test', 'application/json');
      expect(script.statusCode).toBe(429);
      expect(errorOf(script.body).code).toBe('live_check_limited');
    } finally {
      await api.close();
    }
  });

  it('--trust-proxy with a hop count: the client cannot choose its own key through X-Forwarded-For', async () => {
    const prefix = server.prefix('anon-proxy');
    const app = await buildApiApp({
      redis: server.url,
      prefix,
      trustProxy: { hops: 1 },
      limits: { anonymousChecksPerMinute: 2, rateLimitPerMinute: 0, minRefreshAgeMs: 0 },
    });
    try {
      // The proxy (127.0.0.1) appends the address it saw; whatever the client wrote before it is not trusted.
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await app.inject({
          method: 'POST',
          url: `/v1/domains/xff-${i}.test/refresh`,
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': `198.51.100.${i}, 192.0.2.7` },
        });
        codes.push(res.statusCode);
      }
      expect(codes).toEqual([202, 202, 429, 429]);
      const other = await app.inject({
        method: 'POST',
        url: '/v1/domains/xff-other.test/refresh',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '192.0.2.8' },
      });
      expect(other.statusCode).toBe(202);
    } finally {
      await app.close();
    }
    await expect(buildApiApp({ redis: server.url, trustProxy: { hops: 0 } })).rejects.toThrow(/trustProxy\.hops/);
    await expect(buildApiApp({ redis: server.url, trustProxy: { ranges: ['10.0.0.0/33'] } })).rejects.toThrow(
      /trustProxy\.ranges/,
    );
  });
});

describe('one client, as the limits count it', () => {
  it('the addresses of one IPv6 /64 are one client (one subscriber or server holds a whole /64); another /64 is another', async () => {
    const app = await buildApiApp({
      redis: server.url,
      prefix: server.prefix('anon-v6'),
      trustProxy: { hops: 1 },
      limits: { anonymousChecksPerMinute: 2, rateLimitPerMinute: 0, minRefreshAgeMs: 0 },
    });
    try {
      const from = (client: string, i: number) =>
        app.inject({
          method: 'POST',
          url: `/v1/domains/v6-${client.replace(/:/g, '-')}-${i}.test/refresh`,
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
      const codes: number[] = [];
      for (let i = 1; i <= 4; i++) codes.push((await from(`2001:db8:1:2::${i}`, i)).statusCode);
      expect(codes).toEqual([202, 202, 429, 429]);
      expect((await from('2001:db8:1:3::1', 9)).statusCode).toBe(202);
      // An IPv4-mapped address counts as its IPv4 address.
      expect((await from('::ffff:192.0.2.50', 1)).statusCode).toBe(202);
      expect((await from('192.0.2.50', 2)).statusCode).toBe(202);
      expect((await from('::ffff:c000:232', 3)).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('clientKey: IPv4 as it is, IPv6 by its /64, mapped IPv4 as IPv4, anything else unchanged', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('not an address')).toBe('not an address');
  });
});

describe('state changes from other sites (issue 14)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi(server, 'csrf', { anonymousChecksPerMinute: 100 });
  });
  afterAll(async () => api?.close());

  for (const url of ['/d/csrf-page.test/refresh', '/v1/domains/csrf-api.test/refresh']) {
    it(`${url}: refuses another site's form or text/plain body, accepts the page itself`, async () => {
      const before = await queuedCount(api.queue);
      const post = (headers: Record<string, string>, payload = '') =>
        api.app.inject({ method: 'POST', url, headers: { host: 'mxv.example', ...headers }, payload });
      const crossSite = await post({
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(crossSite.statusCode).toBe(403);
      expect(crossSite.body).toMatch(/cross_origin|another site/);
      const foreignOrigin = await post({ origin: 'https://evil.example', 'content-type': 'text/plain' }, 'x');
      expect(foreignOrigin.statusCode).toBe(403);
      const nullOrigin = await post({ origin: 'null' });
      expect(nullOrigin.statusCode).toBe(403);
      const plain = await post({ 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' }, 'x');
      expect(plain.statusCode).toBe(415);
      const multipart = await post({ origin: 'http://mxv.example', 'content-type': 'multipart/form-data; boundary=x' }, '--x--');
      expect(multipart.statusCode).toBe(415);
      expect(await queuedCount(api.queue)).toBe(before);

      const sameOrigin = await post({
        origin: 'http://mxv.example',
        'sec-fetch-site': 'same-origin',
        accept: 'application/json',
      });
      expect([200, 202]).toContain(sameOrigin.statusCode);
      expect(await queuedCount(api.queue)).toBe(before + 1);
    });
  }
});
