import { createVerifyQueue, fleetKeys, ResultStore, type FleetKeys, type Redis, type VerifyQueue } from '@mxv/fleet';
import type { FastifyInstance } from 'fastify';
import { buildApiApp, type ApiLimits } from '../src/index.js';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';

export { sampleResult } from '../../../packages/fleet/test/support/sample-result.js';
export { startTestRedis, type TestRedis };

export const TOKEN = 'test-token-0123456789';

export interface TestApi {
  app: FastifyInstance;
  redis: Redis;
  keys: FleetKeys;
  store: ResultStore;
  queue: VerifyQueue;
  close(): Promise<void>;
}

/** An app under its own key prefix (made unique to the file by server.prefix() when Redis is shared). */
export async function testApi(server: TestRedis, name: string, limits: Partial<ApiLimits> = {}): Promise<TestApi> {
  const prefix = server.prefix(name);
  const app = await buildApiApp({
    redis: server.url,
    prefix,
    token: TOKEN,
    limits: { minRefreshAgeMs: 0, rateLimitPerMinute: 0, eventStreamTimeoutMs: 2_000, ...limits },
  });
  await app.ready();
  const redis = server.client();
  const keys = fleetKeys(prefix);
  const queue = createVerifyQueue(redis, keys);
  return {
    app,
    redis,
    keys,
    store: new ResultStore(redis, keys),
    queue,
    async close() {
      await queue.close();
      await app.close();
    },
  };
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function queuedCount(queue: VerifyQueue): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
