import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueueDomains, type EnqueueSummary } from '../src/enqueue-domains.js';
import { createVerifyQueue, jobIdFor, type VerifyQueue } from '../src/queue.js';
import { fleetKeys, type FleetKeys } from '../src/redis-keys.js';
import { ResultStore } from '../src/result-store.js';
import { sampleResult } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
const queues: VerifyQueue[] = [];
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  for (const queue of queues) await queue.close();
  await server.stop();
});
beforeEach(async () => server.flush());

function deps(keys: FleetKeys) {
  const redis = server.client();
  const queue = createVerifyQueue(redis, keys);
  queues.push(queue);
  return { queue, redis, keys, store: new ResultStore(redis, keys) };
}

describe('enqueueDomains', () => {
  it('normalizes, drops invalid lines with their reason, and never queues a domain twice', async () => {
    const d = deps(fleetKeys(server.prefix('e1')));
    const invalid: Array<[string, string]> = [];
    const summary = await enqueueDomains(
      d,
      ['Example.TEST.', 'user@example.test', 'two.test', 'not a domain', '', '12345', 'two.test'],
      {
        onInvalid: (input, reason) => void invalid.push([input, reason]),
        chunkSize: 3,
      },
    );
    expect(summary).toEqual<EnqueueSummary>({ read: 7, invalid: 3, duplicates: 2, fresh: 0, enqueued: 2 });
    expect(invalid).toEqual([
      ['not a domain', 'bad_character'],
      ['', 'empty'],
      ['12345', 'ip_address'],
    ]);
    expect((await d.queue.getWaiting()).map((job) => job.id).sort()).toEqual(['example.test', 'two.test']);
    // A second run finds them waiting: nothing is added.
    const again = await enqueueDomains(d, ['example.test', 'three.test']);
    expect(again).toEqual({ read: 2, invalid: 0, duplicates: 1, fresh: 0, enqueued: 1 });
    expect(await d.queue.count()).toBe(3);
  });

  it('counts a repeat as a duplicate while the chunk that holds it is still being added, and reports in order', async () => {
    const d = deps(fleetKeys(server.prefix('e5')));
    const reports: EnqueueSummary[] = [];
    // One domain per chunk: each repeat is looked up while the chunk before it (or the one before that) is in flight.
    const input = ['a.test', 'a.test', 'b.test', 'a.test', 'b.test', 'c.test', 'c.test', 'a.test'];
    const summary = await enqueueDomains(d, input, { chunkSize: 1, onProgress: (s) => void reports.push({ ...s }) });
    expect(summary).toEqual<EnqueueSummary>({ read: 8, invalid: 0, duplicates: 5, fresh: 0, enqueued: 3 });
    expect(reports.map((report) => report.enqueued)).toEqual([1, 1, 2, 2, 2, 3, 3, 3]);
    expect((await d.queue.getWaiting()).map((job) => job.id).sort()).toEqual(['a.test', 'b.test', 'c.test']);
  });

  it('counts a repeat looked up before an add that ends while the repeat waits for its turn', async () => {
    const d = deps(fleetKeys(server.prefix('e7')));
    const slow = Object.create(d.queue) as VerifyQueue;
    // Each add reaches Redis 50 ms late: the third chunk's lookup runs before the first chunk's jobs exist.
    slow.addBulk = async (jobs) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return d.queue.addBulk(jobs);
    };
    const summary = await enqueueDomains({ ...d, queue: slow }, ['a.test', 'b.test', 'a.test', 'b.test'], { chunkSize: 1 });
    expect(summary).toEqual<EnqueueSummary>({ read: 4, invalid: 0, duplicates: 2, fresh: 0, enqueued: 2 });
  });

  it('with shards, finds the jobs already queued in every shard (one existence script per shard)', async () => {
    const keys = fleetKeys(server.prefix('e8'), 4);
    const d = deps(keys);
    const domains = Array.from({ length: 40 }, (_, i) => `d${i}.sharded.test`);
    expect(new Set(domains.map((domain) => keys.shardOf(domain))).size).toBe(4);
    const first = await enqueueDomains(d, domains.slice(0, 25), { chunkSize: 7 });
    expect(first).toMatchObject({ read: 25, duplicates: 0, enqueued: 25 });
    // The first 25 are queued, spread over the 4 shards; the rest are new.
    const again = await enqueueDomains(d, [...domains].reverse(), { chunkSize: 9 });
    expect(again).toMatchObject({ read: 40, duplicates: 25, enqueued: 15 });
    for (const domain of domains) expect(await d.redis.exists(keys.job(domain)), domain).toBe(1);
  });

  it('fails with the error of a chunk whose add fails, after the chunks before it', async () => {
    const d = deps(fleetKeys(server.prefix('e6')));
    let adds = 0;
    const failing = Object.create(d.queue) as VerifyQueue;
    failing.addBulk = async (jobs) => {
      adds += 1;
      if (adds === 2) throw new Error('add failed');
      return d.queue.addBulk(jobs);
    };
    const reports: number[] = [];
    await expect(
      enqueueDomains({ ...d, queue: failing }, ['a.test', 'b.test', 'c.test', 'd.test'], {
        chunkSize: 1,
        onProgress: (s) => void reports.push(s.enqueued),
      }),
    ).rejects.toThrow('add failed');
    expect(reports).toEqual([1]);
  });

  it('skips domains with a result younger than max-age unless forced', async () => {
    const d = deps(fleetKeys(server.prefix('e2')));
    const now = Date.parse('2026-03-01T12:00:00.000Z');
    await d.store.write(sampleResult('fresh.test', '2026-03-01T11:00:00.000Z'));
    await d.store.write(sampleResult('stale.test', '2026-02-01T00:00:00.000Z'));
    const summary = await enqueueDomains(d, ['fresh.test', 'stale.test', 'new.test'], {
      maxAgeMs: 24 * 3_600_000,
      now: () => now,
    });
    expect(summary).toEqual({ read: 3, invalid: 0, duplicates: 0, fresh: 1, enqueued: 2 });
    const forced = await enqueueDomains(d, ['fresh.test'], { maxAgeMs: 24 * 3_600_000, force: true, now: () => now });
    expect(forced.enqueued).toBe(1);
  });

  it('passes the priority to BullMQ', async () => {
    const d = deps(fleetKeys(server.prefix('e3')));
    await enqueueDomains(d, ['low.test'], { priority: 10 });
    await enqueueDomains(d, ['high.test'], { priority: 1 });
    const job = await d.queue.getJob('high.test');
    expect(job?.opts.priority).toBe(1);
    expect((await d.queue.getPrioritized()).map((j) => j.id)).toContain('low.test');
    await expect(enqueueDomains(d, ['x.test'], { priority: 0 })).rejects.toThrow(/priority/);
  });

  it('streams a large input in chunks, fast, within 1 KiB of Redis per queued domain', async () => {
    const d = deps(fleetKeys(server.prefix('e4')));
    const count = 20_000;
    async function* lines(): AsyncGenerator<string> {
      for (let i = 0; i < count; i++) yield `domain-${i}.bulk.test`;
    }
    let progressCalls = 0;
    const before = Number(/used_memory:(\d+)/.exec(await d.redis.info('memory'))?.[1]);
    const started = performance.now();
    const summary = await enqueueDomains(d, lines(), { onProgress: () => void (progressCalls += 1) });
    const seconds = (performance.now() - started) / 1000;
    const after = Number(/used_memory:(\d+)/.exec(await d.redis.info('memory'))?.[1]);
    expect(summary.enqueued).toBe(count);
    expect(progressCalls).toBe(20);
    const bytesPerJob = (after - before) / count;
    const jobHash = Number(await d.redis.memory('USAGE', d.keys.job('domain-1.bulk.test')));
    console.log(
      `enqueue: ${Math.round(count / seconds)} domains/s, ${Math.round(bytesPerJob)} B/job (used_memory), job hash ${jobHash} B`,
    );
    // The rate is printed, not asserted: speed is bench/fleet's to measure (a shared machine makes a timed test flake).
    expect(bytesPerJob).toBeLessThanOrEqual(1024);
  });

  it('job ids are the domain, except names BullMQ would mistake for its own ids', () => {
    expect(jobIdFor('example.test')).toEqual({ status: 'ok', jobId: 'example.test' });
    expect(jobIdFor('123')).toEqual({ status: 'invalid', reason: 'numeric_name' });
  });
});
