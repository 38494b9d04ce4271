#!/usr/bin/env node
/**
 * Fleet benchmark (issue 3): prints figures, asserts nothing.
 *
 * Run from the repository root, after a build (`./mxv --version` or `npx tsc -b` builds):
 *
 *   node bench/fleet.mjs [--domains 20000] [--hosts 2000] [--workers 2] [--concurrency 300]
 *                        [--rate-per-ip 50] [--max-conn-per-ip 4] [--group-limit 10000] [--checks all --checks none]
 *                        [--cli apps/cli/bundle/main.js]
 *   (or bench/fleet, which builds first)
 *
 * Plain JavaScript over the built packages (packages/{fleet,testkit}/dist and
 * apps/cli/dist), so it needs no TypeScript loader. It starts a private
 * redis-server on a free loopback port (no persistence), the simulated mail
 * world in this process (bulkWorldSpec: a third of the domains on a 4-address
 * big provider, some hosts slow, some refusing; SPF, DMARC and TLS-RPT records
 * for every domain, MTA-STS for one big-provider domain in ten, its policy
 * fetched once per (domain, policy id)), enqueues with `mxv enqueue`,
 * and runs `mxv worker` processes until every domain has a result; then once
 * more with a warm host cache, both with the first `--checks` value (default
 * all). With several values (default: all, then none), the same domains run
 * once more per value on the still-warm host cache, each time with fresh
 * workers started with it, so the throughputs are printed side by side with
 * their ratio under the same conditions. The world's TLDs are DNSSEC-signed, so the DNSSEC and DANE checks do
 * their real work.
 *
 * A run is over when the queue holds no job (waiting, active, delayed): every
 * domain has its result, transient ones after their retries.
 *
 * Last, the yardstick (issue 13): the same domains enqueued the same way
 * (`mxv enqueue`) under another prefix of the same Redis, drained by as many
 * processes of a BullMQ Worker that does nothing (bench/lib/noop-drain-worker.mjs),
 * timed like the cold run (from the processes' spawn to the last job): the
 * fleet's domains/s are printed as a ratio of its jobs/s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('..', import.meta.url));
const { bulkWorldSpec, startWorld, startRedisServer, worldProbeFlags } = await import(
  join(root, 'packages/testkit/dist/index.js')
);
const { connectRedis, fleetKeys, createVerifyQueue } = await import(join(root, 'packages/fleet/dist/index.js'));

const { values: args } = parseArgs({
  options: {
    domains: { type: 'string', default: '20000' },
    hosts: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '300' },
    'rate-per-ip': { type: 'string', default: '50' },
    'max-conn-per-ip': { type: 'string', default: '4' },
    // Provider and /24 group limits (politeness groups): high by default, so the bench measures the
    // per-address limits as before (every simulated host shares a few /24s and two providers).
    'group-limit': { type: 'string', default: '10000' },
    checks: { type: 'string', multiple: true, default: ['all', 'none'] },
    // Node flags for the worker processes only, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
    'worker-node-options': { type: 'string', default: '' },
    // Skip the no-op drain (profiling runs).
    'no-noop': { type: 'boolean', default: false },
    // The CLI the producer and workers run: the bundle, as ./mxv and the image run it (e.g. apps/cli/dist/main.js to compare).
    cli: { type: 'string', default: join(root, 'apps/cli/bundle/main.js') },
  },
});
const CLI = resolve(args.cli);
const DOMAINS = Number(args.domains);
const HOSTS = Number(args.hosts);
const WORKERS = Number(args.workers);
const RATE = Number(args['rate-per-ip']);
const MAX_CONN = Number(args['max-conn-per-ip']);

const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** The block list the workers are given (--dnsbl): under the world's `test` zone, so every address is NXDOMAIN. */
const BENCH_DNSBL = 'bl.bench.test';

/**
 * PTR and block-list questions of the cold run, from the world resolver's query
 * log: a host address is looked up once for all its domains (host cache), so
 * questions / distinct addresses should be 1 each.
 */
function reputationQuestions(dns) {
  const ptrNames = new Set();
  const dnsblNames = new Set();
  let ptr = 0;
  let dnsbl = 0;
  for (const entry of dns.queryLog) {
    if (entry.type === 'PTR') {
      ptr += 1;
      ptrNames.add(entry.name.toLowerCase());
    } else if (entry.type === 'A' && entry.name.toLowerCase().endsWith(`.${BENCH_DNSBL}`)) {
      dnsbl += 1;
      dnsblNames.add(entry.name.toLowerCase());
    }
  }
  return { ptr, dnsbl, ptrNames: ptrNames.size, dnsblNames: dnsblNames.size, complete: dns.queryCount() === dns.queryLog.length };
}

