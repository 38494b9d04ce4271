#!/usr/bin/env node
/**
 * Cluster benchmark (issue 13): the same fleet run on two Redis layouts, on
 * this machine, with each process's CPU. Prints figures, asserts nothing.
 *
 *   node bench/cluster.mjs [--domains 20000] [--hosts 2000] [--workers 2] [--concurrency 300]
 *                          [--rate-per-ip 50] [--max-conn-per-ip 4] [--checks none] [--json]
 *   (or bench/cluster, which builds first)
 *
 * Layouts: "1 shard on one Redis" (a private redis-server, the fleet's default
 * layout) and "3 shards on 3 masters" (a private three-master Redis Cluster from
 * testkit's startRedisCluster, `--shards 3`). Each runs `mxv enqueue` over the
 * whole list (enqueue rate, the producer's and each Redis process's CPU), then
 * `--workers` `mxv worker` processes until every domain has a result with a
 * cold host cache, then again with a warm one (`enqueue --force`): end-to-end
 * domains/s, and CPU per domain of the workers and of Redis. The simulated
 * world (bulkWorldSpec, as bench/fleet) runs in this process, started once.
 * No persistence on either layout (append-only costs the same on both).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIFTED_GROUP_LIMITS } from './lib/lifted-group-limits.mjs';
import { followUsage, processUsage } from './lib/process-usage.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { bulkWorldSpec, startWorld, startRedisServer, startRedisCluster, worldProbeFlags } = await import(
  join(root, 'packages/testkit/dist/index.js')
);
const { connectRedis, fleetKeys } = await import(join(root, 'packages/fleet/dist/index.js'));
const CLI = join(root, 'apps/cli/bundle/main.js');

const { values: args } = parseArgs({
  options: {
    domains: { type: 'string', default: '20000' },
    hosts: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '300' },
    'rate-per-ip': { type: 'string', default: '50' },
    'max-conn-per-ip': { type: 'string', default: '4' },
    checks: { type: 'string', default: 'none' },
    json: { type: 'boolean', default: false },
  },
});
const DOMAINS = Number(args.domains);
const WORKERS = Number(args.workers);
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** The fleet's Redis for one layout: its URL, its server processes, a client, and how to stop it. */
async function startLayout(name) {
  if (name === 'single') {
    const started = await startRedisServer();
    if (started.status !== 'ok') throw new Error(started.why);
    const { server } = started;
    return { url: server.url, shards: 1, pids: () => [server.pid], stop: () => server.stop() };
  }
  const started = await startRedisCluster({ masters: 3 });
  if (started.status !== 'ok') throw new Error(started.why);
  const { cluster } = started;
  return { url: cluster.url, shards: 3, pids: () => [0, 1, 2].map((i) => cluster.pid(i)), stop: () => cluster.stop() };
}

