import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_SECURITY } from '@mxv/schema/values';
import { readHistory } from '../src/history/change-record.js';
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

const at = (day: number): string => new Date(Date.UTC(2026, 0, day)).toISOString();

describe('ResultStore history', () => {
  it('records what changed, newest first, once per change, with a changed event', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('h1'));
    const store = new ResultStore(redis, keys);
    await store.write(sampleResult('a.test', at(1)));
    await store.write(sampleResult('a.test', at(2)));
    const down = sampleResult('a.test', at(3), { verdict: 'unreachable' });
    expect(await store.write(down)).toEqual({ status: 'written', changes: [{ path: 'verdict', from: 'ok', to: 'unreachable' }] });
    // A redelivered write of the same run adds nothing.
    expect(await store.write(down)).toEqual({ status: 'kept_newer' });
    await store.write(sampleResult('a.test', at(4)));
    expect(await readHistory(redis, keys, 'a.test')).toEqual({
      domain: 'a.test',
      changes: [
        { at: at(4), changes: [{ path: 'verdict', from: 'unreachable', to: 'ok' }] },
        { at: at(3), changes: [{ path: 'verdict', from: 'ok', to: 'unreachable' }] },
      ],
    });
    const events = await redis.xrange(keys.events, '-', '+');
    const changed = events.filter(([, fields]) => fields[0] === 'type' && fields[1] === 'changed');
    expect(changed).toHaveLength(2);
    expect(changed[0]?.[1]).toEqual([
      'type',
      'changed',
      'domain',
      'a.test',
      'verdict',
      'unreachable',
      'checkedAt',
      at(3),
      'changes',
      JSON.stringify([{ path: 'verdict', from: 'ok', to: 'unreachable' }]),
    ]);
    // Same hash tag as the result (one Cluster slot for the script), same TTL.
    expect(keys.history('a.test')).toBe(`${server.prefix('h1')}:history:{a.test}`);
    expect(await redis.pttl(keys.history('a.test'))).toBeGreaterThan(0);
  });

  it('keeps the newest historyMax records', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('h2'));
    const store = new ResultStore(redis, keys, { historyMax: 3 });
    for (let day = 1; day <= 8; day++) {
      await store.write(sampleResult('b.test', at(day), { verdict: day % 2 === 0 ? 'unreachable' : 'ok' }));
    }
    const history = await readHistory(redis, keys, 'b.test');
    expect(history.changes.map((c) => c.at)).toEqual([at(8), at(7), at(6)]);
  });

  it('concurrent writers of one domain leave a chain of records that follow each other', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('h3'));
    const stores = [new ResultStore(redis, keys), new ResultStore(server.client(), keys), new ResultStore(server.client(), keys)];
    const verdicts = ['ok', 'unreachable', 'bad_banner'] as const;
    // 30 results written by three stores at once, each with a distinct checkedAt.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % 3]!.write(
          sampleResult('c.test', new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), { verdict: verdicts[i % 3]! }),
        ),
      ),
    );
    const history = await readHistory(redis, keys, 'c.test');
    // Every record's "from" is the previous record's "to": no duplicate, no record against a result that was replaced.
    const chain = [...history.changes].reverse();
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]!.changes[0]!.from).toBe(chain[i - 1]!.changes[0]!.to);
      expect(chain[i]!.at > chain[i - 1]!.at).toBe(true);
    }
    // The newest result is stored whatever order the writes landed in (compare-and-set on checkedAt). When it
    // landed first, every other write was refused as older and nothing was recorded: the chain is then empty.
    const stored = await stores[0]!.get('c.test');
    expect(stored.status === 'found' && stored.result.checkedAt).toBe(new Date(Date.UTC(2026, 0, 1, 0, 0, 29)).toISOString());
    expect(stored.status === 'found' && stored.result.verdict).toBe(verdicts[29 % 3]);
    if (chain.length > 0) expect(chain.at(-1)?.changes[0]?.to).toBe(verdicts[29 % 3]);
  });

  it('the newest result landing first: every older write is refused, and nothing is recorded', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('h3b'));
    const store = new ResultStore(redis, keys);
    expect(await store.write(sampleResult('d.test', at(9), { verdict: 'bad_banner' }))).toMatchObject({ status: 'written' });
    for (const day of [3, 5, 7]) {
      expect(await store.write(sampleResult('d.test', at(day), { verdict: 'ok' }))).toEqual({ status: 'kept_newer' });
    }
    expect((await readHistory(redis, keys, 'd.test')).changes).toEqual([]);
    const stored = await store.get('d.test');
    expect(stored.status === 'found' && stored.result.verdict).toBe('bad_banner');
  });

  it('does not record as changes the fields an older mxv did not write, and still records the ones it did', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('h4'));
    const store = new ResultStore(redis, keys);
    // A result as mxv stored it before the mail security checks: no security, no hosts[].dane/mtaSts/ptr/dnsbl.
    const older: Record<string, unknown> = { ...sampleResult('d.test', at(1)) };
    delete older['security'];
    delete older['submission'];
    const LATER_HOST_FIELDS = ['dane', 'mtaSts', 'ptr', 'dnsbl'];
    older['hosts'] = (older['hosts'] as Array<Record<string, unknown>>).map((host) =>
      Object.fromEntries(Object.entries(host).filter(([field]) => !LATER_HOST_FIELDS.includes(field))),
    );
    await redis.set(keys.result('d.test'), JSON.stringify(older));
    const newer = sampleResult('d.test', at(2), {
      verdict: 'unreachable',
      security: { ...NO_SECURITY, dane: 'pass' },
    });
    newer.hosts = newer.hosts.map((host) => ({ ...host, mtaSts: 'pass' as const }));
    expect(await store.write(newer)).toEqual({
      status: 'written',
      changes: [{ path: 'verdict', from: 'ok', to: 'unreachable' }],
    });
  });
});