async function startRedis() {
  const started = await startRedisServer();
  if (started.status !== 'ok') throw new Error(started.why);
  const connected = await connectRedis(started.server.url, 2_000);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  return { server: started.server, url: started.server.url, redis: connected.redis };
}

const NOOP_WORKER = join(root, 'bench/lib/noop-drain-worker.mjs');

function run(argv, env = {}) {
  const child = spawn(process.execPath, [CLI, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** utime + stime (ms) and peak RSS (VmHWM, bytes) of a live process, from /proc. */
function processUsage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMs: ticks * 10, peakRss: hwm ? Number(hwm[1]) * 1024 : NaN };
}

/**
 * Seconds until the queue holds no job (waiting, active, delayed or
 * prioritized): every domain enqueued before the call has its result. The
 * events stream is no count of results (a result that changed adds a `changed`
 * entry, and the stream is capped).
 */
async function waitForDrain(queue, label) {
  const started = performance.now();
  let last = performance.now();
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children');
    const left = Object.values(counts).reduce((a, b) => a + b, 0);
    if (left === 0) return (performance.now() - started) / 1000;
    if (performance.now() - last > 5000) {
      last = performance.now();
      log(`${label}: ${left} jobs left`);
    }
    await sleep(50);
  }
}

/**
 * Enqueues the list with `mxv enqueue` under the prefix `noop`, then times
 * WORKERS no-op worker processes from their spawn until the queue is empty.
 */
