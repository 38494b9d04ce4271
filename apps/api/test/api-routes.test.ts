import { get } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResultSchema } from '@mxv/schema';
import { buildApiApp, ERROR_CODES } from '../src/index.js';
import { queuedCount, sampleResult, startTestRedis, testApi, TOKEN, waitFor, type TestApi, type TestRedis } from './support.js';

let server: TestRedis;
let api: TestApi;

const isoAgo = (ms: number): string => new Date(Date.now() - ms).toISOString();
const json = (payload: string): Record<string, unknown> => JSON.parse(payload) as Record<string, unknown>;
const errorOf = (payload: string): { code: string; message: string; reason?: string } =>
  (JSON.parse(payload) as { error: { code: string; message: string; reason?: string } }).error;

beforeAll(async () => {
  server = await startTestRedis();
  api = await testApi(server, 'routes', { maxDomainsPerRequest: 5, bodyLimitBytes: 2_048 });
});
afterAll(async () => {
  await api?.close();
  await server?.stop();
});

describe('GET /v1/domains/{domain}', () => {
  it('returns the stored result with its age, for any input form mxv check accepts', async () => {
    await api.store.write(sampleResult('ok.test', isoAgo(90_000)));
    for (const input of ['ok.test', 'OK.Test.', encodeURIComponent('postmaster@ok.test')]) {
      const res = await api.app.inject(`/v1/domains/${input}`);
      expect(res.statusCode, input).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = json(res.body);
      expect(checkResultSchema.parse(body).domain).toBe('ok.test');
      expect(body['ageSeconds']).toBeGreaterThanOrEqual(89);
      expect(body['ageSeconds']).toBeLessThan(120);
      expect(Number(res.headers['age'])).toBe(body['ageSeconds']);
    }
  });

  it('serves the stored bytes as they are, ageSeconds added; something the store did not write is no result', async () => {
    const result = sampleResult('bytes.test', isoAgo(5_000), { input: 'Bytes.test "ü"' });
    await api.store.write(result);
    const res = await api.app.inject('/v1/domains/bytes.test');
    expect(res.statusCode).toBe(200);
    const stored = JSON.stringify(result);
    expect(res.body.startsWith(stored.slice(0, -1))).toBe(true);
    expect(res.body).toMatch(/^.*,"ageSeconds":\d+}$/s);
    await api.redis.set(api.keys.result('junk.test'), '{"not":"a result"');
    const junk = await api.app.inject('/v1/domains/junk.test');
    expect(junk.statusCode).toBe(404);
    expect(errorOf(junk.body).code).toBe('not_found');
  });

  it('conditional GET: a weak ETag and Last-Modified from checkedAt; 304 without a body until a newer check is stored', async () => {
    const first = isoAgo(60_000);
    await api.store.write(sampleResult('poll.test', first));
    const res = await api.app.inject('/v1/domains/poll.test');
    expect(res.statusCode).toBe(200);
    const etag = String(res.headers['etag']);
    expect(etag).toMatch(/^W\/"[0-9a-z]+"$/);
    expect(res.headers['last-modified']).toBe(new Date(first).toUTCString());
    // The body's ageSeconds moves on; the tag names the check, so it stays.
    const same = await api.app.inject({ url: '/v1/domains/poll.test', headers: { 'if-none-match': etag } });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect(same.headers['etag']).toBe(etag);
    expect(same.headers['cache-control']).toBe('no-cache');
    expect(
      (await api.app.inject({ url: '/v1/domains/poll.test', headers: { 'if-none-match': `"x", ${etag.slice(2)}` } })).statusCode,
    ).toBe(304);
    const since = { 'if-modified-since': String(res.headers['last-modified']) };
    expect((await api.app.inject({ url: '/v1/domains/poll.test', headers: since })).statusCode).toBe(304);
    // A value that is no HTTP-date is ignored, though Date.parse would read it (RFC 9110 13.1.3).
    for (const notADate of ['2099', 'December 31, 2099 23:59'])
      expect(
        (await api.app.inject({ url: '/v1/domains/poll.test', headers: { 'if-modified-since': notADate } })).statusCode,
      ).toBe(200);
    // If-None-Match decides when both are sent (RFC 9110 13.2.2).
    expect(
      (await api.app.inject({ url: '/v1/domains/poll.test', headers: { ...since, 'if-none-match': '"other"' } })).statusCode,
    ).toBe(200);

    await api.store.write(sampleResult('poll.test', isoAgo(1_000)));
    const conditional = { url: '/v1/domains/poll.test', headers: { 'if-none-match': etag, ...since } };
    // The short read cache (resultCacheMs) may serve the old check a moment longer.
    await waitFor('the newer check', async () => (await api.app.inject(conditional)).statusCode === 200);
    const newer = await api.app.inject(conditional);
    expect(newer.headers['etag']).not.toBe(etag);
    expect(checkResultSchema.parse(json(newer.body)).domain).toBe('poll.test');
    // A POST answers in full whatever it is sent.
    const post = await api.app.inject({
      method: 'POST',
      url: '/v1/domains/poll.test/refresh?maxAge=3600',
      headers: { 'if-none-match': String(newer.headers['etag']) },
    });
    expect(post.statusCode).toBe(200);
  });

  it('normalizes Unicode to the A-label', async () => {
    await api.store.write(sampleResult('xn--bcher-kva.test', isoAgo(1_000)));
    const res = await api.app.inject(`/v1/domains/${encodeURIComponent('Bücher.test')}`);
    expect(res.statusCode).toBe(200);
    expect(json(res.body)['domain']).toBe('xn--bcher-kva.test');
  });

  it('answers 400 with a reason for input that is not a domain', async () => {
    for (const [input, reason] of [
      ['-bad-.test', 'hyphen_edge'],
      ['a..b.test', 'empty_label'],
      ['192.0.2.1', 'ip_address'],
      ['x'.repeat(64) + '.test', 'label_too_long'],
      ['x'.repeat(1_000) + '.test', 'too_long'],
      // Past the input bound (1,024): the same code and reason, not a schema error (bad_request) of its own.
      ['x'.repeat(1_100) + '.test', 'too_long'],
    ] as const) {
      for (const path of [`/v1/domains/${encodeURIComponent(input)}`, `/v1/domains/${encodeURIComponent(input)}/history`]) {
        const res = await api.app.inject(path);
        expect(res.statusCode, path).toBe(400);
        expect(errorOf(res.body)).toMatchObject({ code: 'invalid_domain', reason });
      }
    }
  });

  it('answers 404 JSON for a domain without a result', async () => {
    const res = await api.app.inject('/v1/domains/never-checked.test');
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).code).toBe('not_found');
  });

  it('refresh: POST serves a fresh result, enqueues a stale or missing one once (202), deduplicated', async () => {
    await api.store.write(sampleResult('fresh.test', isoAgo(10_000)));
    await api.store.write(sampleResult('stale.test', isoAgo(7_200_000)));
    const before = await queuedCount(api.queue);
    const refresh = (path: string) => api.app.inject({ method: 'POST', url: path });

    const fresh = await refresh('/v1/domains/fresh.test/refresh?maxAge=3600');
    expect(fresh.statusCode).toBe(200);
    expect(json(fresh.body)['domain']).toBe('fresh.test');
    expect(await queuedCount(api.queue)).toBe(before);

    const first = await refresh('/v1/domains/stale.test/refresh?maxAge=60');
    expect(first.statusCode).toBe(202);
    const queued = json(first.body);
    expect(queued).toMatchObject({
      domain: 'stale.test',
      status: 'queued',
      enqueued: true,
      job: { id: 'stale.test', state: 'prioritized' },
    });
    expect(queued['events']).toBe(`/v1/domains/stale.test/events?after=${encodeURIComponent(queued['checkedAt'] as string)}`);
    const again = await refresh('/v1/domains/STALE.test/refresh?maxAge=60');
    expect(again.statusCode).toBe(202);
    expect(json(again.body)).toMatchObject({ enqueued: false, job: { state: 'prioritized' } });

    const missing = await refresh('/v1/domains/missing.test/refresh');
    expect(missing.statusCode).toBe(202);
    expect(json(missing.body)).toMatchObject({
      enqueued: true,
      checkedAt: null,
      events: '/v1/domains/missing.test/events?after=1970-01-01T00%3A00%3A00.000Z',
    });
    expect(await queuedCount(api.queue)).toBe(before + 2);
  });

  it('refresh of a domain with no result: a quick check that lands before the client opens its events stream is sent at once', async () => {
    const queued = await api.app.inject({ method: 'POST', url: '/v1/domains/quick-first.test/refresh' });
    expect(queued.statusCode).toBe(202);
    const events = json(queued.body)['events'] as string;
    // The worker is faster than the client: the result is stored before the stream opens.
    const checkedAt = new Date().toISOString();
    await api.store.write(sampleResult('quick-first.test', checkedAt, { verdict: 'nxdomain' }));
    const started = Date.now();
    const res = await api.app.inject(events);
    expect(res.body, res.body).toMatch(/event: result\ndata: \{.*"domain":"quick-first\.test"/);
    expect(res.body).toContain(`"checkedAt":"${checkedAt}"`);
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it('GET never queues: refresh=true answers 400 refresh_needs_post', async () => {
    await api.store.write(sampleResult('safe-get.test', isoAgo(7_200_000)));
    const before = await queuedCount(api.queue);
    for (const url of ['/v1/domains/safe-get.test?refresh=true', '/v1/domains/never-seen.test?refresh=true&maxAge=0']) {
      const res = await api.app.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res.body).code).toBe('refresh_needs_post');
    }
    expect(await queuedCount(api.queue)).toBe(before);
    expect((await api.app.inject('/v1/domains/safe-get.test?refresh=false')).statusCode).toBe(200);
  });

  it('answers hot reads from a short cache: never more than resultCacheMs behind Redis', async () => {
    const cached = await testApi(server, 'cache', { resultCacheMs: 400 });
    try {
      const first = isoAgo(60_000);
      await cached.store.write(sampleResult('hot.test', first));
      const checkedAt = async (url = '/v1/domains/hot.test') => json((await cached.app.inject(url)).body)['checkedAt'];
      expect(await checkedAt()).toBe(first);
      const second = isoAgo(1_000);
      await cached.store.write(sampleResult('hot.test', second));
      expect(await checkedAt()).toBe(first);
      // A refresh looks at Redis (and the stored result is fresh enough: 200, not 202).
      const refreshed = await cached.app.inject({ method: 'POST', url: '/v1/domains/hot.test/refresh?maxAge=3600' });
      expect(json(refreshed.body)['checkedAt']).toBe(second);
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await checkedAt()).toBe(second);
      // A miss is cached too, and expires the same way.
      expect((await cached.app.inject('/v1/domains/later.test')).statusCode).toBe(404);
      await cached.store.write(sampleResult('later.test', second));
      expect((await cached.app.inject('/v1/domains/later.test')).statusCode).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect((await cached.app.inject('/v1/domains/later.test')).statusCode).toBe(200);
    } finally {
      await cached.close();
    }
  });

  it('rejects a bad query with 400 bad_request', async () => {
    const res = await api.app.inject('/v1/domains/ok.test?maxAge=-5');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).code).toBe('bad_request');
  });
});

