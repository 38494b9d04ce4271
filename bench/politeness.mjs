#!/usr/bin/env node
/**
 * Politeness gate benchmark: prints figures, asserts nothing.
 *
 *   node bench/politeness.mjs [--calls 2000] [--in-flight 50] [--rounds 4] [--before DIR]
 *   (or bench/politeness, which builds first)
 *
 * The cost of one acquire + release of the fleet's politeness gate against a
 * private redis-server on a free loopback port, from one ioredis client: in
 * sequence (latency), with `--in-flight` calls at once (throughput), and the
 * Redis time per call (INFO commandstats: EVALSHA + ZREM). Every call is a
 * grant on fresh keys (a new address in a new /24, a new provider), which is
 * the expensive path: a refusal writes nothing. Shapes: address + network (an
 * address-literal exchange has no provider group) and address + provider +
 * network. `--before DIR`: also the gate of another build, given its
 * `packages/fleet/dist` (e.g. a worktree of main before the groups: its
 * address-only gate takes the address alone). The first round warms up; the
 * median of the others is printed.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    'in-flight': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '4' },
    before: { type: 'string' },
  },
});
const CALLS = Number(args.calls);
const IN_FLIGHT = Number(args['in-flight']);
const ROUNDS = Math.max(2, Number(args.rounds));

const { Redis } = createRequire(join(root, 'packages/fleet/package.json'))('ioredis');
const { startRedisServer } = await import(join(root, 'packages/testkit/dist/index.js'));
const { RedisPolitenessGate, DEFAULT_POLITENESS, fleetKeys } = await import(join(root, 'packages/fleet/dist/index.js'));

const started = await startRedisServer();
if (started.status !== 'ok') throw new Error(started.reason);
const server = started.server;
const clients = [];
const client = () => {
  const redis = new Redis(server.url);
  clients.push(redis);
  return redis;
};
const options = { ...DEFAULT_POLITENESS, leaseTtlMs: 10_000 };

let counter = 0;
/** A new address in a new /24 each call (and so a new network group). */
const nextIp = () => {
  counter += 1;
  return `10.${(counter >> 8) & 255}.${counter & 255}.${(counter >> 16) + 1}`;
};
// One client per gate: each defines its scripts on its own connection.
const gate = new RedisPolitenessGate(client(), fleetKeys('bench'), options);
const shapes = {
  'address + network (address-literal exchange)': () => {
    const ip = nextIp();
    return gate.acquire({ ip, exchange: `[${ip}]` });
  },
  'address + provider + network': () => gate.acquire({ ip: nextIp(), exchange: `mx.p${counter + 1}.example` }),
};
if (args.before) {
  const before = await import(join(args.before, 'index.js'));
  const old = new before.RedisPolitenessGate(client(), before.fleetKeys('before'), {
    ...before.DEFAULT_POLITENESS,
    leaseTtlMs: 10_000,
  });
  shapes[`before (${args.before})`] = () => old.acquire(nextIp());
}

const admin = client();
async function redisMicros() {
  const stats = await admin.info('commandstats');
  const of = (name) => Number(new RegExp(`cmdstat_${name}:calls=\\d+,usec=(\\d+)`).exec(stats)?.[1] ?? 0);
  return of('evalsha') + of('eval') + of('zrem');
}

const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, acquire] of Object.entries(shapes)) {
    await admin.config('RESETSTAT');
    let start = performance.now();
    for (let i = 0; i < CALLS; i++) {
      const decision = await acquire();
      if (decision.status !== 'granted') throw new Error(`${name}: not granted (${decision.reason})`);
      decision.release();
    }
    const sequentialMs = (performance.now() - start) / CALLS;
    start = performance.now();
    let issued = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (issued < CALLS) {
          issued += 1;
          const decision = await acquire();
          if (decision.status === 'granted') decision.release();
        }
      }),
    );
    const perSecond = CALLS / ((performance.now() - start) / 1000);
    // Releases are fire and forget: let the last ones land before reading the Redis time.
    await admin.ping();
    const redisUs = (await redisMicros()) / (2 * CALLS);
    if (round > 0) (results[name] ??= []).push({ sequentialMs, perSecond, redisUs });
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const { cpus, loadavg } = await import('node:os');
console.log(
  `politeness gate: ${CALLS} grants per shape and round, median of ${ROUNDS - 1} rounds; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)} (figures are noisy on a shared machine: compare shapes within one run)`,
);
for (const [name, rows] of Object.entries(results)) {
  console.log(
    `  ${name.padEnd(48)} ${median(rows.map((r) => r.sequentialMs)).toFixed(3)} ms per acquire + release in sequence, ` +
      `${Math.round(median(rows.map((r) => r.perSecond)))}/s with ${IN_FLIGHT} in flight, ` +
      `${median(rows.map((r) => r.redisUs)).toFixed(1)} µs of Redis time each`,
  );
}
for (const redis of clients) redis.disconnect();
await server.stop();