async function noopDrain(url, listFile, total, cpuSince) {
  const prefix = 'noop';
  const keys = fleetKeys(prefix);
  const enqueued = await run(['enqueue', '--json', '-f', listFile, '--redis', url, '--prefix', prefix]);
  if (enqueued.code !== 0) throw new Error(`enqueue (no-op) failed: ${enqueued.stderr}`);
  const connected = await connectRedis(url, 2_000);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  const queue = createVerifyQueue(connected.redis, keys);
  const started = performance.now();
  cpuSince();
  const children = Array.from({ length: WORKERS }, () => {
    const child = spawn(process.execPath, [NOOP_WORKER, url, prefix, args.concurrency], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    return { child, output: () => stdout };
  });
  await waitForDrain(queue, 'no-op drain');
  const seconds = (performance.now() - started) / 1000;
  const redisMs = cpuSince().redisMs;
  // VmHWM: the peak over the process' life, read before it exits.
  const usage = children.map(({ child }) => processUsage(child.pid));
  const peakRss = usage.map((u) => u.peakRss);
  const workerMs = usage.reduce((a, u) => a + u.cpuMs, 0);
  for (const { child } of children) child.kill('SIGTERM');
  await Promise.all(children.map(({ child }) => once(child, 'exit')));
  const reports = children.map(({ output }) => JSON.parse(output()));
  const completed = reports.reduce((a, r) => a + r.completed, 0);
  const first = Math.min(...reports.map((r) => r.firstMs));
  const last = Math.max(...reports.map((r) => r.lastMs));
  await queue.close();
  connected.redis.disconnect();
  if (completed !== total) log(`no-op drain: ${completed} completions for ${total} jobs`);
  return { seconds, steadyRate: (completed - 1) / Math.max(0.001, (last - first) / 1000), peakRss, workerMs, redisMs };
}

/** CPU (ms) of this process (the simulated world, the producer's wait loop) and of the Redis server, since the last call. */
function otherCpu(redisPid) {
  let last = { world: process.cpuUsage(), redis: processUsage(redisPid).cpuMs };
  return () => {
    const world = process.cpuUsage(last.world);
    const redis = processUsage(redisPid).cpuMs;
    const spent = { worldMs: (world.user + world.system) / 1000, redisMs: redis - last.redis };
    last = { world: process.cpuUsage(), redis };
    return spent;
  };
}

const memoryUsed = async (redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mxv-bench-fleet-'));
  log(`starting world: ${DOMAINS} domains over ${HOSTS} host addresses…`);
  const spec = bulkWorldSpec({
    domains: DOMAINS,
    hosts: HOSTS,
    bigProviderHosts: 4,
    bigProviderShare: 1 / 3,
    slowShare: 0.05,
    slowDelayMs: 1500,
    unreachableShare: 0.05,
    // SPF, DMARC and TLS-RPT for every domain, MTA-STS for one big-provider domain in ten: the security checks do their work.
    policies: true,
  });
  // Signed TLDs, as nearly all real ones are: the DNSSEC and DANE checks see AD answers and ask for TLSA.
  const world = await startWorld({ ...spec, dnssec: { test: { state: 'secure' }, example: { state: 'secure' } } });
  const { server: redisServer, url, redis } = await startRedis();
  const prefix = 'bench';
  const keys = fleetKeys(prefix);
  const listFile = join(dir, 'domains.txt');
  writeFileSync(listFile, `${world.domains.join('\n')}\n`);
  writeFileSync(join(dir, 'ca.pem'), world.caCertPem);
  const fleet = ['--redis', url, '--prefix', prefix];
  const queue = createVerifyQueue(redis, keys);

  // 1. Enqueue, and what a queued domain costs in Redis.
  const before = await memoryUsed(redis);
  const enqueued = await run(['enqueue', '--json', '-f', listFile, ...fleet]);
  if (enqueued.code !== 0) throw new Error(`enqueue failed: ${enqueued.stderr}`);
  const summary = JSON.parse(enqueued.stdout);
  const after = await memoryUsed(redis);
  const sampleJob = Number(await redis.memory('USAGE', keys.job(world.domains[0])));

  // 2. Workers, cold host cache.
  const workerArgs = [
    'worker',
    ...fleet,
    ...worldProbeFlags(world),
    '--concurrency',
    args.concurrency,
    '--rate-per-ip',
    String(RATE),
    '--max-conn-per-ip',
    String(MAX_CONN),
    ...['--rate-per-provider', '--max-conn-per-provider', '--rate-per-network', '--max-conn-per-network'].flatMap((flag) => [
      flag,
      args['group-limit'],
    ]),
    '--timeout-ms',
    '4000',
    '--dns-timeout-ms',
    '1000',
    '--log-level',
    'warn',
    // A block list to look every mail host address up in (the world's resolver answers NXDOMAIN: not listed).
    '--dnsbl',
    BENCH_DNSBL,
  ];
  const startWorkers = (checks) =>
    Array.from({ length: WORKERS }, (_, i) => {
      const nodeFlags = args['worker-node-options'].split(' ').filter(Boolean);
      const child = spawn(process.execPath, [...nodeFlags, CLI, ...workerArgs, '--checks', checks], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-20_000)));
      child.on('exit', (code) => code !== 0 && code !== null && log(`worker ${i} exited ${code}: ${stderr.slice(-2000)}`));
      return child;
    });
  const stopWorkers = (children) => {
    for (const w of children) w.kill('SIGTERM');
    return Promise.all(children.map((w) => (w.exitCode !== null ? w.exitCode : once(w, 'exit').then(([code]) => code))));
  };
  const [firstChecks = 'all', ...otherChecks] = args.checks;
  world.dnsServer.clearLog();
  // DNS questions the world's resolver answered during each run (every question, past the log's bound too).
  let questionsBefore = world.dnsServer.queryCount();
  const questionsSince = () => {
    const now = world.dnsServer.queryCount();
    const asked = now - questionsBefore;
    questionsBefore = now;
    return asked;
  };
  const cpuSince = otherCpu(redisServer.pid);
  let workers = startWorkers(firstChecks);
  log(`workers started (--checks ${firstChecks}); cold run…`);
  const coldSeconds = await waitForDrain(queue, 'cold');
  const coldOther = cpuSince();
  const coldQuestions = questionsSince();
  const reputation = reputationQuestions(world.dnsServer);
  const coldUsage = workers.map((w) => processUsage(w.pid));

  let connections = 0;
  let peakRate = 0;
  let peakConcurrent = 0;
  let peakRateAddress = '';
  for (const [ip, host] of world.hosts) {
    connections += host.log.total;
    const rate = host.log.peakNewPerWindow(1000);
    if (rate > peakRate) [peakRate, peakRateAddress] = [rate, ip];
    peakConcurrent = Math.max(peakConcurrent, host.log.peakConcurrent);
  }
  const referenced = new Set();
  for (const name of world.domains)
    for (const record of spec.records[name] ?? []) if (record.type === 'MX') referenced.add(record.exchange);
  const distinctLive = [...referenced].filter((exchange) => world.hostsById.get(exchange)?.handle).length;
  const probes = Number(await redis.get(keys.statHostMisses));
  const policyRequests = () => [...world.policyServers.values()].reduce((sum, server) => sum + server.requests.length, 0);
  const stsPairs = world.domains.filter((d) => (spec.records[`_mta-sts.${d}`] ?? []).length > 0).length;
  const coldFetches = policyRequests();

  // 3. Warm host cache: the same domains again (--force; the host probes are still cached).
  for (const host of world.hosts.values()) host.log.clear();
  const warmEnqueue = await run(['enqueue', '--json', '--force', '-f', listFile, ...fleet]);
  if (warmEnqueue.code !== 0) throw new Error(`enqueue failed: ${warmEnqueue.stderr}`);
  cpuSince();
  const warmSeconds = await waitForDrain(queue, 'warm');
  const warmOther = cpuSince();
  const warmQuestions = questionsSince();
  let warmConnections = 0;
  for (const host of world.hosts.values()) warmConnections += host.log.total;
  const warmUsage = workers.map((w) => processUsage(w.pid));
  const warmFetches = policyRequests() - coldFetches;

  // 4. The same warm run under each --checks value, each with fresh workers (so CPU is theirs alone, start-up included alike).
  let codes = await stopWorkers(workers);
  const comparisons = [];
  for (const checks of otherChecks.length > 0 ? args.checks : []) {
    workers = startWorkers(checks);
    const again = await run(['enqueue', '--json', '--force', '-f', listFile, ...fleet]);
    if (again.code !== 0) throw new Error(`enqueue failed: ${again.stderr}`);
    questionsSince();
    cpuSince();
    const seconds = await waitForDrain(queue, `warm, --checks ${checks}`);
    const other = cpuSince();
    const questions = questionsSince();
    const usage = workers.map((w) => processUsage(w.pid));
    const cpu = usage.reduce((a, u) => a + u.cpuMs, 0);
    comparisons.push({ checks, seconds, cpu, other, questions, peakRss: usage.map((u) => u.peakRss) });
    codes = await stopWorkers(workers);
  }
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  await queue.close();

  // 5. The no-op drain: what BullMQ alone moves here, with the fleet's workers stopped.
  const noop = args['no-noop'] ? null : await noopDrain(url, listFile, DOMAINS, cpuSince);
  const warmRate = DOMAINS / warmSeconds;
  const coldRate = DOMAINS / coldSeconds;
  const noopRate = noop === null ? null : DOMAINS / noop.seconds;

  // The other two CPU users of the machine, so a figure says whose CPU bounds a run.
  const perDomain = ({ worldMs, redisMs }) =>
    `world (this process) ${(worldMs / DOMAINS).toFixed(2)} ms, Redis ${(redisMs / DOMAINS).toFixed(2)} ms`;
  const cpuCold = coldUsage.reduce((a, u) => a + u.cpuMs, 0);
  const cpuWarm = warmUsage.reduce((a, u) => a + u.cpuMs, 0) - cpuCold;
  const figures = [
    [
      'setup',
      `${DOMAINS} domains, ${HOSTS} host addresses (4 big-provider addresses with ~1/3 of the domains, ~5% slow 1.5 s greeting, ~5% refusing), ${WORKERS} worker processes × concurrency ${args.concurrency}`,
    ],
    [
      'politeness used',
      `--rate-per-ip ${RATE} --max-conn-per-ip ${MAX_CONN} (bench setting so the run takes minutes, not the production default 1/s, 2); provider and network group limits ${args['group-limit']} (--group-limit)`,
    ],
    ['machine', `${(await import('node:os')).cpus().length} CPUs (world, Redis, producer and workers share them)`],
    ['CLI', CLI.slice(root.length)],
    [
      'worker heap settings',
      // Passed to the workers through their environment (README "Fleet decisions", worker memory).
      `--young-generation-mib ${process.env['MXV_YOUNG_GENERATION_MIB'] ?? '(default)'} --heap-growth-percent ${process.env['MXV_HEAP_GROWTH_PERCENT'] ?? '(default)'}${args['worker-node-options'] ? `; node ${args['worker-node-options']}` : ''}`,
    ],
    [
      'enqueue',
      `${summary.enqueued} enqueued in ${summary.seconds} s = ${Math.round(summary.read / summary.seconds)} domains/s (mxv enqueue, from connected to done)`,
    ],
    [
      'redis bytes per queued job',
      `${Math.round((after - before) / summary.enqueued)} B (used_memory delta / jobs); MEMORY USAGE of one job hash ${sampleJob} B`,
    ],
    ['checks (cold and warm runs)', `--checks ${firstChecks}`],
    ['cold run wall time', `${coldSeconds.toFixed(1)} s = ${Math.round(DOMAINS / coldSeconds)} domains/s`],
    ['worker CPU per domain (cold)', `${(cpuCold / DOMAINS).toFixed(2)} ms; ${perDomain(coldOther)}`],
    [
      'host probes vs distinct hosts',
      `${probes} probes (Redis counter), ${connections} connections seen by the simulated servers, ${referenced.size} distinct mail hosts (${distinctLive} listening)`,
    ],
    [
      'PTR / block-list questions per address (cold)',
      `${reputation.ptr} PTR and ${reputation.dnsbl} ${BENCH_DNSBL} questions for ${reputation.ptrNames} / ${reputation.dnsblNames} distinct addresses = ${(reputation.ptr / Math.max(1, reputation.ptrNames)).toFixed(2)} / ${(reputation.dnsbl / Math.max(1, reputation.dnsblNames)).toFixed(2)} per address (1 each expected, not per domain)${reputation.complete ? '' : '; query log truncated: lower bounds'}`,
    ],
    ['highest per-address new connections/s', `${peakRate} (address ${peakRateAddress}; limit ${RATE})`],
    ['highest per-address concurrency', `${peakConcurrent} (limit ${MAX_CONN})`],
    [
      'warm run wall time',
      `${warmSeconds.toFixed(1)} s = ${Math.round(DOMAINS / warmSeconds)} domains/s; ${warmConnections} new connections`,
    ],
    ['worker CPU per domain (warm)', `${(cpuWarm / DOMAINS).toFixed(2)} ms; ${perDomain(warmOther)}`],
    [
      'DNS questions per domain',
      `${(coldQuestions / DOMAINS).toFixed(2)} cold, ${(warmQuestions / DOMAINS).toFixed(2)} warm (--checks ${firstChecks}; answered by the world's resolver)${comparisons.map(({ checks, questions }) => `; ${(questions / DOMAINS).toFixed(2)} fresh workers --checks ${checks}`).join('')}`,
    ],
    ...comparisons.flatMap(({ checks, seconds, cpu, other }) => [
      [
        `fresh workers, warm, --checks ${checks}`,
        `${seconds.toFixed(1)} s = ${Math.round(DOMAINS / seconds)} domains/s = ${(comparisons[0].seconds / seconds).toFixed(2)}× the throughput of --checks ${comparisons[0].checks}`,
      ],
      [`worker CPU per domain (--checks ${checks})`, `${(cpu / DOMAINS).toFixed(2)} ms (start-up included); ${perDomain(other)}`],
    ]),
    [
      'MTA-STS policy fetches',
      `${coldFetches} cold, ${warmFetches} warm; ${stsPairs} distinct (domain, policy id) pairs in the world`,
    ],
    ...(noop === null
      ? [['no-op BullMQ drain', 'not run (--no-noop)']]
      : [
          [
            'no-op BullMQ drain',
            `${noop.seconds.toFixed(1)} s = ${Math.round(noopRate)} jobs/s (${WORKERS} processes × concurrency ${args.concurrency}, from spawn; ${Math.round(noop.steadyRate)} jobs/s first to last completion)`,
          ],
          [
            'no-op CPU per job',
            `workers ${(noop.workerMs / DOMAINS).toFixed(2)} ms (start-up included), Redis ${(noop.redisMs / DOMAINS).toFixed(2)} ms`,
          ],
          [
            'ratio to the no-op drain',
            `warm ${(warmRate / noopRate).toFixed(2)}×, cold ${(coldRate / noopRate).toFixed(2)}×${comparisons
              .map(({ checks, seconds }) => `, fresh warm --checks ${checks} ${(DOMAINS / seconds / noopRate).toFixed(2)}×`)
              .join('')}`,
          ],
        ]),
    ['peak RSS per worker (cold + warm run)', warmUsage.map((u) => `${Math.round(u.peakRss / 1048576)} MiB`).join(', ')],
    ...comparisons.map(({ checks, peakRss }) => [
      `peak RSS per worker (--checks ${checks})`,
      peakRss.map((b) => `${Math.round(b / 1048576)} MiB`).join(', '),
    ]),
    ...(noop === null
      ? []
      : [['peak RSS per no-op worker', noop.peakRss.map((b) => `${Math.round(b / 1048576)} MiB`).join(', ')]]),
    ['queue left', JSON.stringify(counts)],
    ['worker exit codes (SIGTERM)', codes.join(', ')],
  ];
  const width = Math.max(...figures.map(([k]) => k.length));
  process.stdout.write(`mxv fleet benchmark\n${figures.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);

  redis.disconnect();
  await redisServer.stop();
  await world.stop();
}

await main();
process.exit(0);
