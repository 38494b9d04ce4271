import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetKeys } from '../src/redis-keys.js';
import { agreeOnShards } from '../src/shard-config.js';
import { createVerifyQueue } from '../src/queue.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());

describe('agreeOnShards', () => {
  it('the first writer stores its count; a different one is refused; no flag means the stored count', async () => {
    const redis = server.client();
    const { config } = fleetKeys(server.prefix('agree'));
    // A reader on a fleet that never stored one: 1, and nothing written.
    expect(await agreeOnShards(redis, config, null, { store: false })).toEqual({ status: 'ok', shards: 1, source: 'default' });
    expect(await redis.exists(config)).toBe(0);
    expect(await agreeOnShards(redis, config, 3, { store: true })).toEqual({ status: 'ok', shards: 3, source: 'stored' });
    expect(await agreeOnShards(redis, config, 2, { store: true })).toEqual({ status: 'mismatch', stored: 3, requested: 2 });
    expect(await agreeOnShards(redis, config, null, { store: true })).toEqual({ status: 'ok', shards: 3, source: 'stored' });
    expect(await agreeOnShards(redis, config, null, { store: false })).toEqual({ status: 'ok', shards: 3, source: 'stored' });
    await redis.hset(config, 'shards', 'lots');
    expect(await agreeOnShards(redis, config, null, { store: false })).toEqual({ status: 'corrupt', stored: 'lots' });
  });

  it('a sharded queue adds each job to its shard and sums the counts', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('sharded'), 3);
    const queue = createVerifyQueue(redis, keys);
    try {
      const domains = Array.from({ length: 60 }, (_, i) => `d${i}.test`);
      await queue.addBulk(domains.map((domain) => ({ name: 'check', data: {}, opts: { jobId: domain } })));
      const perShard = await queue.getJobCountsPerShard('waiting');
      expect(perShard.map((counts) => counts['waiting'])).toEqual(
        [0, 1, 2].map((shard) => domains.filter((d) => keys.shardOf(d) === shard).length),
      );
      expect((await queue.getJobCounts('waiting'))['waiting']).toBe(60);
      for (const domain of domains) expect(await redis.exists(keys.job(domain)), domain).toBe(1);
      expect((await queue.getJob('d7.test'))?.id).toBe('d7.test');
      expect(await queue.getJobState('d7.test')).toBe('waiting');
    } finally {
      await queue.close();
    }
  });
});
