#!/usr/bin/env node
/**
 * Fleet faults (issue 6): real `mxv worker` processes, a real redis-server with
 * append-only persistence, the simulated world; four faults, one after the
 * other, each on its own key prefix. Prints figures (domains, results, lost,
 * duplicates, wrong verdicts, recovery time); with --json one JSON object on
 * stdout, which apps/cli/test/fleet-faults.test.ts asserts on. Exit status 0
 * unless the run itself broke (a fault that loses results is a figure, not a crash).
 *
 *   node bench/faults.mjs [--domains 10000] [--silence-ms 60000] [--json] [--phase restart ...]
 *
 * Run from the repository root after a build (`./mxv --version` or `npx tsc -b`).
 *
 * 1. kill -9 one of three workers mid-run: every domain still gets exactly one stored result.
 * 2. restart Redis (SIGTERM, start again on the same port and AOF) mid-run: the workers
 *    reconnect by themselves and every domain gets its result.
 * 3. SIGTERM a worker mid-run: it drains within --drain-timeout-ms and exits 0; nothing lost.
 * 4. the world goes silent (every SMTP host and every DNS answer) for --silence-ms: jobs retry
 *    per policy; once it speaks again every domain ends with the verdict the world expects.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIFTED_GROUP_LIMITS } from './lib/lifted-group-limits.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { bulkWorldSpec, startWorld, freeLoopbackPort, startRedisServer, worldProbeFlags } = await import(
  join(root, 'packages/testkit/dist/index.js')
);
const { connectRedis, fleetKeys, ResultStore } = await import(join(root, 'packages/fleet/dist/index.js'));
const CLI = join(root, 'apps/cli/bundle/main.js');

const { values: args } = parseArgs({
  options: {
    domains: { type: 'string', default: '10000' },
    'silence-ms': { type: 'string', default: '60000' },
    concurrency: { type: 'string', default: '200' },
    // Generous per-host and DNS timeouts: under a 10,000-domain load on two CPUs a tight budget
    // turns slow answers into timeouts, which is load, not the fault under test.
    'timeout-ms': { type: 'string', default: '5000' },
    'dns-timeout-ms': { type: 'string', default: '1500' },
    json: { type: 'boolean', default: false },
    // Run only these phases (repeatable): kill, restart, sigterm, silence. Default: all four.
    phase: { type: 'string', multiple: true, default: ['kill', 'restart', 'sigterm', 'silence'] },
  },
});
const PHASES = new Set(args.phase);
const DOMAINS = Number(args.domains);
const SILENCE_MS = Number(args['silence-ms']);
const DRAIN_MS = 5000;
const PHASE_TIMEOUT_MS = Math.max(60_000, DOMAINS * 30);
const log = (text) => process.stderr.write(`faults: ${text}\n`);

/** redis-server with append-only persistence in `dir`; start() again after stop() reloads the AOF. */
function redisServer(port, dir) {
  let server = null;
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = await startRedisServer({ port, dir, appendOnly: true, readyTimeoutMs: 30_000 });
      if (started.status !== 'ok') throw new Error(started.why);
      server = started.server;
      const connected = await connectRedis(server.url, 2_000);
      if (connected.status !== 'ok') throw new Error(connected.reason);
      return connected.redis;
    },
    async stop(signal = 'SIGTERM') {
      await server?.stop(signal);
    },
  };
}

