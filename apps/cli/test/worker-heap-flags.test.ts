import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { killStillRunning, startCli, waitFor } from './support/cli-process.js';

/**
 * `mxv worker --young-generation-mib` caps the running worker's new space, as
 * its own metrics report it (prom-client's heap-space gauge). The cap must be
 * set before the worker's modules load: loading them alone grows V8's new
 * space past it, and it cannot be shrunk afterwards.
 */

const MiB = 1_048_576;
let redisServer: TestRedis;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redisServer = await startTestRedis();
});

afterAll(async () => {
  killStillRunning(children);
  await redisServer?.stop();
});

/** The new space of a worker started with `--young-generation-mib mib`, once it is ready, in bytes. */
async function readyWorkerNewSpace(mib: number): Promise<number> {
  const metricsPort = await freeLoopbackPort();
  const worker = startCli(
    [
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
    { children },
  );
  try {
    const metrics = await waitFor(
      'the worker to be ready',
      async () => {
        if ((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status !== 200) return null;
        return await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      },
      20_000,
      // The port refuses connections until the worker listens.
      { retryErrors: true },
    );
    const gauge = /^mxv_nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics);
    expect(gauge, worker.logs()).not.toBeNull();
    return Number(gauge?.[1]);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
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
