import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '@mxv/fleet';
import { demoWorldSpec } from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import type { ChildProcess } from 'node:child_process';
import { killStillRunning, startCli, waitFor } from './support/cli-process.js';
import { resultLines, runCli } from './run-cli.js';

/** Domains of the demo world, the invalid input included. */
const TOTAL = demoWorldSpec().domains.length;

/** `mxv demo --once`: the whole fleet on the simulated world, on whatever Redis it finds, and the direct-mode fallback. */

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis({ own: true }); // counts every key at the end
});
afterAll(async () => server?.stop());

const withoutRedisUrl = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...extra };
  delete env['REDIS_URL'];
  return env;
};

describe('mxv demo', () => {
  it('starts a private redis-server, workers and the API, checks the world through the queue, stops everything', async () => {
    const run = await runCli(['demo', '--once', '--json', '--port', '0'], { env: withoutRedisUrl(), timeoutMs: 90_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/started a private redis-server at redis:\/\/127\.0\.0\.1:\d+/);
    const checked = resultLines(run.stdout);
    // The fleet enqueues domains only: the one invalid input is not queued.
    expect(checked.length).toBe(TOTAL - 1);
    expect(checked.every((r) => r.attempts === 1)).toBe(true);
    expect(checked.find((r) => r.domain === 'ok.test')?.verdict).toBe('ok');
    expect(run.stderr).toMatch(
      new RegExp(`${TOTAL}/${TOTAL} domains done in [\\d.]+ s by 2 workers through Redis; ${TOTAL} as the world expects, 0 not`),
    );
    expect(run.stderr).toMatch(
      /The lookup page was served at http:\/\/127\.0\.0\.1:\d+\/ during the run; without --once it keeps serving/,
    );
    // The private Redis is gone with the demo.
    const url = /redis-server at (redis:\/\/127\.0\.0\.1:\d+)/.exec(run.stderr)?.[1] ?? '';
    expect((await connectRedis(url, 500)).status).toBe('failed');
  });

  it('uses REDIS_URL when it answers, under a fresh prefix that it removes at the end', async () => {
    await server.flush();
    const run = await runCli(['demo', '--once', '--port', '0', '--workers', '1'], {
      env: { ...process.env, REDIS_URL: server.url },
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`using Redis at ${server.url}`);
    expect(run.stdout).toMatch(/^ok\.test +ok /m);
    expect(run.stdout).toMatch(/^null-mx\.test +null_mx /m);
    expect(run.stderr).toContain(`${TOTAL} as the world expects`);
    const admin = server.client();
    expect(await admin.dbsize()).toBe(0);
  });

  it('--direct --serve: the mxv check command it prints works as printed, MTA-STS policy hosts included', async () => {
    const children = new Set<ChildProcess>();
    try {
      const demo = startCli(['demo', '--direct', '--serve', '--json'], { children, logTailChars: Infinity });
      const printed = await waitFor(
        'the command to try',
        () => /NODE_EXTRA_CA_CERTS=(\S+) \.\/mxv (check .*)$/m.exec(demo.logs()),
        90_000,
        { detail: demo.logs },
      );
      const [, caFile = '', command = ''] = printed;
      const run = await runCli(command.split(' '), { env: { NODE_EXTRA_CA_CERTS: caFile } });
      expect(run.code, run.stderr).toBe(0);
      const byDomain = new Map(resultLines(run.stdout).map((result) => [result.domain, result]));
      expect(byDomain.get('ok.test')?.verdict).toBe('ok');
      expect(byDomain.get('null-mx.test')?.verdict).toBe('null_mx');
      expect(byDomain.get('policies-ok.test')?.security.mtaSts?.status).toBe('valid');
      demo.child.kill('SIGINT');
      expect(await demo.exited).toBe(0);
    } finally {
      killStillRunning(children);
    }
  });

  it('without any Redis, says how to get one and checks in direct mode', async () => {
    const run = await runCli(['demo', '--once', '--json'], {
      env: withoutRedisUrl({ PATH: '/nonexistent' }),
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('None was found, so it falls back to direct mode');
    expect(run.stderr).toContain('apt-get install redis-server');
    // Direct mode checks the invalid input too (as mxv check does).
    expect(resultLines(run.stdout).length).toBe(TOTAL);
    expect(run.stderr).toContain(`${TOTAL} domains checked; ${TOTAL} as expected`);
  });
});