describe('GET /v1/domains/{domain}/events', () => {
  it('delivers the result when a worker writes it, then closes', async () => {
    const listeners = api.app.mxv.feed.listenerCount;
    const pending = api.app.inject('/v1/domains/sse.test/events');
    await waitFor('the stream to subscribe', () => api.app.mxv.feed.listenerCount === listeners + 1);
    // Another domain's result does not end this stream.
    await api.store.write(sampleResult('other-sse.test', new Date().toISOString()));
    await api.store.write(sampleResult('sse.test', new Date().toISOString(), { verdict: 'unreachable' }));
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const match = /event: result\ndata: (.*)\n\n$/.exec(res.body);
    expect(match, res.body).not.toBeNull();
    const result = checkResultSchema.parse(JSON.parse(match?.[1] ?? 'null'));
    expect(result).toMatchObject({ domain: 'sse.test', verdict: 'unreachable' });
    expect(res.body.match(/event: result/g)).toHaveLength(1);
    expect(api.app.mxv.feed.listenerCount).toBe(listeners);
  });

  it('delivers at once a stored result newer than ?after', async () => {
    const checkedAt = new Date().toISOString();
    await api.store.write(sampleResult('after.test', checkedAt));
    const res = await api.app.inject(`/v1/domains/after.test/events?after=${encodeURIComponent(isoAgo(60_000))}`);
    expect(res.body).toContain('event: result');
    expect(res.body).toContain(`"checkedAt":"${checkedAt}"`);
  });

  it('ends with a timeout event when no result comes, and frees its listener', async () => {
    const listeners = api.app.mxv.feed.listenerCount;
    const started = Date.now();
    const res = await api.app.inject('/v1/domains/quiet.test/events');
    expect(res.body).toMatch(/event: timeout\n/);
    expect(res.body).not.toContain('event: result');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(api.app.mxv.feed.listenerCount).toBe(listeners);
  });

  it('over real HTTP: the stream stays open while waiting, and a client that leaves frees its listener', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const listeners = api.app.mxv.feed.listenerCount;
    const chunks: string[] = [];
    const request = get(`${address}/v1/domains/leaving.test/events`, (response) => {
      response.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
      response.on('error', () => undefined);
    });
    request.on('error', () => undefined);
    await waitFor('the stream to subscribe', () => api.app.mxv.feed.listenerCount === listeners + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.app.mxv.feed.listenerCount).toBe(listeners + 1);
    expect(chunks.join('')).toContain(': waiting for a result of leaving.test');
    request.destroy();
    await waitFor('the listener to go', () => api.app.mxv.feed.listenerCount === listeners);
  });

  it('400 for an invalid domain or after', async () => {
    expect((await api.app.inject('/v1/domains/bad..test/events')).statusCode).toBe(400);
    const res = await api.app.inject('/v1/domains/ok.test/events?after=yesterday');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).code).toBe('bad_request');
  });
});

