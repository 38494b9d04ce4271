import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, fleetKeys, ResultStore, type FleetRedis } from '@mxv/fleet';
import {
  blockAddress,
  freeLoopbackPort,
  startSocks5Server,
  startWorld,
  worldProbeFlags,
  type Socks5ServerHandle,
  type World,
  type WorldRecord,
} from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { runCli } from './run-cli.js';
import { killStillRunning, startCli, waitFor } from './support/cli-process.js';

/**
 * A worker whose egress breaks: every SMTP connection goes through a SOCKS5
 * proxy (as a worker behind one would), and the proxy goes away, then comes
 * back. The hosts are fine all along: no result may be stored as unreachable.
 */

const DOMAINS = Array.from({ length: 16 }, (_, i) => `d${i}.egress.test`);
let world: World;
let redisServer: TestRedis;
let redis: FleetRedis;
let proxy: Socks5ServerHandle | null = null;
let proxyHost: string;
let proxyPort: number;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  const records: Record<string, WorldRecord[]> = { 'canary.egress.test': [{ type: 'A', host: 'canary' }] };
  const hosts = [{ id: 'canary', behaviour: 'esmtp' as const }];
  for (let i = 0; i < 4; i++) {
    hosts.push({ id: `h${i}`, behaviour: 'esmtp' as const });
    records[`mx${i}.egress.test`] = [{ type: 'A', host: `h${i}` }];
  }
  DOMAINS.forEach((domain, i) => (records[domain] = [{ type: 'MX', priority: 10, exchange: `mx${i % 4}.egress.test` }]));
  [world, redisServer] = await Promise.all([startWorld({ hosts, records, domains: [] }), startTestRedis()]);
  const connected = await connectRedis(redisServer.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  redis = connected.redis;
  proxyHost = blockAddress(world.ipBlock, 60_100);
  proxyPort = await freeLoopbackPort(proxyHost);
  proxy = await startSocks5Server({ host: proxyHost, port: proxyPort, behaviour: { kind: 'relay' } });
});

afterEach(() => killStillRunning(children));

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([world?.stop(), redisServer?.stop(), proxy?.stop()]);
});

async function readyz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch {
    return 0;
  }
}

async function workerEgress(prefix: string): Promise<unknown[]> {
  const run = await runCli(['status', '--json', '--heartbeat-ms', '300', '--redis', redisServer.url, '--prefix', prefix]);
  const parsed = JSON.parse(run.stdout) as { workers: { list: Array<Record<string, unknown>> } };
  return parsed.workers.list.map((worker) => worker['egress']);
}

describe('a worker whose egress breaks', () => {
  it('pauses (status, readyz), stores no false unreachable, resumes by itself and drains the queue', async () => {
    const prefix = redisServer.prefix('egress');
    const metricsPort = await freeLoopbackPort();
    const worker = startCli(
      [
        'worker',
        '--redis',
        redisServer.url,
        '--prefix',
        prefix,
        ...worldProbeFlags(world),
        '--proxy',
        `socks5://${proxyHost}:${proxyPort}`,
        '--canary',
        `canary.egress.test:${world.smtpPort}`,
        '--canary-recheck-ms',
        '300',
        // One attempt: without the guard, a proxy failure would be stored as the final result at once.
        '--attempts',
        '1',
        '--retry-base-ms',
        '200',
        '--timeout-ms',
        '2000',
        '--connect-timeout-ms',
        '500',
        '--dns-timeout-ms',
        '500',
        '--heartbeat-ms',
        '300',
        '--checks',
        'none',
        '--metrics-port',
        String(metricsPort),
        '--metrics-host',
        '127.0.0.1',
        '--log-level',
        'warn',
      ],
      // Its whole log is kept: the line asserted on below may come before many others.
      { children, logTailChars: Infinity },
    );
    await waitFor('the worker ready', async () => (await readyz(metricsPort)) === 200, 15_000);

    // Egress breaks: the proxy is gone.
    await proxy?.stop();
    proxy = null;
    const file = DOMAINS.join('\n');
    const enqueue = await runCli(['enqueue', '--json', '-f', '-', '--redis', redisServer.url, '--prefix', prefix], {
      stdin: file,
    });
    expect(enqueue.code, enqueue.stderr).toBe(0);

    await waitFor('the worker paused for egress', async () => (await workerEgress(prefix)).includes('paused'), 15_000);
    expect(await readyz(metricsPort)).toBe(503);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^mxv_worker_egress_ok 0$/m);
    const store = new ResultStore(redis, fleetKeys(prefix));
    // A while paused: nothing stored (the hosts were never the problem).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const during = (await store.getMany(DOMAINS)).filter((entry) => entry.status === 'found');
    expect(during).toEqual([]);

    // Egress comes back.
    proxy = await startSocks5Server({ host: proxyHost, port: proxyPort, behaviour: { kind: 'relay' } });
    await waitFor(
      'every domain stored',
      async () => (await store.getMany(DOMAINS)).every((entry) => entry.status === 'found'),
      30_000,
    );
    const stored = await store.getMany(DOMAINS);
    const verdicts = stored.map((entry) => (entry.status === 'found' ? entry.result.verdict : entry.status));
    expect(verdicts, worker.logs()).toEqual(DOMAINS.map(() => 'ok'));
    expect(await workerEgress(prefix)).toEqual(['ok']);
    expect(await readyz(metricsPort)).toBe(200);
    expect(worker.logs()).toContain('egress broken');
  }, 90_000);

  it('a worker that cannot reach the canary at start starts paused, and SIGTERM still ends it cleanly', async () => {
    const prefix = redisServer.prefix('egress-start');
    const canaryIp = world.hostsById.get('canary')?.ip as string;
    const worker = startCli(
      [
        'worker',
        '--redis',
        redisServer.url,
        '--prefix',
        prefix,
        ...worldProbeFlags(world),
        // Nothing listens on port 9 of the canary's address.
        '--canary',
        `${canaryIp}:9`,
        '--heartbeat-ms',
        '300',
        '--drain-timeout-ms',
        '1000',
        '--log-level',
        'warn',
      ],
      { children },
    );
    await waitFor('the worker paused for egress', async () => (await workerEgress(prefix)).includes('paused'), 15_000);
    const enqueue = await runCli(['enqueue', '--json', '-f', '-', '--redis', redisServer.url, '--prefix', prefix], {
      stdin: DOMAINS[0] ?? '',
    });
    expect(enqueue.code, enqueue.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Paused: the job is still queued, not stored.
    expect((await new ResultStore(redis, fleetKeys(prefix)).getMany([DOMAINS[0] ?? '']))[0]?.status).toBe('not_found');
    const started = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 60_000);
});
