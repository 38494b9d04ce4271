import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis, type FleetKeys } from '@mxv/fleet';
import { freeLoopbackPort } from '@mxv/testkit';

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
  let lastError = 'redis-server did not start';
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await startRedisServer();
    if (started.status !== 'failed') return started.status === 'ok' ? started.redis : { status: 'none', why: started.why };
    lastError = started.why;
  }
  return { status: 'none', why: lastError };
}

type StartOutcome = { status: 'ok'; redis: DemoRedis } | { status: 'missing'; why: string } | { status: 'failed'; why: string };

async function startRedisServer(): Promise<StartOutcome> {
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'mxv-demo-redis-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  let child: ChildProcess;
  try {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
  } catch (error) {
    cleanup();
    return { status: 'missing', why: String(error) };
  }
  const spawnError = new Promise<string>((resolve) => child.once('error', (error) => resolve(error.message)));
  const url = `redis://127.0.0.1:${port}`;
  let abandoned = false;
  const ready = (async (): Promise<boolean> => {
    const deadline = Date.now() + 5_000;
    while (!abandoned && Date.now() < deadline && child.exitCode === null) {
      const connected = await connectRedis(url, 500);
      if (connected.status === 'ok') {
        connected.redis.disconnect();
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  })();
  const outcome = await Promise.race([ready.then((ok) => ({ ok })), spawnError.then((why) => ({ ok: false, why }))]);
  abandoned = true;
  if ('why' in outcome) {
    cleanup();
    return { status: 'missing', why: `redis-server is not installed (${outcome.why})` };
  }
  if (!outcome.ok) {
    child.kill('SIGKILL');
    cleanup();
    return { status: 'failed', why: `redis-server on port ${port} did not become ready` };
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    cleanup();
  };
  return { status: 'ok', redis: { status: 'started', url, stop } };
}

/** Removes every key of a demo's prefix from a Redis the demo did not start (SCAN, not KEYS: it may be big). */
export async function deletePrefix(url: string, keys: FleetKeys): Promise<void> {
  const connected = await connectRedis(url, 2_000);
  if (connected.status !== 'ok') return;
  const redis = connected.redis;
  try {
    for (const pattern of [`${keys.prefix}:*`, `${keys.bullPrefix}:*`.replace(/[{}]/g, (c) => `\\${c}`)]) {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await redis.unlink(...found);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
