import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startTestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { CLI_MAIN } from './run-cli.js';

describe('mxv worker shutdown', () => {
  it('exits 0 within its bound on SIGTERM even when Redis has gone away', async () => {
    const redis = await startTestRedis({ own: true }); // it stops the server
    const drainMs = 500;
    // No job is ever taken: the resolver address is never asked.
    const worker = spawn(
      process.execPath,
      [
        CLI_MAIN,
        'worker',
        '--dns',
        '127.0.0.1:9',
        '--drain-timeout-ms',
        String(drainMs),
        '--heartbeat-ms',
        '200',
        '--log-level',
        'info',
      ],
      {
        env: { ...process.env, REDIS_URL: redis.url, MXV_PREFIX: `shutdown-${process.pid}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // Started means its signal handlers are in place: a fixed sleep is not enough on a loaded machine,
      // where a SIGTERM that arrives before them ends the process by the signal (exit code null).
      const deadline = Date.now() + 20_000;
      while (!stderr.includes('worker started') && worker.exitCode === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stderr, 'the worker logs its start').toContain('worker started');
      expect(worker.exitCode).toBeNull();
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      worker.kill('SIGTERM');
      const [code] = (await once(worker, 'exit')) as [number | null];
      const elapsed = Date.now() - started;
      expect(code).toBe(0);
      // 2 × drain + 5 s grace, with slack for a loaded machine.
      expect(elapsed).toBeLessThan(2 * drainMs + 5_000 + 3_000);
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await redis.stop();
    }
    expect(stderr).not.toContain('internal error');
  }, 30_000);
});
