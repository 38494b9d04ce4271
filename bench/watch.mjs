/**
 * Watch scale: Redis bytes per watch, and how fast the tick moves due watches
 * into the verify queue, on a private redis-server. Adds --watches watches
 * (all due at once, the worst case), then runs --ticks WatchTick loops at the
 * same time (as that many workers would), and checks that every due watch made
 * exactly one verify job: duplicates are jobs beyond one per domain, or a
 * watch claimed twice.
 *
 *   bench/watch [--watches 200000] [--ticks 2] [--batch 1000] [--processes] [--cpu-prof DIR]
 *
 * With --processes each tick loop runs in a process of its own, as each
 * worker runs its tick in a fleet (one Node thread no longer carries every
 * loop's BullMQ work); the clock starts once every process is connected.
 * With --processes, `--cpu-prof DIR` writes a V8 CPU profile of each tick
 * process into DIR (node --cpu-prof), for finding where its time goes.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startRedisServer } = await import(join(root, 'packages/testkit/dist/index.js'));
const { connectRedis, fleetKeys, createVerifyQueue, WatchList, WatchTick } = await import(
  join(root, 'packages/fleet/dist/index.js')
);

const { values: args } = parseArgs({
  options: {
    watches: { type: 'string', default: '200000' },
    ticks: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1000' },
    processes: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    // Internal: a tick process started by --processes (the Redis URL).
    child: { type: 'string' },
  },
});
const WATCHES = Number(args.watches);
const TICKS = Number(args.ticks);
const BATCH = Number(args.batch);
const log = (text) => process.stderr.write(`bench: ${text}\n`);

if (args.child !== undefined) {
  // A tick process: connect, say ready, tick on "go", report what it moved and its CPU.
  const connected = await connectRedis(args.child, 2_000);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  const keys = fleetKeys('bench');
  const tick = new WatchTick(connected.redis, keys, createVerifyQueue(connected.redis, keys), {
    batch: BATCH,
    maxPerTick: 10_000_000,
  });
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const cpuBefore = process.cpuUsage();
  const summary = await tick.run(() => 1_000);
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${JSON.stringify({ moved: summary.moved, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  connected.redis.disconnect();
  process.exit(0);
}

const started = await startRedisServer();
if (started.status !== 'ok') throw new Error(started.why);
const connect = async () => {
  const connected = await connectRedis(started.server.url, 2_000);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  return connected.redis;
};
const redis = await connect();
const others = [];
try {
  const keys = fleetKeys('bench');
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
  const list = new WatchList(redis, keys);
  const base = await used();
  log(`adding ${WATCHES} watches`);
  const addStarted = performance.now();
  const CHUNK = 10_000;
  for (let from = 0; from < WATCHES; from += CHUNK) {
    const domains = Array.from({ length: Math.min(CHUNK, WATCHES - from) }, (_, i) => `d${from + i}.example`);
    await list.add(domains, { everyMs: 86_400_000, webhook: from % 2 === 0 ? null : 'https://hooks.example.com/mxv/changes' }, 0);
  }
  const addSeconds = (performance.now() - addStarted) / 1000;
  const afterAdd = await used();

  log(`ticking with ${TICKS} concurrent loop(s)`);
  const ticks = [];
  for (let i = 0; i < TICKS; i++) {
    const own = i === 0 ? redis : await connect();
    if (i > 0) others.push(own);
    ticks.push(new WatchTick(own, keys, createVerifyQueue(own, keys), { batch: BATCH, maxPerTick: 10_000_000 }));
  }
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    return (Number(/used_cpu_user:([\d.]+)/.exec(info)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)[1])) * 1000;
  };
  let tickSeconds;
  let redisMs;
  let nodeMs;
  // CPU of the busiest ticking process: with a core each, the slowest of them bounds the rate.
  let busiestMs;
  let moved;
  if (args.processes) {
    const { spawn } = await import('node:child_process');
    const children = Array.from({ length: TICKS }, () =>
      spawn(
        process.execPath,
        [
          ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
          fileURLToPath(import.meta.url),
          '--child',
          started.server.url,
          '--batch',
          String(BATCH),
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      ),
    );
    const lines = children.map((child) => {
      const queue = [];
      let waiting = null;
      let buffer = '';
      child.stdout.on('data', (chunk) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (waiting) {
            waiting(line);
            waiting = null;
          } else queue.push(line);
        }
      });
      return () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => (waiting = resolve)));
    });
    await Promise.all(lines.map((next) => next()));
    const cpuBefore = await redisCpu();
    const tickStarted = performance.now();
    for (const child of children) child.stdin.write('go\n');
    const reports = (await Promise.all(lines.map((next) => next()))).map((line) => JSON.parse(line));
    tickSeconds = (performance.now() - tickStarted) / 1000;
    redisMs = (await redisCpu()) - cpuBefore;
    nodeMs = reports.reduce((sum, r) => sum + r.cpuMs, 0);
    busiestMs = Math.max(...reports.map((r) => r.cpuMs));
    moved = reports.reduce((sum, r) => sum + r.moved, 0);
  } else {
    const cpuBefore = await redisCpu();
    const nodeBefore = process.cpuUsage();
    const tickStarted = performance.now();
    const summaries = await Promise.all(ticks.map((tick) => tick.run(() => 1_000)));
    tickSeconds = (performance.now() - tickStarted) / 1000;
    redisMs = (await redisCpu()) - cpuBefore;
    const nodeUsage = process.cpuUsage(nodeBefore);
    nodeMs = (nodeUsage.user + nodeUsage.system) / 1000;
    busiestMs = nodeMs;
    moved = summaries.reduce((sum, s) => sum + s.moved, 0);
  }
  const queue = createVerifyQueue(redis, keys);
  const jobs = await queue.count();
  const stillDue = await redis.zcount(keys.watchDue, '-inf', 1_000);
  // A second round while every job still waits: the job id absorbs every add.
  const again = await ticks[0].run(() => 2 * 86_400_000);
  const jobsAfter = await queue.count();
  await queue.close();

  const rows = [
    ['watches', WATCHES],
    [
      'bytes / watch',
      `${Math.round((afterAdd - base) / WATCHES)} B (used_memory delta: config hash + due zset; half with a webhook URL)`,
    ],
    ['adds', `${Math.round(WATCHES / addSeconds)} watches / s`],
    [
      'tick',
      `${moved} moved in ${tickSeconds.toFixed(2)} s = ${Math.round(moved / tickSeconds)} domains / s (${TICKS} loops${args.processes ? ' in as many processes' : ' in this process'}, batch ${BATCH})`,
    ],
    [
      'tick CPU / domain',
      `Redis ${((redisMs * 1000) / moved).toFixed(1)} µs, ticking process${args.processes ? 'es' : ''} ${((nodeMs * 1000) / moved).toFixed(1)} µs: ${Math.round(moved / (Math.max(redisMs, busiestMs) / 1000))} domains / s where each has a core (load average now ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs)`,
    ],
    ['duplicates', `${moved - WATCHES + (jobs - WATCHES)} (claimed ${moved}, jobs ${jobs}, still due ${stillDue})`],
    ['due again, jobs waiting', `${again.moved} moved, jobs ${jobsAfter} (dedup by job id: ${jobsAfter - jobs} new)`],
  ];
  for (const [name, value] of rows) process.stdout.write(`${name.padEnd(24)} ${value}\n`);
} finally {
  for (const other of others) other.disconnect();
  redis.disconnect();
  await started.server.stop();
}
