import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedisServer } from '@mxv/testkit';
import { startRedisContainer } from './redis-container.js';

/**
 * The one way tests get a Redis, in this order:
 *  - `env`: REDIS_URL when set. Shared with others, so the file's keys live
 *    under a prefix of its own (`prefix(name)`), flush() deletes only those,
 *    and nothing here ever runs FLUSHALL/FLUSHDB or stops that server;
 *  - `container`: a container through testcontainers when an engine answers
 *    (a developer's laptop; CI starts one with scripts/docker-engine);
 *  - `local`: a private redis-server on a free loopback port.
 * `own: true` skips REDIS_URL, for a test that stops the server or counts
 * every key in it.
 */
export type TestRedisKind = 'env' | 'container' | 'local';

export interface TestRedis {
  kind: TestRedisKind;
  url: string;
  port: number;
  /** The key prefix to use for `name`: unique to this file on a shared Redis, `name` itself on a private one. */
  prefix(name: string): string;
  /** A new client (closed by stop()). */
  client(): Redis;
  /** Empties what this file may have written (the whole server only when it is private). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  own?: boolean;
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const shared = process.env['REDIS_URL'];
  if (shared && !options.own) return sharedRedis(shared);
  const container = await startRedisContainer();
  if (container.status === 'ok') return privateRedis('container', container.url, container.port, container.stop);
  if (container.status === 'failed') {
    // An engine answered but the container did not start: loud, since CI expects it (MXV_EXPECT_REDIS).
    process.stderr.write(`startTestRedis: falling back to a local redis-server: ${container.why}\n`);
  }
  const started = await startRedisServer();
  if (started.status !== 'ok') throw new Error(started.why);
  const { url, port, stop } = started.server;
  return privateRedis('local', url, port, () => stop());
}

function clients(url: string) {
  const all: Redis[] = [];
  const open = (): Redis => {
    const client = new Redis(url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    all.push(client);
    return client;
  };
  return { open, closeAll: () => all.forEach((client) => client.disconnect()) };
}

function privateRedis(kind: TestRedisKind, url: string, port: number, stopServer: () => Promise<void>): TestRedis {
  const { open, closeAll } = clients(url);
  const admin = open();
  return {
    kind,
    url,
    port,
    prefix: (name) => name,
    client: open,
    async flush() {
      await admin.flushall(); // safe: this process started the server
    },
    async stop() {
      closeAll();
      await stopServer();
    },
  };
}

function sharedRedis(url: string): TestRedis {
  const { open, closeAll } = clients(url);
  const admin = open();
  // fleetKeys() allows 64 characters of [A-Za-z0-9_.-]: 13 for the tag leaves 50 for the name.
  const tag = `t${randomBytes(6).toString('hex')}`;
  const prefix = (name: string): string => `${tag}-${name}`;
  const flush = async (): Promise<void> => {
    // Fleet keys are `<prefix>:…`, BullMQ's `{<prefix>}:…`; braces are plain characters in a MATCH pattern.
    for (const pattern of [`${tag}-*`, `{${tag}-*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        if (keys.length > 0) await admin.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  };
  const port = Number(new URL(url).port || 6379);
  return {
    kind: 'env',
    url,
    port,
    prefix,
    client: open,
    flush,
    async stop() {
      await flush();
      closeAll();
    },
  };
}
