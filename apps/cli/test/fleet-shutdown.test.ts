import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { killStillRunning, startCli, waitFor } from './support/cli-process.js';

describe('mxv worker shutdown', () => {
  it('exits 0 within its bound on SIGTERM even when Redis has gone away', async () => {
    const redis = await startTestRedis({ own: true }); // it stops the server
    const drainMs = 500;
    const children = new Set<ChildProcess>();
    // No job is ever taken: the resolver address is never asked.
    const worker = startCli(
      ['worker', '--dns', '127.0.0.1:9', '--drain-timeout-ms', String(drainMs), '--heartbeat-ms', '200', '--log-level', 'info'],
      {
        env: { REDIS_URL: redis.url, MXV_PREFIX: `shutdown-${process.pid}` },
        children,
        // The last assertion is over every line the worker wrote.
        logTailChars: Infinity,
      },
    );
    try {
      // Started means its signal handlers are in place: a fixed sleep is not enough on a loaded machine,
      // where a SIGTERM that arrives before them ends the process by the signal (exit code null).
      await waitFor(
        'the worker to start (or exit)',
        () => worker.logs().includes('worker started') || worker.child.exitCode !== null,
        20_000,
        { intervalMs: 50, detail: worker.logs },
      );
      expect(worker.logs(), 'the worker logs its start').toContain('worker started');
      expect(worker.child.exitCode).toBeNull();
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      worker.child.kill('SIGTERM');
      const code = await worker.exited;
      const elapsed = Date.now() - started;
      expect(code).toBe(0);
      // 2 × drain + 5 s grace, with slack for a loaded machine.
      expect(elapsed).toBeLessThan(2 * drainMs + 5_000 + 3_000);
    } finally {
      killStillRunning(children);
      await redis.stop();
    }
    expect(worker.logs()).not.toContain('internal error');
  }, 30_000);
});
