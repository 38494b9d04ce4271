import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, jobsConnection, type FleetRedis } from '../src/redis-connection.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
let redis: FleetRedis;
beforeAll(async () => {
  server = await startTestRedis();
  const connected = await connectRedis(server.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  redis = connected.redis;
});
afterAll(async () => {
  redis?.disconnect();
  await server.stop();
});

describe('jobsConnection', () => {
  it('is a second, auto-pipelined connection to the same Redis, which keeps waiting for Redis like the first', async () => {
    const jobs = await jobsConnection(redis, true);
    try {
      expect(jobs).not.toBe(redis);
      expect(jobs.options).toMatchObject({ enableAutoPipelining: true, maxRetriesPerRequest: null });
      const key = `${server.prefix('jobs-connection')}:k`;
      // Commands of one turn go out together and each gets its own reply, in order.
      const replies = await Promise.all([jobs.set(key, 'a'), jobs.get(key), jobs.incr(`${key}:n`), jobs.incr(`${key}:n`)]);
      expect(replies).toEqual(['OK', 'a', 1, 2]);
      expect(jobs.autoPipelineQueueSize).toBe(0);
      await jobs.del(key, `${key}:n`);
    } finally {
      jobs.disconnect();
    }
  });

  it('is the worker’s own connection with --no-auto-pipelining', async () => {
    expect(await jobsConnection(redis, false)).toBe(redis);
  });
});