describe('POST /v1/checks', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    api.app.inject({
      method: 'POST',
      url: '/v1/checks',
      payload: body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('401 without a token and 403 with a wrong one; nothing is enqueued', async () => {
    const before = await queuedCount(api.queue);
    const body = JSON.stringify({ domains: ['unauth1.test', 'unauth2.test'] });
    const missing = await post(body);
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(errorOf(missing.body).code).toBe('unauthorized');
    const wrong = await post(body, { authorization: 'Bearer not-the-token' });
    expect(wrong.statusCode).toBe(403);
    expect(errorOf(wrong.body).code).toBe('forbidden');
    // A wrong token is refused before the body is read: even an oversized one.
    const big = await post('x'.repeat(10_000), { authorization: 'Bearer nope' });
    expect(big.statusCode).toBe(403);
    expect(await queuedCount(api.queue)).toBe(before);
  });

  it('enqueues with counts like mxv enqueue, deduplicated, invalid inputs listed', async () => {
    const res = await post(
      JSON.stringify({ domains: ['bulk1.test', 'BULK1.test.', 'bulk2.test', 'not a domain', '12345'] }),
      auth,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res.body)).toEqual({
      read: 5,
      invalid: 2,
      duplicates: 1,
      fresh: 0,
      enqueued: 2,
      invalidInputs: [
        { input: 'not a domain', reason: 'bad_character' },
        { input: '12345', reason: expect.any(String) },
      ],
    });
    expect(await api.queue.getJobState('bulk1.test')).toBe('waiting');
    const again = await post(JSON.stringify({ domains: ['bulk1.test'] }), auth);
    expect(json(again.body)).toMatchObject({ duplicates: 1, enqueued: 0 });
  });

  it('an input longer than the input bound is listed as too_long, its echo cut; the others are enqueued', async () => {
    // The test API's bound is the default, 1,024 characters; the cut never splits a surrogate pair.
    const long = `${'a'.repeat(1_023)}\u{1f4e7}.test`;
    const res = await post(JSON.stringify({ domains: ['long1.test', long] }), auth);
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res.body)).toEqual({
      read: 2,
      invalid: 1,
      duplicates: 0,
      fresh: 0,
      enqueued: 1,
      invalidInputs: [{ input: 'a'.repeat(1_023), reason: 'too_long' }],
    });
    expect(await api.queue.getJobState('long1.test')).toBe('waiting');
  });

  it('skips fresh results with maxAge', async () => {
    await api.store.write(sampleResult('young.test', isoAgo(5_000)));
    const res = await post(JSON.stringify({ domains: ['young.test'], maxAge: 3600 }), auth);
    expect(json(res.body)).toMatchObject({ fresh: 1, enqueued: 0 });
  });

  it('bounds requests: too many domains 400, body too large 413, invalid JSON 400, wrong type 415', async () => {
    const before = await queuedCount(api.queue);
    const many = await post(
      JSON.stringify({ domains: ['a1.test', 'a2.test', 'a3.test', 'a4.test', 'a5.test', 'a6.test'] }),
      auth,
    );
    expect(many.statusCode).toBe(400);
    expect(errorOf(many.body).code).toBe('too_many_domains');
    const large = await post(JSON.stringify({ domains: ['x'.repeat(3_000)] }), auth);
    expect(large.statusCode).toBe(413);
    expect(errorOf(large.body).code).toBe('body_too_large');
    const broken = await post('{"domains": [', auth);
    expect(broken.statusCode).toBe(400);
    expect(errorOf(broken.body).code).toBe('invalid_json');
    const text = await post('<a/>', { ...auth, 'content-type': 'application/xml' });
    expect(text.statusCode).toBe(415);
    expect(errorOf(text.body).code).toBe('unsupported_media_type');
    const shape = await post(JSON.stringify({ domains: [{ name: 'a.test' }] }), auth);
    expect(shape.statusCode).toBe(400);
    expect(errorOf(shape.body).code).toBe('bad_request');
    expect(await queuedCount(api.queue)).toBe(before);
  });
});