function runCli(argv) {
  const child = spawn(process.execPath, [CLI, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const usage = followUsage(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) =>
    child.on('close', async (code) => resolve({ code, stdout, stderr, cpuMs: (await usage.stop()).cpuMs })),
  );
}

const cpuOf = (pids) => pids.map((pid) => processUsage(pid)?.cpuMs ?? NaN);
const minus = (after, before) => after.map((value, i) => value - (before[i] ?? 0));
const sum = (values) => values.reduce((a, b) => a + b, 0);

async function waitForEvents(redis, key, target, label) {
  const started = performance.now();
  let last = started;
  for (;;) {
    const count = await redis.xlen(key);
    if (count >= target) return (performance.now() - started) / 1000;
    if (performance.now() - last > 5000) {
      last = performance.now();
      log(`${label}: ${count}/${target} results`);
    }
    await sleep(100);
  }
}

async function runLayout(name, world, dir, listFile) {
  const layout = await startLayout(name);
  const connected = await connectRedis(layout.url, 5_000);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  const redis = connected.redis;
  const prefix = 'bench';
  const keys = fleetKeys(prefix, layout.shards);
  const fleet = ['--redis', layout.url, '--prefix', prefix];
  for (const host of world.hosts.values()) host.log.clear();
  log(`${name}: enqueue ${DOMAINS} domains into ${layout.shards} shard(s)…`);

  // 1. Enqueue.
  let redisBefore = cpuOf(layout.pids());
  const enqueued = await runCli(['enqueue', '--json', '-f', listFile, ...fleet, '--shards', String(layout.shards)]);
  if (enqueued.code !== 0) throw new Error(`enqueue: ${enqueued.stderr}`);
  const enqueueSummary = JSON.parse(enqueued.stdout);
  const enqueueRedisCpu = minus(cpuOf(layout.pids()), redisBefore);

  // 2. Workers, cold host cache; 3. the same domains again, warm.
  const workerArgs = [
    'worker',
    ...fleet,
    ...worldProbeFlags(world),
    '--checks',
    args.checks,
    '--concurrency',
    args.concurrency,
    '--rate-per-ip',
    args['rate-per-ip'],
    '--max-conn-per-ip',
    args['max-conn-per-ip'],
    ...LIFTED_GROUP_LIMITS,
    '--timeout-ms',
    '4000',
    '--dns-timeout-ms',
    '1000',
    '--log-level',
    'warn',
  ];
  redisBefore = cpuOf(layout.pids());
  const workers = Array.from({ length: WORKERS }, (_, i) => {
    const child = spawn(process.execPath, [CLI, ...workerArgs], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-20_000)));
    child.on('exit', (code) => code !== 0 && code !== null && log(`worker ${i} exited ${code}: ${stderr.slice(-2000)}`));
    return child;
  });
  const coldSeconds = await waitForEvents(redis, keys.events, DOMAINS, `${name} cold`);
  const workersCold = cpuOf(workers.map((w) => w.pid));
  const redisCold = minus(cpuOf(layout.pids()), redisBefore);
  let peakRate = 0;
  let peakConcurrent = 0;
  for (const host of world.hosts.values()) {
    peakRate = Math.max(peakRate, host.log.peakNewPerWindow(1000));
    peakConcurrent = Math.max(peakConcurrent, host.log.peakConcurrent);
  }

  const warmEnqueue = await runCli(['enqueue', '--json', '--force', '-f', listFile, ...fleet]);
  if (warmEnqueue.code !== 0) throw new Error(`enqueue: ${warmEnqueue.stderr}`);
  const redisBeforeWarm = cpuOf(layout.pids());
  const warmSeconds = await waitForEvents(redis, keys.events, 2 * DOMAINS, `${name} warm`);
  const workersWarm = minus(cpuOf(workers.map((w) => w.pid)), workersCold);
  const redisWarm = minus(cpuOf(layout.pids()), redisBeforeWarm);
  const peakRss = workers.map((w) => processUsage(w.pid)?.peakRss ?? NaN);

  for (const w of workers) w.kill('SIGTERM');
  const codes = await Promise.all(
    workers.map((w) => (w.exitCode !== null ? w.exitCode : once(w, 'exit').then(([code]) => code))),
  );
  redis.disconnect();
  await layout.stop();
  return {
    layout: name === 'single' ? '1 shard on one Redis' : '3 shards on 3 masters',
    shards: layout.shards,
    redisProcesses: layout.pids().length,
    enqueue: {
      domains: enqueueSummary.enqueued,
      seconds: enqueueSummary.seconds,
      perSecond: Math.round(enqueueSummary.read / enqueueSummary.seconds),
      producerCpuMs: enqueued.cpuMs,
      redisCpuMs: enqueueRedisCpu,
    },
    cold: {
      seconds: coldSeconds,
      perSecond: Math.round(DOMAINS / coldSeconds),
      workerCpuMsPerDomain: sum(workersCold) / DOMAINS,
      redisCpuMsPerDomain: redisCold.map((ms) => ms / DOMAINS),
    },
    warm: {
      seconds: warmSeconds,
      perSecond: Math.round(DOMAINS / warmSeconds),
      workerCpuMsPerDomain: sum(workersWarm) / DOMAINS,
      redisCpuMsPerDomain: redisWarm.map((ms) => ms / DOMAINS),
      redisCpuShare: sum(redisWarm) / (warmSeconds * 1000),
      busiestRedisCpuShare: Math.max(...redisWarm) / (warmSeconds * 1000),
    },
    peakRate,
    peakConcurrent,
    peakRssMiB: peakRss.map((bytes) => Math.round(bytes / 1048576)),
    workerExitCodes: codes,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mxv-bench-cluster-'));
  log(`starting world: ${DOMAINS} domains over ${args.hosts} host addresses…`);
  const spec = bulkWorldSpec({
    domains: DOMAINS,
    hosts: Number(args.hosts),
    bigProviderHosts: 4,
    bigProviderShare: 1 / 3,
    slowShare: 0.05,
    slowDelayMs: 1500,
    unreachableShare: 0.05,
  });
  const world = await startWorld(spec);
  const listFile = join(dir, 'domains.txt');
  writeFileSync(listFile, `${world.domains.join('\n')}\n`);
  writeFileSync(join(dir, 'ca.pem'), world.caCertPem);
  const runs = [];
  for (const name of ['single', 'cluster']) runs.push(await runLayout(name, world, dir, listFile));
  await world.stop();
  rmSync(dir, { recursive: true, force: true });

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ domains: DOMAINS, workers: WORKERS, checks: args.checks, runs })}\n`);
    return;
  }
  const ms = (values) => values.map((v) => v.toFixed(3)).join(' + ');
  const [single, cluster] = runs;
  const lines = [
    [
      'setup',
      `${DOMAINS} domains, ${args.hosts} host addresses, ${WORKERS} workers × concurrency ${args.concurrency}, --checks ${args.checks}`,
    ],
    [
      'machine',
      `${cpus().length} CPUs shared by the world, Redis, the producer and the workers (and other work: figures are noisy)`,
    ],
    ...runs.flatMap((r) => [
      [
        `${r.layout}: enqueue`,
        `${r.enqueue.perSecond} domains/s (${r.enqueue.seconds} s, process start included); producer CPU ${r.enqueue.producerCpuMs} ms, Redis CPU ${r.enqueue.redisCpuMs.join(' + ')} ms`,
      ],
      [
        `${r.layout}: cold`,
        `${r.cold.perSecond} domains/s (${r.cold.seconds.toFixed(1)} s); CPU per domain: workers ${r.cold.workerCpuMsPerDomain.toFixed(2)} ms, Redis ${ms(r.cold.redisCpuMsPerDomain)} ms`,
      ],
      [
        `${r.layout}: warm`,
        `${r.warm.perSecond} domains/s (${r.warm.seconds.toFixed(1)} s); CPU per domain: workers ${r.warm.workerCpuMsPerDomain.toFixed(2)} ms, Redis ${ms(r.warm.redisCpuMsPerDomain)} ms; busiest Redis process ${(100 * r.warm.busiestRedisCpuShare).toFixed(0)}% of one CPU`,
      ],
      [
        `${r.layout}: politeness, RSS, exits`,
        `peak ${r.peakRate} new conn/s and ${r.peakConcurrent} at once per address; worker peak RSS ${r.peakRssMiB.join(', ')} MiB; exit ${r.workerExitCodes.join(', ')}`,
      ],
    ]),
    [
      'ratio 3 masters / 1 Redis',
      `enqueue ${(cluster.enqueue.perSecond / single.enqueue.perSecond).toFixed(2)}×, cold ${(cluster.cold.perSecond / single.cold.perSecond).toFixed(2)}×, warm ${(cluster.warm.perSecond / single.warm.perSecond).toFixed(2)}× (same run, same machine)`,
    ],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  process.stdout.write(`mxv cluster benchmark\n${lines.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}

await main();
process.exit(0);
