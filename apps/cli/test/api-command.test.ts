import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { runCli } from './run-cli.js';
import { killStillRunning, startCli, waitForApiUrl } from './support/cli-process.js';

let server: TestRedis;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  server = await startTestRedis();
});
afterEach(() => killStillRunning(children));
afterAll(async () => server?.stop());

describe('mxv api', () => {
  it('serves until SIGTERM, then exits 0', async () => {
    const api = startCli(['api', '--redis', server.url, '--port', '0', '--log-level', 'warn'], {
      env: { MXV_API_TOKEN: 'cli-test-token-123', MXV_PREFIX: server.prefix('api') },
      children,
    });
    const url = await waitForApiUrl(api, 15_000);
    try {
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
      const checks = await fetch(`${url}/v1/checks`, {
        method: 'POST',
        headers: { authorization: 'Bearer cli-test-token-123', 'content-type': 'application/json' },
        body: JSON.stringify({ domains: ['cli.test'] }),
      });
      expect(await checks.json()).toMatchObject({ enqueued: 1 });
      // The queue dashboard's page and its files come from beside the bundle (apps/cli/scripts/bundle.mjs).
      const auth = { authorization: 'Bearer cli-test-token-123' };
      const page = await fetch(`${url}/admin/queues`, { headers: auth });
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="([^"]+\.js)"/.exec(html)?.[1];
      expect(script, html.slice(0, 500)).toBeDefined();
      const asset = await fetch(new URL(script ?? '', `${url}/admin/queues/`), { headers: auth });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      const queues = await fetch(`${url}/admin/queues/api/queues`, { headers: auth });
      expect(queues.status).toBe(200);
      expect(JSON.stringify(await queues.json())).toContain('verify');
    } finally {
      api.child.kill('SIGTERM');
    }
    expect(await api.exited).toBe(0);
  });

  it('exits 2 with a message when Redis does not answer, a limit or --trust-proxy is bad, or the token is too short', async () => {
    const down = await runCli(['api', '--redis', 'redis://127.0.0.1:1', '--port', '0']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    for (const [flags, message] of [
      [['--trust-proxy', 'lots'], '--trust-proxy must be a hop count from 1 to 32 or proxy addresses/CIDR ranges'],
      [['--trust-proxy', '0'], '--trust-proxy must be a hop count from 1 to 32'],
      [['--trust-proxy', '10.0.0.0/8,10.1.0.0/99'], '"10.1.0.0/99"'],
      [['--anonymous-checks', '-1'], '--anonymous-checks must be'],
      [['--headers-timeout-ms', '20000', '--request-timeout-ms', '10000'], 'headersTimeoutMs must not exceed'],
    ] as const) {
      const bad = await runCli(['api', '--redis', 'redis://127.0.0.1:1', '--port', '0', ...flags]);
      expect(bad.code, flags.join(' ')).toBe(2);
      expect(bad.stderr, flags.join(' ')).toContain(message);
    }
    const short = await runCli(['api', '--redis', server.url, '--token', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 8 characters');
  });
});
