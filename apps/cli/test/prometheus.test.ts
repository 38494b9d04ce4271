import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoWorldSpec, startWorld, type World, worldProbeFlags } from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { LIFTED_GROUP_LIMITS, runCli } from './run-cli.js';
import { killStillRunning, startCli, waitFor, type CliProcess, type WaitForOptions } from './support/cli-process.js';
import { freeLoopbackPort } from '@mxv/testkit';

/**
 * A real Prometheus (Debian package `prometheus`, installed by .ci/run) scrapes
 * a real `mxv worker --metrics-port` working through the demo world, with the
 * shipped rule files loaded. Checked through Prometheus's own HTTP API: the
 * targets are up, every rule evaluates without error, every dashboard query
 * is valid, and the key ones return data. Scrape and rule intervals are 1 s so
 * the whole file stays within a few seconds of work.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const RULES = join(DEPLOY, 'prometheus/rules/mxv.yml');
const DASHBOARD = join(DEPLOY, 'grafana/dashboards/mxv-fleet.json');
/** What Grafana puts in for $__rate_interval: long enough to span the scrapes from before the work to after it. */
const RATE_WINDOW = '1m';

let world: World;
let redisServer: TestRedis;
let dir: string;
const children = new Set<ChildProcess>();

function requireBinary(name: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`${name} is not installed: apt-get install prometheus (.ci/run does)`);
}

beforeAll(async () => {
  requireBinary('prometheus');
  requireBinary('promtool');
  [world, redisServer] = await Promise.all([startWorld(demoWorldSpec()), startTestRedis()]);
  dir = mkdtempSync(join(tmpdir(), 'mxv-prometheus-test-'));
  writeFileSync(join(dir, 'ca.pem'), world.caCertPem);
});

