import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { CLI_MAIN } from './run-cli.js';

/**
 * `mxv worker --young-generation-mib` caps the running worker's new space, as
 * its own metrics report it (prom-client's heap-space gauge). The cap must be
 * set before the worker's modules load: loading them alone grows V8's new
 * space past it, and it cannot be shrunk afterwards.
 */

const MiB = 1_048_576;
let redisServer: TestRedis;

beforeAll(async () => {
  redisServer = await startTestRedis();
});

afterAll(async () => {
  await redisServer?.stop();
});

async function scrapeWhenReady(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) {
        return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out waiting for the worker to be ready');
}

/** The new space of a worker started with `--young-generation-mib mib`, once it is ready, in bytes. */
async function readyWorkerNewSpace(mib: number): Promise<number> {
  const metricsPort = await freeLoopbackPort();
  const child = spawn(
    process.execPath,
    [
      CLI_MAIN,
      'worker',
      '--redis',
      redisServer.url,
      '--prefix',
      redisServer.prefix(`young-${mib}`),
      '--young-generation-mib',
      String(mib),
      '--metrics-port',
      String(metricsPort),
      '--metrics-host',
      '127.0.0.1',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  try {
    const metrics = await scrapeWhenReady(metricsPort, 20_000);
    const gauge = /^mxv_nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics);
    expect(gauge, logs).not.toBeNull();
    return Number(gauge?.[1]);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

describe('mxv worker --young-generation-mib', () => {
  it('holds the new space of a started worker at the cap, where V8 alone grows it past that while loading', async () => {
    const [capped, uncapped] = await Promise.all([readyWorkerNewSpace(4), readyWorkerNewSpace(0)]);
    expect(capped).toBeGreaterThan(0);
    expect(capped).toBeLessThanOrEqual(4 * MiB);
    expect(uncapped).toBeGreaterThan(4 * MiB);
  }, 60_000);
});