function cli(argv, env = {}) {
  const child = spawn(process.execPath, [CLI, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mxv-faults-'));
  const spec = bulkWorldSpec({
    domains: DOMAINS,
    hosts: Math.max(20, Math.round(DOMAINS / 10)),
    slowShare: 0.05,
    slowDelayMs: 800,
    unreachableShare: 0.05,
    tls: false,
  });
  const world = await startWorld(spec);
  const redis = redisServer(await freeLoopbackPort(), dir);
  let client = await redis.start();
  const listFile = join(dir, 'domains.txt');
  writeFileSync(listFile, `${world.domains.join('\n')}\n`);
  const figures = { domains: DOMAINS, phases: {} };

  function startWorker(prefix, extra = []) {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'worker',
        '--redis',
        redis.url,
        '--prefix',
        prefix,
        ...worldProbeFlags(world),
        '--concurrency',
        args.concurrency,
        '--rate-per-ip',
        '200',
        '--max-conn-per-ip',
        '20',
        ...LIFTED_GROUP_LIMITS,
        '--timeout-ms',
        args['timeout-ms'],
        '--connect-timeout-ms',
        '1000',
        '--dns-timeout-ms',
        args['dns-timeout-ms'],
        '--lock-ms',
        '2000',
        '--stalled-interval-ms',
        '1000',
        '--heartbeat-ms',
        '500',
        '--drain-timeout-ms',
        String(DRAIN_MS),
        '--log-level',
        'error',
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
    const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
    return { child, exited, stderr: () => stderr };
  }

  async function enqueue(prefix) {
    const run = await cli(['enqueue', '--json', '-f', listFile, '--redis', redis.url, '--prefix', prefix]);
    if (run.code !== 0) throw new Error(`enqueue: ${run.stderr}`);
  }

  async function stored(prefix) {
    const found = await new ResultStore(client, fleetKeys(prefix)).getMany(world.domains);
    return found.filter((f) => f.status === 'found');
  }

  async function storedCount(prefix) {
    return (await stored(prefix)).length;
  }

  async function waitStored(prefix, target, timeoutMs = PHASE_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    let count = 0;
    while (Date.now() < deadline) {
      try {
        count = await storedCount(prefix);
      } catch {
        // Redis restarting: ask again.
      }
      if (count >= target) return count;
      await sleep(100);
    }
    return count;
  }

  async function summary(prefix) {
    const results = await stored(prefix);
    const writes = await client.xlen(fleetKeys(prefix).events);
    let wrong = 0;
    const wrongKinds = {};
    for (const entry of results) {
      const expected = world.expectations.get(entry.result.domain)?.verdict;
      if (expected !== undefined && entry.result.verdict !== expected) {
        wrong++;
        const kind = `${expected}->${entry.result.verdict}:${entry.result.hosts.map((h) => h.error).join('/') || entry.result.mx.dns}`;
        wrongKinds[kind] = (wrongKinds[kind] ?? 0) + 1;
      }
    }
    // The events stream gets one entry per result written: writes beyond one per domain are re-runs.
    return {
      results: results.length,
      lost: DOMAINS - results.length,
      duplicates: Math.max(0, writes - results.length),
      wrongVerdicts: wrong,
      ...(wrong > 0 ? { wrongKinds } : {}),
    };
  }

  async function stopAll(workers) {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    return Promise.all(workers.map((w) => w.exited));
  }

  // 1. kill -9 one of three workers in the middle.
  if (PHASES.has('kill')) {
    const prefix = 'kill';
    const workers = [startWorker(prefix), startWorker(prefix), startWorker(prefix)];
    await enqueue(prefix);
    await waitStored(prefix, Math.floor(DOMAINS / 3));
    workers[0].child.kill('SIGKILL');
    const killedAt = Date.now();
    const count = await waitStored(prefix, DOMAINS);
    const done = Date.now();
    await stopAll(workers.slice(1));
    figures.phases.killWorker = {
      ...(await summary(prefix)),
      recoverySeconds: (done - killedAt) / 1000,
      finished: count === DOMAINS,
    };
    log(`kill -9: ${JSON.stringify(figures.phases.killWorker)}`);
  }

  // 2. Restart Redis in the middle.
  if (PHASES.has('restart')) {
    const prefix = 'restart';
    const workers = [startWorker(prefix), startWorker(prefix), startWorker(prefix)];
    await enqueue(prefix);
    // Early, so that work is left for after the restart even on a small run.
    await waitStored(prefix, Math.floor(DOMAINS / 10));
    client.disconnect();
    await redis.stop('SIGTERM');
    await sleep(1000);
    client = await redis.start();
    const backAt = Date.now();
    const before = await storedCount(prefix);
    let firstNewAt = null;
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    let count = before;
    while (Date.now() < deadline && count < DOMAINS) {
      count = await storedCount(prefix);
      if (firstNewAt === null && count > before) firstNewAt = Date.now();
      await sleep(100);
    }
    const done = Date.now();
    const exits = await stopAll(workers);
    figures.phases.restartRedis = {
      ...(await summary(prefix)),
      storedBeforeRestart: before,
      reconnectSeconds: firstNewAt === null ? null : (firstNewAt - backAt) / 1000,
      recoverySeconds: (done - backAt) / 1000,
      workersExit: exits.map((e) => e.code),
      finished: count === DOMAINS,
    };
    log(`restart redis: ${JSON.stringify(figures.phases.restartRedis)}`);
  }

  // 3. SIGTERM a worker: drain within its bound, exit 0; a second worker finishes the rest.
  if (PHASES.has('sigterm')) {
    const prefix = 'term';
    const worker = startWorker(prefix);
    await enqueue(prefix);
    await waitStored(prefix, Math.floor(DOMAINS / 4));
    const termAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    const drainSeconds = (Date.now() - termAt) / 1000;
    const rescuer = startWorker(prefix);
    const count = await waitStored(prefix, DOMAINS);
    await stopAll([rescuer]);
    figures.phases.sigterm = {
      ...(await summary(prefix)),
      exitCode: exit.code,
      drainSeconds,
      drainBoundSeconds: DRAIN_MS / 1000,
      finished: count === DOMAINS,
    };
    log(`sigterm: ${JSON.stringify(figures.phases.sigterm)}`);
  }

  // 4. The world goes silent for a while, then speaks again.
  if (PHASES.has('silence')) {
    const prefix = 'silence';
    // Re-runs of a transient result (DNS timeout, greeting timeout) must outlast the silence and
    // the 10 s a transient host probe stays cached: base, 2×, 4×, … over `attempts` runs.
    const retryBase = Math.max(1000, Math.ceil(SILENCE_MS / 8));
    const attempts = 6;
    const behaviours = new Map([...world.hosts].map(([ip, h]) => [ip, h.behaviour()]));
    const silence = () => {
      for (const h of world.hosts.values()) h.setBehaviour('silent');
      for (const name of world.domains) world.dnsServer.setBehaviour(name, { fail: 'timeout' });
    };
    const speak = () => {
      for (const [ip, h] of world.hosts) h.setBehaviour(behaviours.get(ip));
      for (const name of world.domains) world.dnsServer.setBehaviour(name, null);
    };
    const extra = ['--attempts', String(attempts), '--retry-base-ms', String(retryBase)];
    const workers = [startWorker(prefix, extra), startWorker(prefix, extra), startWorker(prefix, extra)];
    await enqueue(prefix);
    await waitStored(prefix, Math.floor(DOMAINS / 5));
    silence();
    const silentAt = Date.now();
    const duringBefore = await storedCount(prefix);
    await sleep(SILENCE_MS);
    const storedDuringSilence = (await storedCount(prefix)) - duringBefore;
    speak();
    const spokeAt = Date.now();
    const count = await waitStored(prefix, DOMAINS);
    const done = Date.now();
    await stopAll(workers);
    figures.phases.silence = {
      ...(await summary(prefix)),
      silenceSeconds: (spokeAt - silentAt) / 1000,
      storedDuringSilence,
      recoverySeconds: (done - spokeAt) / 1000,
      attempts,
      retryBaseMs: retryBase,
      finished: count === DOMAINS,
    };
    log(`silence: ${JSON.stringify(figures.phases.silence)}`);
  }

  client.disconnect();
  await redis.stop();
  await world.stop();
  rmSync(dir, { recursive: true, force: true });

  if (args.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    console.log(`fleet faults over ${DOMAINS} domains`);
    console.log('phase          results  lost  dupes  wrong  recovery');
    for (const [name, p] of Object.entries(figures.phases)) {
      console.log(
        `${name.padEnd(14)} ${String(p.results).padStart(7)} ${String(p.lost).padStart(5)} ${String(p.duplicates).padStart(6)} ${String(p.wrongVerdicts).padStart(6)}  ${p.recoverySeconds ?? p.drainSeconds}s`,
      );
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