afterAll(async () => {
  killStillRunning(children);
  await Promise.all([world?.stop(), redisServer?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function promtool(args: string[]): { code: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: join(DEPLOY, 'prometheus'), encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Prometheus refuses connections, and its API answers with errors, while it starts: polled through that, not failed on. */
const PROMETHEUS_POLL: WaitForOptions = { intervalMs: 200, retryErrors: true };

/** Starts a process and resolves with the port it announced on stderr ("metrics served" of a worker, "api listening" of the API). */
function startLogged(args: string[], env: NodeJS.ProcessEnv): CliProcess & { port: Promise<number> } {
  // Every log line is kept: the test counts the worker's "result stored" lines.
  const started = startCli(args, { env, children, logTailChars: Infinity });
  const port = new Promise<number>((resolve, reject) => {
    // Added after startCli's own listener: logs() already holds this chunk.
    started.child.stderr?.on('data', () => {
      for (const line of started.logs().split('\n')) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as { msg?: string; port?: number; url?: string };
        if (event.msg === 'metrics served' && typeof event.port === 'number') resolve(event.port);
        if (event.msg === 'api listening' && typeof event.url === 'string') resolve(Number(new URL(event.url).port));
      }
    });
    void started.exited.then((code) => reject(new Error(`exited ${code} before serving metrics: ${started.logs()}`)));
  });
  return { ...started, port };
}

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}

async function prom<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
  return body.data;
}

async function query(base: string, expr: string): Promise<PromVector[]> {
  const data = await prom<{ resultType: string; result: PromVector[] }>(base, `/api/v1/query?query=${encodeURIComponent(expr)}`);
  return data.resultType === 'vector' ? data.result : [];
}

function dashboardQueries(): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((panel) =>
    panel.targets.map((target) => ({ panel: panel.title, expr: target.expr.replaceAll('$__rate_interval', RATE_WINDOW) })),
  );
}

describe('Prometheus and the shipped files', () => {
  it('promtool accepts the shipped config and rules, and the rule unit tests pass', () => {
    const config = promtool(['check', 'config', 'prometheus.yml']);
    expect(config.code, config.output).toBe(0);
    const rules = promtool(['check', 'rules', 'rules/mxv.yml']);
    expect(rules.code, rules.output).toBe(0);
    expect(rules.output).toMatch(/SUCCESS: \d+ rules found/);
    const tests = promtool(['test', 'rules', 'tests/mxv-rules.test.yml']);
    expect(tests.code, tests.output).toBe(0);
  });

  it('a real Prometheus scrapes a worker and the API, evaluates every rule, and answers every dashboard query', async () => {
    const prefix = redisServer.prefix('prom');
    const fleet = ['--redis', redisServer.url, '--prefix', prefix];
    const worker = startLogged(
      [
        'worker',
        ...fleet,
        ...worldProbeFlags(world),
        '--timeout-ms',
        '1500',
        '--dns-timeout-ms',
        '300',
        '--attempts',
        '2',
        '--retry-base-ms',
        '100',
        '--heartbeat-ms',
        '500',
        '--concurrency',
        '20',
        // The demo world's hosts all sit in one /24: the group limits would make this a test of them.
        ...LIFTED_GROUP_LIMITS,
        '--metrics-port',
        '0',
        '--log-level',
        'info',
      ],
      { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
    );
    const api = startLogged(['api', ...fleet, '--host', '127.0.0.1', '--port', '0', '--log-level', 'info'], {});
    const [workerPort, apiPort] = await Promise.all([worker.port, api.port]);

    const promPort = await freeLoopbackPort();
    const base = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${RULES}']`,
        'scrape_configs:',
        `  - { job_name: mxv-worker, static_configs: [{ targets: ['127.0.0.1:${workerPort}'] }] }`,
        `  - { job_name: mxv-api, static_configs: [{ targets: ['127.0.0.1:${apiPort}'] }] }`,
        '',
      ].join('\n'),
    );
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(prometheus);
    let promLog = '';
    prometheus.stderr?.on('data', (chunk: Buffer) => (promLog += chunk.toString()));

    await waitFor(
      'prometheus ready',
      async () => {
        if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
        return (await fetch(`${base}/-/ready`)).ok ? true : null;
      },
      15_000,
      PROMETHEUS_POLL,
    );
    await waitFor(
      'worker and API targets up',
      async () => {
        const data = await prom<{ activeTargets: Array<{ health: string; labels: Record<string, string> }> }>(
          base,
          '/api/v1/targets',
        );
        return data.activeTargets.length === 2 && data.activeTargets.every((t) => t.health === 'up') ? true : null;
      },
      10_000,
      PROMETHEUS_POLL,
    );

    // A scrape of the idle worker first, so counters are seen going up from their initial zeros.
    const enqueued = await runCli(['enqueue', '--json', ...fleet, ...world.domains]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    // The demo world's "not a domain!" is refused at enqueue.
    const { enqueued: queued } = JSON.parse(enqueued.stdout) as { enqueued: number };
    expect(queued).toBe(world.domains.length - 1);
    await waitFor(
      'every demo domain stored',
      async () => {
        const [sample] = await query(base, 'sum(mxv_jobs_completed_total)');
        return sample && Number(sample.value[1]) === queued ? true : null;
      },
      30_000,
      PROMETHEUS_POLL,
    );
    // Two more scrapes and rule evaluations after the last result.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    expect((await query(base, 'up{job="mxv-worker"}')).map((s) => s.value[1])).toEqual(['1']);
    expect((await query(base, 'up{job="mxv-api"}')).map((s) => s.value[1])).toEqual(['1']);
    // The API reports the fleet-wide gauges too (the heartbeat alert needs no worker to be scraped).
    expect((await query(base, 'mxv_workers_alive{job="mxv-api"}')).map((s) => s.value[1])).toEqual(['1']);
    expect((await query(base, 'count(mxv_queue_jobs{job="mxv-api"})')).map((s) => s.value[1])).toEqual(['5']);

    // Every rule loaded and evaluated without error.
    const rules = await prom<{
      groups: Array<{ rules: Array<{ name: string; query: string; health: string; lastError?: string }> }>;
    }>(base, '/api/v1/rules');
    const loaded = rules.groups.flatMap((group) => group.rules);
    expect(loaded.length).toBeGreaterThanOrEqual(9);
    for (const rule of loaded) {
      expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).toBe('ok');
      await query(base, rule.query);
    }
    // The backlog recording rule has data, and comes to 0 once the queue is empty (it is evaluated every
    // second from the last scrape: on a busy machine its latest sample may predate the last job's end).
    const backlog = await waitFor(
      'the backlog rule to see an empty queue',
      async () => {
        const values = (await query(base, 'mxv:queue_backlog:jobs')).map((s) => Number(s.value[1]));
        return values.length === 1 && values[0] === 0 ? values : null;
      },
      15_000,
      PROMETHEUS_POLL,
    );
    expect(backlog).toEqual([0]);

    // Every dashboard query is valid; the key ones return data.
    const results = new Map<string, PromVector[]>();
    for (const { panel, expr } of dashboardQueries()) results.set(`${panel}: ${expr}`, await query(base, expr));
    const of = (panel: string): PromVector[] => {
      const found = [...results.entries()].find(([key]) => key.startsWith(`${panel}: `));
      if (!found) throw new Error(`no dashboard panel "${panel}"`);
      return found[1];
    };
    const value = (samples: PromVector[]): number => Number(samples[0]?.value[1]);
    expect(value(of('Throughput'))).toBeGreaterThan(0);
    const verdicts = new Map(of('Throughput by verdict').map((s) => [s.metric['verdict'], Number(s.value[1])]));
    for (const verdict of ['ok', 'nxdomain', 'dns_error', 'null_mx', 'bad_banner', 'unreachable']) {
      expect(verdicts.get(verdict), verdict).toBeGreaterThan(0);
    }
    expect(new Set(of('Queue depth').map((s) => s.metric['state']))).toEqual(
      new Set(['waiting', 'prioritized', 'active', 'delayed', 'failed']),
    );
    expect(value(of('Workers alive'))).toBe(1);
    // A worker without --canary is never paused for egress; its PTR lookups are counted by outcome.
    expect(value(of('Worker egress (1 ok, 0 paused: canary unreachable)'))).toBe(1);
    const ptrNone = of('PTR and block-list lookups').find((s) => s.metric['fcrdns'] === 'none');
    expect(Number(ptrNone?.value[1])).toBeGreaterThan(0);
    const p95 = new Map(of('Phase latency p95').map((s) => [s.metric['phase'], Number(s.value[1])]));
    for (const phase of ['dns', 'connect', 'greeting', 'tls_handshake', 'host', 'domain']) {
      expect(Number.isFinite(p95.get(phase)), `p95 ${phase}`).toBe(true);
    }
    expect(value(of('Host cache hit ratio'))).toBeGreaterThanOrEqual(0);
    expect(of('Politeness delays').length).toBeGreaterThan(0);
    const rcodes = new Set(of('DNS answers by rcode').map((s) => s.metric['rcode']));
    for (const rcode of ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'TIMEOUT']) expect(rcodes.has(rcode), rcode).toBe(true);
    // The 421 host of the demo world pushed back, so one address is in back-off; dns_error was retried once.
    expect(value(of('Hosts in back-off'))).toBeGreaterThanOrEqual(1);
    expect(value(await query(base, 'sum(increase(mxv_jobs_retried_total{verdict="dns_error"}[1m]))'))).toBeGreaterThan(0);
    expect(value(of('Worker CPU'))).toBeGreaterThan(0);
    // The demo world's policy domains: every check counted by status, every policy host fetched (ok, 404, TLS, redirect).
    const seen = (samples: PromVector[], label: (s: PromVector) => string): Set<string> =>
      new Set(samples.filter((s) => Number(s.value[1]) > 0).map(label));
    const security = seen(of('Security checks by status'), (s) => `${s.metric['check']} ${s.metric['status']}`);
    for (const pair of ['mta-sts valid', 'mta-sts invalid', 'spf permerror', 'dmarc valid', 'tls-rpt none']) {
      expect(security.has(pair), pair).toBe(true);
    }
    // Counted from 0 for every outcome: only a rate above 0 says a fetch ended so.
    const fetches = seen(of('MTA-STS policy fetches'), (s) => s.metric['outcome'] ?? '');
    for (const outcome of ['ok', 'http_status', 'tls_error', 'redirect']) expect(fetches.has(outcome), outcome).toBe(true);

    // Logs: one JSON object per event, a domain that is down is info, not an error of ours.
    const events = worker
      .logs()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; jobId?: string; domain?: string; verdict?: string });
    const stored = events.filter((event) => event.msg === 'result stored');
    expect(stored).toHaveLength(queued);
    const down = stored.find((event) => event.domain === 'refused.test' || event.verdict === 'unreachable');
    expect(down?.level).toBe(30);
    expect(down?.jobId).toBe(down?.domain);
    expect(events.filter((event) => event.level >= 50)).toEqual([]);

    const exits = [worker.exited, api.exited];
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    prometheus.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
  }, 60_000);
});
