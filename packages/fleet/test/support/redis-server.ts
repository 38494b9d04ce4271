import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freeLoopbackPort } from '@mxv/testkit';

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
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await launch(port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(port: number): Promise<TestRedis> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await waitReady(child, port);
  const url = `redis://127.0.0.1:${port}`;
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
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

async function waitReady(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server on port ${port} exited early`);
    const probe = new Redis(`redis://127.0.0.1:${port}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      // Another file's server may hold this port: only our own process counts as ready.
      const info = await probe.info('server');
      if (new RegExp(`process_id:${child.pid}\\b`).test(info)) return;
      throw new Error(`port ${port} is held by another redis-server`);
    } catch (error) {
      if (error instanceof Error && error.message.includes('held by another')) {
        child.kill('SIGKILL');
        throw error;
      }
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} not ready in time`);
}
