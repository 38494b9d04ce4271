#!/usr/bin/env node
/**
 * The yardstick of bench/fleet (issue 13): a BullMQ Worker on the verify queue
 * whose processor does nothing, with the options the real worker uses (same
 * prefix, queue name, concurrency, remove on complete/fail). What it drains per
 * second is the most BullMQ itself moves on this Redis and machine; the fleet's
 * rate is printed as a ratio of it.
 *
 *   node bench/lib/noop-drain-worker.mjs REDIS_URL PREFIX CONCURRENCY
 *
 * Prints one JSON line on SIGTERM: {completed, firstMs, lastMs} (wall-clock ms of
 * the first and last completion, so the parent can compute a steady rate).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { connectRedis, fleetKeys } = await import(join(root, 'packages/fleet/dist/index.js'));
// bullmq as the fleet package resolves it (the same copy and version the worker runs).
const { Worker } = await import(createRequire(join(root, 'packages/fleet/package.json')).resolve('bullmq'));

const [url, prefix, concurrency] = process.argv.slice(2);
const connected = await connectRedis(url, 2_000);
if (connected.status !== 'ok') throw new Error(connected.reason);
const keys = fleetKeys(prefix);
let completed = 0;
let firstMs = 0;
let lastMs = 0;
const worker = new Worker(keys.queueName, async () => undefined, {
  connection: connected.redis,
  prefix: keys.bullPrefix,
  concurrency: Number(concurrency),
  removeOnComplete: { count: 0 },
  removeOnFail: { count: 0 },
});
worker.on('completed', () => {
  lastMs = Date.now();
  if (completed === 0) firstMs = lastMs;
  completed += 1;
});
process.on('SIGTERM', async () => {
  await worker.close();
  process.stdout.write(`${JSON.stringify({ completed, firstMs, lastMs })}\n`);
  connected.redis.disconnect();
  process.exit(0);
});
