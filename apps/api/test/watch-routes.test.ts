import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchList } from '@mxv/fleet';
import { startTestRedis, testApi, TOKEN, type TestApi, type TestRedis } from './support.js';

let server: TestRedis;
let api: TestApi;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  server = await startTestRedis();
  api = await testApi(server, 'watches');
});
afterAll(async () => {
  await api?.close();
  await server?.stop();
});

describe('/v1/watches', () => {
  it('needs the token', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await api.app.inject({
        method,
        url: '/v1/watches',
        ...(method === 'GET' ? {} : { payload: { domains: ['a.test'] } }),
      });
      expect(res.statusCode, method).toBe(401);
    }
  });

  it('removes a watch stored for a name an IDNA rule now refuses (the Bidi rule), which nothing can add any more', async () => {
    const list = new WatchList(api.redis, api.keys);
    const add = await api.app.inject({
      method: 'POST',
      url: '/v1/watches',
      headers: auth,
      payload: { domains: ['xn--a-0hc.test'] },
    });
    expect(JSON.parse(add.body)).toMatchObject({ added: 0, invalidInputs: [{ input: 'xn--a-0hc.test', reason: 'idna_error' }] });
    // As a release before the rule stored it.
    await list.add(['xn--a-0hc.test'], { everyMs: 3_600_000, webhook: null });
    expect(await list.get('xn--a-0hc.test')).not.toBeNull();
    const removed = await api.app.inject({
      method: 'DELETE',
      url: '/v1/watches',
      headers: auth,
      payload: { domains: ['XN--A-0HC.test.', 'a\u05d0.test', '\u05d0a.test'] },
    });
    // The same name twice (its A-label, its Unicode form); a name Node refuses was never stored.
    expect(JSON.parse(removed.body)).toMatchObject({
      removed: 1,
      invalidInputs: [{ input: '\u05d0a.test', reason: 'idna_error' }],
    });
    expect(await list.get('xn--a-0hc.test')).toBeNull();
  });

  it('adds, lists and removes watches like mxv watch', async () => {
    const add = await api.app.inject({
      method: 'POST',
      url: '/v1/watches',
      headers: auth,
      payload: {
        domains: ['A.test', 'postmaster@b.test', 'not a domain', `${'c'.repeat(2_000)}.test`],
        every: 3600,
        webhook: 'https://hooks.example/mxv',
      },
    });
    expect(add.statusCode, add.body).toBe(200);
    expect(JSON.parse(add.body)).toMatchObject({
      added: 2,
      updated: 0,
      invalidInputs: [{ input: 'not a domain' }, { input: 'c'.repeat(1_024), reason: 'too_long' }],
    });
    expect(await new WatchList(api.redis, api.keys).get('a.test')).toEqual({ e: 3_600_000, w: 'https://hooks.example/mxv' });

    const list = await api.app.inject({ method: 'GET', url: '/v1/watches', headers: auth });
    const watches = (JSON.parse(list.body) as { watches: Array<{ domain: string; every: number; webhook: string }> }).watches;
    expect(watches.map((w) => [w.domain, w.every, w.webhook]).sort()).toEqual([
      ['a.test', 3600, 'https://hooks.example/mxv'],
      ['b.test', 3600, 'https://hooks.example/mxv'],
    ]);

    const removed = await api.app.inject({
      method: 'DELETE',
      url: '/v1/watches',
      headers: auth,
      payload: { domains: ['a.test'] },
    });
    expect(JSON.parse(removed.body)).toMatchObject({ removed: 1 });
  });

  it('refuses an interval under 10 s and a webhook that is not http(s)', async () => {
    const short = await api.app.inject({
      method: 'POST',
      url: '/v1/watches',
      headers: auth,
      payload: { domains: ['a.test'], every: 5 },
    });
    expect(short.statusCode).toBe(400);
    const ftp = await api.app.inject({
      method: 'POST',
      url: '/v1/watches',
      headers: auth,
      payload: { domains: ['a.test'], webhook: 'ftp://x.test/' },
    });
    expect(ftp.statusCode).toBe(400);
    expect(JSON.parse(ftp.body)).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('a body is not coerced, as for POST /v1/checks: a string for the list, a string for every, a list for the webhook are 400', async () => {
    for (const [method, payload] of [
      ['POST', '{"domains":"coerce-a.test"}'],
      ['POST', '{"domains":["coerce-a.test"],"every":"3600"}'],
      ['POST', '{"domains":["coerce-a.test"],"webhook":["http://hooks.example/x"]}'],
      ['DELETE', '{"domains":"coerce-a.test"}'],
    ] as const) {
      const res = await api.app.inject({
        method,
        url: '/v1/watches',
        headers: { ...auth, 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, payload).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'bad_request' } });
    }
    expect(await new WatchList(api.redis, api.keys).get('coerce-a.test')).toBeNull();
  });
});
