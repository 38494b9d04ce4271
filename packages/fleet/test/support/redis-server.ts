import { Redis } from 'ioredis';
import { startRedisServer } from '@mxv/testkit';

/**
 * A private redis-server for one test file, on a free loopback port, with no
 * persistence. Tests never touch a Redis they did not start (so FLUSHALL here
 * is safe and nothing else is).
 */
export interface TestRedis {
  url: string;
  port: number;
  /** A new client (closed by stop()). */
  client(): Redis;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const started = await startRedisServer();
  if (started.status !== 'ok') throw new Error(started.why);
  const { url, port, stop } = started.server;
  const clients: Redis[] = [];
  const admin = new Redis(url, { maxRetriesPerRequest: null });
  clients.push(admin);
  return {
    url,
    port,
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: null });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async flush() {
      await admin.flushall();
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await stop();
    },
  };
}
