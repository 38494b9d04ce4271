#!/usr/bin/env node
/**
 * The fleet's per-job Redis path on its own (issue 13): what a worker does
 * around the engine for each domain on a warm host cache (read each mail host's
 * cached probe, then store the result: read the previous one, compare-and-set,
 * event, counters), timed without the engine's DNS and SMTP work and without a
 * simulated world competing for the CPU. Prints figures, asserts nothing.
 *
 *   node bench/fleet-job-path.mjs [--jobs 20000] [--concurrency 300] [--connection auto|plain] [--root DIR]
 *
 * Results and host probes are real: the engine checks a small simulated world
 * (bulkWorldSpec with policies) once, in process; each job then stores one of
 * those results under a domain of its own, after reading its hosts through
 * RedisHostSource. The timed round writes every domain a second time (each
 * write finds a previous result, as a re-check does). `--connection auto` gives
 * the host source and the store an auto-pipelined connection, as
 * createFleetWorker does; `plain` one without. `--root` runs another checkout's
 * build (for before/after on the same machine in the same minute). Node CPU is
 * this process's; Redis CPU and commands are from INFO.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '300' },
    connection: { type: 'string', default: 'auto' },
    root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
  },
});
const root = resolve(args.root);
const JOBS = Number(args.jobs);
const CONCURRENCY = Number(args.concurrency);
const { bulkWorldSpec, startWorld, startRedisServer } = await import(join(root, 'packages/testkit/dist/index.js'));
const { connectRedis, fleetKeys, ResultStore, RedisHostSource, RedisPolitenessGate, DEFAULT_POLITENESS } = await import(
  join(root, 'packages/fleet/dist/index.js')
);
const { createEngineParts, LocalPolitenessGate, MailCheckEngine, MemoryHostSource, portLabel } = await import(
  join(root, 'packages/probe/dist/index.js')
);

/** The engine over a small world, once: real results and the host probes behind them. */
async function sampleResults() {
  const spec = bulkWorldSpec({ domains: 60, hosts: 20, bigProviderHosts: 4, policies: true, slowShare: 0, unreachableShare: 0 });
  const world = await startWorld(spec);
  const setup = createEngineParts(
    {
      dnsServers: [world.dns],
      allowNet: world.allowNet,
      smtp: { port: world.smtpPort, hostBudgetMs: 5_000 },
      dns: { queryTimeoutMs: 1_000, attemptsPerServer: 2 },
      policy: { mtaStsPort: world.httpsPort },
    },
    { extraCaPem: [world.caCertPem] },
  );
  if (setup.status !== 'ok') throw new Error(setup.reason);
  const engine = new MailCheckEngine(setup.parts);
  const memory = new MemoryHostSource({
    prober: setup.parts.prober,
    gate: new LocalPolitenessGate({ connectionsPerSecond: 1000, maxConcurrentPerIp: 100 }),
    ttlMs: 3_600_000,
    maxEntries: 10_000,
  });
  const samples = [];
  for (const domain of world.domains) {
    const probes = [];
    const recording = {
      obtain: async (target, signal) => {
        const obtained = await memory.obtain(target, signal);
        if (obtained.status === 'probed' || obtained.status === 'cached') probes.push({ target, probe: obtained.probe });
        return obtained;
      },
    };
    const outcome = await engine.check(domain, recording);
    if (outcome.status === 'complete') samples.push({ result: outcome.result, probes });
  }
  await world.stop();
  return samples;
}

async function main() {
  const samples = await sampleResults();
  const started = await startRedisServer();
  if (started.status !== 'ok') throw new Error(started.why);
  const connected = await connectRedis(started.server.url, 2_000);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  const main = connected.redis;
  const redis = args.connection === 'auto' ? main.duplicate({ enableAutoPipelining: true }) : main;
  const keys = fleetKeys('bench');
  const gate = new RedisPolitenessGate(main, keys, {
    ...DEFAULT_POLITENESS,
    connectionsPerSecond: 50,
    maxConcurrentPerIp: 4,
    leaseTtlMs: 10_000,
  });
  const prober = { probe: () => Promise.reject(new Error('the host cache is warm: no probe expected')) };
  const hosts = new RedisHostSource(redis, keys, prober, gate, {
    hostTtlMs: 3_600_000,
    transientHostTtlMs: 3_600_000,
    lockTtlMs: 10_000,
    lockedRetryMs: 500,
  });
  const store = new ResultStore(redis, keys);
  for (const { probes } of samples) {
    for (const { target, probe } of probes)
      await main.set(keys.host(target.ip, portLabel(target)), JSON.stringify(probe), 'PX', 3_600_000);
  }

  const runJob = async (index) => {
    const { result, probes } = samples[index % samples.length];
    for (const { target } of probes) {
      const obtained = await hosts.obtain(target);
      if (obtained.status !== 'cached') throw new Error(`host ${target.ip}: ${obtained.status}`);
    }
    const written = await store.write({ ...result, domain: `j${index}-${result.domain}`, checkedAt: new Date().toISOString() });
    if (written.status === 'invalid') throw new Error(written.reason);
  };
  const round = async () => {
    let next = 0;
    const lane = async () => {
      while (next < JOBS) await runJob(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  };
  const redisCpuMs = async () => {
    const info = await main.info('cpu');
    return 1000 * (Number(/used_cpu_user:([\d.]+)/.exec(info)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)[1]));
  };
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await main.info('stats'))[1]);

  await round(); // first results: the timed round compares with them, as a re-check does
  await new Promise((r) => setTimeout(r, 200));
  const [cpu0, redis0, cmd0, t0] = [process.cpuUsage(), await redisCpuMs(), await commands(), performance.now()];
  await round();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 200));
  const [redis1, cmd1] = [await redisCpuMs(), await commands()];
  const hostsPerJob = samples.reduce((a, s) => a + s.probes.length, 0) / samples.length;
  const figures = [
    ['build', root],
    [
      'setup',
      `${JOBS} jobs × concurrency ${CONCURRENCY}, ${samples.length} real results (${hostsPerJob.toFixed(1)} cached hosts per job), --connection ${args.connection}`,
    ],
    ['rate', `${Math.round(JOBS / seconds)} jobs/s (${seconds.toFixed(2)} s)`],
    ['node CPU per job', `${((cpu.user + cpu.system) / 1000 / JOBS).toFixed(3)} ms`],
    ['Redis CPU per job', `${((redis1 - redis0) / JOBS).toFixed(3)} ms`],
    ['Redis commands per job', `${((cmd1 - cmd0 - 4) / JOBS).toFixed(2)} (Lua-internal ones included)`],
  ];
  const width = Math.max(...figures.map(([k]) => k.length));
  process.stdout.write(`mxv fleet per-job path\n${figures.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  if (redis !== main) redis.disconnect();
  main.disconnect();
  await started.server.stop();
}

await main();
process.exit(0);
