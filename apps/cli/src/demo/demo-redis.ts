import { connectRedis, execPerNode, masterConnections, type FleetKeys } from '@mxv/fleet';
import { startRedisServer } from '@mxv/testkit';

export type DemoRedis =
  | { status: 'external'; url: string; stop: () => Promise<void> }
  | { status: 'started'; url: string; stop: () => Promise<void> }
  | { status: 'none'; why: string };

export const HOW_TO_GET_REDIS = [
  'The demo runs the fleet (queue, workers, API) on a Redis. None was found, so it falls back to direct mode.',
  'To see the whole fleet, install one and run ./mxv demo again:',
  '  Debian/Ubuntu: sudo apt-get install redis-server    macOS: brew install redis',
  '  or point REDIS_URL at one, e.g. docker run -p 127.0.0.1:6379:6379 redis  then  REDIS_URL=redis://127.0.0.1:6379 ./mxv demo',
].join('\n');

/**
 * The demo's Redis: the one REDIS_URL (or --redis) names when it answers; else
 * a private redis-server on a free loopback port (no persistence, its files in
 * a temp dir removed on stop); else none, and the caller says how to get one.
 */
export async function findOrStartRedis(url: string | undefined): Promise<DemoRedis> {
  if (url) {
    const connected = await connectRedis(url, 2_000);
    if (connected.status === 'ok') {
      connected.redis.disconnect();
      return { status: 'external', url, stop: async () => undefined };
    }
    process.stderr.write(`mxv demo: ${connected.reason}; trying a local redis-server instead\n`);
  }
  const started = await startRedisServer();
  if (started.status !== 'ok') return { status: 'none', why: started.why };
  const { url: startedUrl, stop } = started.server;
  return { status: 'started', url: startedUrl, stop: () => stop() };
}

/**
 * Removes every key of a demo's prefix from a Redis the demo did not start
 * (SCAN, not KEYS: it may be big). On a Cluster SCAN sees one node, so every
 * master is scanned, and the keys are unlinked one command each (grouped per
 * master), since one UNLINK of keys in several slots is refused.
 */
export async function deletePrefix(url: string, keys: FleetKeys): Promise<void> {
  const connected = await connectRedis(url, 2_000);
  if (connected.status !== 'ok') return;
  const redis = connected.redis;
  const escape = (text: string): string => text.replace(/[{}*?[\]\\]/g, (c) => `\\${c}`);
  const patterns = [`${escape(keys.prefix)}:*`, ...keys.shardPrefixes.map((prefix) => `${escape(prefix)}:*`)];
  try {
    for (const node of masterConnections(redis)) {
      for (const pattern of patterns) {
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (found.length > 0)
            await execPerNode(
              redis,
              found.map((key) => ['unlink', key] as const),
            );
        } while (cursor !== '0');
      }
    }
  } finally {
    redis.disconnect();
  }
}
