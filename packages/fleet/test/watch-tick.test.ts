import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifyQueue, type VerifyQueue } from '../src/queue.js';
import { fleetKeys, type FleetKeys } from '../src/redis-keys.js';
import { WatchList } from '../src/watch/watch-list.js';
import { WatchTick } from '../src/watch/watch-tick.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());

function setup(name: string): { redis: Redis; keys: FleetKeys; queue: VerifyQueue; list: WatchList } {
  const redis = server.client();
  const keys = fleetKeys(server.prefix(name));
  return { redis, keys, queue: createVerifyQueue(redis, keys), list: new WatchList(redis, keys) };
}

const domains = (n: number, suffix: string): string[] => Array.from({ length: n }, (_, i) => `d${i}.${suffix}`);

describe('WatchList and WatchTick', () => {
  it('moves due watches into the verify queue once, with the interval as the host-probe age, and reschedules them', async () => {
    const { redis, keys, queue, list } = setup('w1');
    const now = 1_000_000;
    expect(await list.add(domains(250, 'test'), { everyMs: 60_000, webhook: null }, now)).toEqual({ added: 250, updated: 0 });
    expect(await list.add(['d0.test'], { everyMs: 30_000, webhook: 'https://hooks.example/x' }, now)).toEqual({
      added: 0,
      updated: 1,
    });
    const tick = new WatchTick(redis, keys, queue, { batch: 100, jitterPermille: 100 }, () => 0.5);
    expect(await tick.run(() => now)).toEqual({ moved: 250, invalid: 0, batches: 3 });
    expect(await queue.count()).toBe(250);
    const job = await queue.getJob('d0.test');
    expect(job?.data).toEqual({ a: 30_000 });
    // Rescheduled: interval plus jitter (half of 10 % here).
    expect(Number(await redis.zscore(keys.watchDue, 'd0.test'))).toBe(now + 30_000 + 1_500);
    expect(Number(await redis.zscore(keys.watchDue, 'd1.test'))).toBe(now + 60_000 + 3_000);
    // Nothing is due until then.
    expect(await tick.run(() => now + 1_000)).toEqual({ moved: 0, invalid: 0, batches: 0 });
    // Due again while the earlier jobs still wait: the job id absorbs the add.
    expect((await tick.run(() => now + 120_000)).moved).toBe(250);
    expect(await queue.count()).toBe(250);
    await queue.close();
  });

  it('ticks running at once in many workers claim each watch once', async () => {
    const { redis, keys, queue, list } = setup('w2');
    await list.add(domains(3_000, 'test'), { everyMs: 3_600_000, webhook: null }, 0);
    const ticks = Array.from({ length: 4 }, () => {
      const own = server.client();
      return new WatchTick(own, keys, createVerifyQueue(own, keys), { batch: 200 });
    });
    const summaries = await Promise.all(ticks.map((tick) => tick.run(() => 10)));
    expect(summaries.reduce((sum, s) => sum + s.moved, 0)).toBe(3_000);
    expect(await queue.count()).toBe(3_000);
    expect(await redis.zcount(keys.watchDue, '-inf', 10)).toBe(0);
    await queue.close();
  });

  it('lanes share one tick budget: maxPerTick bounds what they move together, and every moved watch is rescheduled', async () => {
    const { redis, keys, queue, list } = setup('w5');
    await list.add(domains(1_000, 'test'), { everyMs: 3_600_000, webhook: null }, 0);
    const tick = new WatchTick(redis, keys, queue, { batch: 60, lanes: 4, maxPerTick: 250, jitterPermille: 0 });
    const first = await tick.run(() => 10);
    expect(first.moved).toBe(250);
    expect(await queue.count()).toBe(250);
    // The 250 moved are due an interval later (none left claimed), the other 750 still due now.
    expect(await redis.zcount(keys.watchDue, 3_600_010, 3_600_010)).toBe(250);
    expect(await redis.zcount(keys.watchDue, '-inf', 10)).toBe(750);
    const rest = await new WatchTick(redis, keys, queue, { batch: 60, lanes: 4, jitterPermille: 0 }).run(() => 20);
    expect(rest.moved).toBe(750);
    expect(await queue.count()).toBe(1_000);
    await queue.close();
  });

  it('a tick that dies between claim and enqueue loses no watch: the claim comes due again', async () => {
    const { redis, keys, queue, list } = setup('w3');
    await list.add(domains(10, 'test'), { everyMs: 60_000, webhook: null }, 0);
    const broken = {
      addBulk: async () => {
        throw new Error('killed');
      },
    } as unknown as VerifyQueue;
    await expect(new WatchTick(redis, keys, broken, { claimMs: 5_000 }).run(() => 100)).rejects.toThrow('killed');
    expect(await queue.count()).toBe(0);
    const tick = new WatchTick(redis, keys, queue, { claimMs: 5_000 });
    expect((await tick.run(() => 200)).moved).toBe(0);
    expect((await tick.run(() => 5_100)).moved).toBe(10);
    expect(await queue.count()).toBe(10);
    await queue.close();
  });

  it('removing a watch stops its checks; the list streams what is left', async () => {
    const { redis, keys, queue, list } = setup('w4');
    await list.add(['a.test', 'b.test'], { everyMs: 10_000, webhook: 'http://127.0.0.1:9/h' }, 0);
    expect(await list.remove(['a.test', 'nope.test'])).toBe(1);
    const tick = new WatchTick(redis, keys, queue, { jitterPermille: 0 });
    expect((await tick.run(() => 1)).moved).toBe(1);
    expect(await queue.getJob('a.test')).toBeUndefined();
    const listed = [];
    for await (const watch of list.list()) listed.push(watch);
    expect(listed).toEqual([{ domain: 'b.test', everyMs: 10_000, webhook: 'http://127.0.0.1:9/h', dueAt: 10_001 }]);
    await queue.close();
  });
});
