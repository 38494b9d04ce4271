import { Redis } from 'ioredis';

export { DEFAULT_REDIS_URL } from './bounds.js';

export type RedisConnect = { status: 'ok'; redis: Redis } | { status: 'failed'; reason: string };

/**
 * One ioredis connection for the fleet. `maxRetriesPerRequest: null` is what
 * BullMQ requires of a connection its Worker blocks on; the first connection
 * attempt is bounded so a wrong URL is reported instead of retried forever.
 */
export async function connectRedis(url: string, connectTimeoutMs = 5_000): Promise<RedisConnect> {
  let redis: Redis;
  try {
    redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: connectTimeoutMs });
  } catch (error) {
    return { status: 'failed', reason: `bad Redis URL "${url}": ${error instanceof Error ? error.message : String(error)}` };
  }
  // Without a listener ioredis prints every reconnect error; callers see failures through commands instead.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { status: 'ok', redis };
  } catch (error) {
    redis.disconnect();
    return {
      status: 'failed',
      reason: `cannot reach Redis at ${url}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
