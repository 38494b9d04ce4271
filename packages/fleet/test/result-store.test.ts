import type { CheckResult } from '@mxv/schema';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fleetKeys } from '../src/redis-keys.js';
import { ResultStore } from '../src/result-store.js';
import { sampleResult } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());
beforeEach(async () => server.flush());

describe('ResultStore', () => {
  it('keeps the newest result whatever the order of writes (at-least-once delivery)', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t1'));
    const store = new ResultStore(redis, keys);
    const newer = sampleResult('a.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' });
    const older = sampleResult('a.test', '2026-01-01T00:00:00.000Z');
    expect(await store.write(newer)).toEqual({ status: 'written', changes: [] });
    expect(await store.write(older)).toEqual({ status: 'kept_newer' });
    // A redelivery of the same run is a no-op, not a second event.
    expect(await store.write(newer)).toEqual({ status: 'kept_newer' });
    const got = await store.get('a.test');
    expect(got.status).toBe('found');
    expect(got.status === 'found' && got.result.verdict).toBe('unreachable');
    expect(await redis.xlen(keys.events)).toBe(1);
    const [[, fields] = ['', []]] = await redis.xrange(keys.events, '-', '+');
    expect(fields).toEqual(['domain', 'a.test', 'verdict', 'unreachable', 'checkedAt', '2026-01-02T00:00:00.000Z']);
    const newest = sampleResult('a.test', '2026-01-03T00:00:00.000Z', { attempts: 2 });
    expect(await store.write(newest)).toEqual({
      status: 'written',
      changes: [{ path: 'verdict', from: 'unreachable', to: 'ok' }],
    });
    const again = await store.get('a.test');
    expect(again.status === 'found' && again.result.attempts).toBe(2);
  });

  it('stores under the domain hash tag with the configured TTL', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t2'));
    const store = new ResultStore(redis, keys, { resultTtlMs: 60_000 });
    await store.write(sampleResult('b.test', '2026-01-01T00:00:00.000Z'));
    expect(keys.result('b.test')).toBe(`${server.prefix('t2')}:result:{b.test}`);
    const ttl = await redis.pttl(`${server.prefix('t2')}:result:{b.test}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('reads many at once, in order, and says which are missing', async () => {
    const redis = server.client();
    const store = new ResultStore(redis, fleetKeys(server.prefix('t3')));
    await store.write(sampleResult('c.test', '2026-01-01T00:00:00.000Z'));
    const many = await store.getMany(['x.test', 'c.test']);
    expect(many.map((entry) => entry.status)).toEqual(['not_found', 'found']);
    expect(many[0]).toEqual({ status: 'not_found', domain: 'x.test' });
    expect(await store.checkedAtMany(['c.test', 'x.test'])).toEqual([Date.parse('2026-01-01T00:00:00.000Z'), null]);
  });

  it('counts written results per minute for mxv status, writes of one turn summed, the counter expiring after a day', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t4'));
    const store = new ResultStore(redis, keys);
    const now = Date.parse('2026-05-05T10:00:30.000Z');
    const key = keys.statCompleted(Math.floor(now / 60_000));
    await store.write(sampleResult('d.test', '2026-01-01T00:00:00.000Z'), { now });
    await store.write(sampleResult('e.test', '2026-01-01T00:00:00.000Z'), { now });
    await vi.waitFor(async () => expect(await redis.get(key)).toBe('2'));
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
    // Written in the same turns: counted by shared INCRBYs, none lost, none twice.
    const domains = Array.from({ length: 20 }, (_, i) => `batch${i}.test`);
    await Promise.all(domains.map((d) => store.write(sampleResult(d, '2026-01-01T00:00:00.000Z'), { now })));
    await vi.waitFor(async () => expect(await redis.get(key)).toBe('22'));
    // The next minute is a new key with its own expiry.
    await store.write(sampleResult('f.test', '2026-01-01T00:00:00.000Z'), { now: now + 60_000 });
    const next = keys.statCompleted(Math.floor(now / 60_000) + 1);
    await vi.waitFor(async () => expect(await redis.get(next)).toBe('1'));
    expect(await redis.ttl(next)).toBeGreaterThan(86_000);
  });

  it('refuses a result that does not match the schema: nothing stored, no event, the outcome says why', async () => {
    const redis = server.client();
    const keys = fleetKeys('t5');
    const store = new ResultStore(redis, keys);
    const wrongVerdict = { ...sampleResult('f.test', '2026-01-01T00:00:00.000Z'), verdict: 'fine' } as unknown as CheckResult;
    const outcome = await store.write(wrongVerdict);
    expect(outcome.status).toBe('invalid');
    expect(outcome.status === 'invalid' && outcome.reason).toMatch(/^schema: verdict: /);
    // checkedAt is compared as a string by the compare-and-set: only toISOString()'s form may be stored.
    const localTime = sampleResult('f.test', '2026-01-01 00:00:00');
    expect(await store.write(localTime)).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/^checkedAt: /) });
    expect(await redis.exists(keys.result('f.test'))).toBe(0);
    expect(await redis.xlen(keys.events)).toBe(0);
    expect(await store.get('f.test')).toEqual({ status: 'not_found', domain: 'f.test' });
  });

  it('reads the stored bytes exactly as written, with checkedAt read out of them', async () => {
    const redis = server.client();
    const keys = fleetKeys('t6');
    const store = new ResultStore(redis, keys);
    // Non-ASCII text and a quote in a string: the bytes must come back untouched.
    const result = sampleResult('g.test', '2026-01-02T03:04:05.678Z', { input: 'G.test "ü"' });
    await store.write(result);
    const raw = await store.readRaw('g.test');
    expect(raw.status).toBe('found');
    if (raw.status !== 'found') return;
    expect(raw.bytes.equals((await redis.getBuffer(keys.result('g.test'))) as Buffer)).toBe(true);
    expect(raw.bytes.toString('utf8')).toBe(JSON.stringify(result));
    expect(raw.checkedAt).toBe('2026-01-02T03:04:05.678Z');
    expect(raw.checkedAtMs).toBe(Date.parse('2026-01-02T03:04:05.678Z'));
    expect(await store.readRaw('none.test')).toEqual({ status: 'not_found', domain: 'none.test' });
    // Something this store did not write is not served as a result.
    await redis.set(keys.result('h.test'), 'not json');
    expect(await store.readRaw('h.test')).toEqual({ status: 'unreadable', domain: 'h.test', reason: 'not_json' });
  });

  it('keeps working after SCRIPT FLUSH (ioredis reloads the script on NOSCRIPT)', async () => {
    const redis = server.client();
    const keys = fleetKeys('t7');
    const store = new ResultStore(redis, keys);
    expect(await store.write(sampleResult('i.test', '2026-01-01T00:00:00.000Z'))).toEqual({ status: 'written', changes: [] });
    await redis.script('FLUSH');
    expect(await store.write(sampleResult('i.test', '2026-01-02T00:00:00.000Z'))).toEqual({ status: 'written', changes: [] });
    await redis.script('FLUSH');
    expect(await store.write(sampleResult('i.test', '2026-01-01T12:00:00.000Z'))).toEqual({ status: 'kept_newer' });
    const got = await store.get('i.test');
    expect(got.status === 'found' && got.result.checkedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('refuses stored values that are not one line of JSON or not a result, and says so once per read', async () => {
    const redis = server.client();
    const keys = fleetKeys('t8');
    const refused: string[] = [];
    const store = new ResultStore(redis, keys, { onUnreadable: (domain, reason) => refused.push(`${domain} ${reason}`) });
    const valid = JSON.stringify(sampleResult('j.test', '2026-01-02T03:04:05.678Z'));
    // Ends with "}" and carries a checkedAt, so a byte-level check alone would serve it;
    // on an SSE stream its line breaks would start a second event.
    await redis.set(keys.result('j.test'), `${valid.slice(0, -1)}}\n\nevent: injected\ndata: {}`);
    await redis.set(keys.result('k.test'), '{"checkedAt":"2026-01-02T03:04:05.678Z", oops}');
    await redis.set(keys.result('l.test'), '{"checkedAt":"2026-01-02T03:04:05.678Z"}');
    expect(await store.readRaw('j.test')).toEqual({ status: 'unreadable', domain: 'j.test', reason: 'line_break' });
    expect(await store.readRaw('k.test')).toEqual({ status: 'unreadable', domain: 'k.test', reason: 'not_json' });
    // JSON with a checkedAt is enough for the byte path (the store validated what it wrote)...
    expect((await store.readRaw('l.test')).status).toBe('found');
    // ...the parsing path checks the schema, and answers instead of throwing.
    expect(await store.getMany(['j.test', 'k.test', 'l.test'])).toEqual([
      { status: 'unreadable', domain: 'j.test', reason: 'not_json' },
      { status: 'unreadable', domain: 'k.test', reason: 'not_json' },
      { status: 'unreadable', domain: 'l.test', reason: 'schema' },
    ]);
    expect(refused).toEqual(['j.test line_break', 'k.test not_json', 'j.test not_json', 'k.test not_json', 'l.test schema']);
  });

  it('compares a stored value it did not write by the checkedAt its bytes carry, as the worker reads it: never a livelock', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t9'));
    const store = new ResultStore(redis, keys);
    const stored: Array<[string, string, 'written' | 'kept_newer']> = [
      // An operator's JSON with a newer instant: kept, as a newer result would be.
      ['m.test', '{"checkedAt":"2099-01-01T00:00:00.000Z","note":"x"}', 'kept_newer'],
      // The first checkedAt in the bytes is the one compared, by the script and by the worker alike.
      ['n.test', '{"x":{"checkedAt":"2099-01-01T00:00:00.000Z"},"checkedAt":"2000-01-01T00:00:00.000Z"}', 'kept_newer'],
      // Not an instant in toISOString() form ("zzz" sorts after every date): none, so the write replaces it.
      ['o.test', '{"checkedAt":"zzz"}', 'written'],
      ['p.test', '{"checkedAt":"+099999-01-01T00:00:00.000Z"}', 'written'],
      // Bytes that are no UTF-8: the worker's decoding and the script's bytes could not agree on them.
      [
        'q.test',
        Buffer.from([...Buffer.from('{"checkedAt":"2099-01-01T00:00:00.00'), 0xff, ...Buffer.from('Z"}')]).toString('latin1'),
        'written',
      ],
      ['r.test', '{"checkedAt":"2099-01-01T00:00:00.000Z', 'written'],
      ['s.test', 'not json at all', 'written'],
      ['t.test', '', 'written'],
    ];
    for (const [domain, bytes] of stored) await redis.set(keys.result(domain), Buffer.from(bytes, 'latin1'));
    for (const [domain, , expected] of stored) {
      const outcome = await store.write(sampleResult(domain, '2026-01-02T00:00:00.000Z'));
      expect(outcome, domain).toEqual(expected === 'written' ? { status: 'written', changes: [] } : { status: 'kept_newer' });
    }
    // A result of an earlier run is then compared as ever: newer replaces it, older is kept out.
    expect(await store.write(sampleResult('o.test', '2026-01-03T00:00:00.000Z', { verdict: 'unreachable' }))).toEqual({
      status: 'written',
      changes: [{ path: 'verdict', from: 'ok', to: 'unreachable' }],
    });
    expect(await store.write(sampleResult('o.test', '2026-01-02T12:00:00.000Z'))).toEqual({ status: 'kept_newer' });
  });
});