describe('operations', () => {
  it('healthz, readyz, metrics', async () => {
    expect(json((await api.app.inject('/healthz')).body)).toEqual({ status: 'ok' });
    const ready = await api.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(json(ready.body)['status']).toBe('ready');
    const metrics = await api.app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
  });

  it('unknown routes are 404 JSON with a code', async () => {
    const res = await api.app.inject('/v2/nothing');
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).code).toBe('route_not_found');
  });

  it('every error code of the registry has a 4xx/5xx status and a message', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.message.length, code).toBeGreaterThan(5);
    }
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await api.app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = json(res.body) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/metrics',
        '/readyz',
        '/v1/checks',
        '/v1/domains/{domain}',
        '/v1/domains/{domain}/events',
        '/v1/domains/{domain}/refresh',
        '/v1/domains/{domain}/history',
        '/v1/watches',
      ].sort(),
    );
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(operation.responses)) {
          // A 304 has no content (RFC 9110 15.4.5).
          if (status === '304') continue;
          expect(response.content, `${method} ${path} ${status}`).toBeDefined();
        }
      }
    }
    const ok = doc.paths['/v1/domains/{domain}']?.['get']?.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, { enum?: string[] }>;
      required: string[];
    };
    // The response schema is the contract's zod schema: the verdicts come from it.
    expect(ok.properties['verdict']?.enum).toContain('null_mx');
    expect(ok.required).toEqual(expect.arrayContaining(['schema', 'domain', 'checks', 'mx', 'hosts', 'ageSeconds']));
    const checks = doc.paths['/v1/checks']?.['post'] as unknown as { security: unknown };
    expect(checks.security).toEqual([{ bearer: [] }]);
  });

  it('bull-board under /admin/queues needs the token (Bearer or Basic)', async () => {
    const none = await api.app.inject('/admin/queues');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    const wrong = await api.app.inject({ url: '/admin/queues/api/queues', headers: { authorization: 'Bearer wrong-token' } });
    expect(wrong.statusCode).toBe(403);
    const page = await api.app.inject({ url: '/admin/queues', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const basic = Buffer.from(`admin:${TOKEN}`).toString('base64');
    const queues = await api.app.inject({ url: '/admin/queues/api/queues', headers: { authorization: `Basic ${basic}` } });
    expect(queues.statusCode).toBe(200);
    expect(queues.body).toContain('"name":"verify"');
  });

  it("/admin/queues refuses another site's request that a browser sends with the remembered Basic login", async () => {
    const basic = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
    const add = (headers: Record<string, string>, payload?: string) =>
      api.app.inject({
        method: 'POST',
        url: '/admin/queues/api/queues/verify/add',
        headers: { authorization: basic, ...headers },
        ...(payload === undefined ? {} : { payload }),
      });
    const before = await api.queue.count();
    expect((await add({ 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await add({ origin: 'https://elsewhere.example' })).statusCode).toBe(403);
    // A form or text/plain body (no CORS preflight) is refused before bull-board reads it, not a 500.
    const form = await add({ 'content-type': 'application/x-www-form-urlencoded' }, 'a=b');
    expect(form.statusCode).toBe(415);
    expect(errorOf(form.body).code).toBe('unsupported_media_type');
    expect(await api.queue.count()).toBe(before);
    // The dashboard's own reads still work from anywhere with the token.
    expect(
      (
        await api.app.inject({
          url: '/admin/queues/api/queues',
          headers: { authorization: basic, 'sec-fetch-site': 'cross-site' },
        })
      ).statusCode,
    ).toBe(200);
  });
});

describe('limits and failures', () => {
  it('rate-limits per client with 429 rate_limited', async () => {
    const limited = await testApi(server, 'ratelimit', { rateLimitPerMinute: 3 });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await limited.app.inject('/v1/domains/ok.test')).statusCode);
      expect(codes).toEqual([404, 404, 404, 429]);
      const res = await limited.app.inject('/v1/domains/ok.test');
      expect(errorOf(res.body).code).toBe('rate_limited');
      expect(res.headers['retry-after']).toBeDefined();
      // Probes are not limited.
      expect((await limited.app.inject('/healthz')).statusCode).toBe(200);
      const other = await limited.app.inject({ url: '/v1/domains/ok.test', remoteAddress: '127.0.0.9' });
      expect(other.statusCode).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('a lost Redis is 503 redis_unavailable, without internals', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const app = await buildApiApp({ redis: `redis://127.0.0.1:${port}`, limits: { redisCommandTimeoutMs: 300 } });
    try {
      const res = await app.inject('/v1/domains/ok.test');
      expect(res.statusCode).toBe(503);
      expect(errorOf(res.body)).toEqual({ code: 'redis_unavailable', message: ERROR_CODES.redis_unavailable.message });
      expect((await app.inject('/readyz')).statusCode).toBe(503);
      expect((await app.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('refuses bad options at build time', async () => {
    await expect(buildApiApp({ redis: server.url, token: 'short' })).rejects.toThrow(/at least 8/);
    await expect(buildApiApp({ redis: server.url, limits: { maxDomainsPerRequest: 0 } })).rejects.toThrow(/maxDomainsPerRequest/);
    await expect(
      buildApiApp({ redis: server.url, limits: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } }),
    ).rejects.toThrow(/headersTimeoutMs must not exceed/);
    await expect(
      buildApiApp({ redis: server.url, limits: { connectionTimeoutMs: 10_000, eventKeepAliveMs: 15_000 } }),
    ).rejects.toThrow(/connectionTimeoutMs must exceed/);
  });
});
