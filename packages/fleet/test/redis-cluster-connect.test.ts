import { Queue, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisClusterHandle } from '@mxv/testkit';
import { keySlot } from '../src/key-slot.js';
import { connectRedis, createRedisClient, type FleetRedis } from '../src/redis-connection.js';

/**
 * A fleet Cluster client while the cluster says `cluster_state:fail`: its
 * `connect()` must settle, or BullMQ, which awaits it when it resets a
 * Worker's blocking connection, parks that Worker's fetch loop for good
 * (found in `fleet-cluster.test.ts`: one run in five left a restarted
 * master's shard with its jobs waiting and nobody taking them).
 */

/** Short, so that a stopped master makes the others say `fail` within about two seconds. */
const NODE_TIMEOUT_MS = 1_000;

let cluster: RedisClusterHandle;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
/** Masters a test stopped and has not brought back yet. */
const down = new Set<number>();

beforeAll(async () => {
  const started = await startRedisCluster({ masters: 3, nodeTimeoutMs: NODE_TIMEOUT_MS });
  if (started.status !== 'ok') throw new Error(`Redis Cluster: ${started.why}`);
  cluster = started.cluster;
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const index of down) await bringBack(index);
});

afterAll(async () => {
  await cluster?.stop();
});

async function connected(): Promise<FleetRedis> {
  const result = await connectRedis(cluster.url);
  if (result.status !== 'ok') throw new Error(result.reason);
  cleanups.push(() => result.redis.disconnect());
  return result.redis;
}

/** Stops master `index` and waits until the cluster refuses commands. */
async function failMaster(index: number): Promise<void> {
  await cluster.stopNode(index);
  down.add(index);
  const deadline = Date.now() + 10_000;
  while (!(await cluster.states()).includes('fail')) {
    if (Date.now() > deadline) throw new Error('the cluster never said cluster_state:fail');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts master `index` again and waits for cluster_state:ok everywhere. */
async function bringBack(index: number): Promise<void> {
  await cluster.restart(index);
  down.delete(index);
}

/** Disconnects `client` and waits for its 'end'. */
async function ended(client: FleetRedis): Promise<void> {
  const end = new Promise((resolve) => client.once('end', resolve));
  client.disconnect();
  await end;
}

/** How `promise` stands after `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Index in cluster.ports of the master serving `key`. */
function masterOf(redis: FleetRedis, key: string): number {
  const node = (redis as Cluster).slots[keySlot(key)]?.[0];
  const index = cluster.ports.findIndex((port) => node === `127.0.0.1:${port}`);
  if (index < 0) throw new Error(`no master for ${key} (${String(node)})`);
  return index;
}

describe('a fleet Cluster client while the cluster is failed', () => {
  it('settles a reconnect (BullMQ resets a blocking connection so), where ioredis’ ready check leaves it pending; a first connection is refused, saying why', async () => {
    const redis = await connected();
    expect(redis).toBeInstanceOf(Cluster);
    // What BullMQ does with the fleet's connection: a duplicate for the blocking commands, disconnected and connected again.
    const blocking = (redis as Cluster).duplicate();
    blocking.on('error', () => undefined);
    cleanups.push(() => blocking.disconnect());
    const checked = createRedisClient(cluster.url, { clusterOptions: { lazyConnect: true, enableReadyCheck: true } });
    if (checked.status !== 'ok') throw new Error(checked.reason);
    const withReadyCheck = checked.redis;
    withReadyCheck.on('error', () => undefined);
    cleanups.push(() => withReadyCheck.disconnect());
    await Promise.all([blocking.connect(), withReadyCheck.connect()]);

    await failMaster(1);
    // As BullMQ does: connect again once the disconnect has ended the client.
    await Promise.all([ended(blocking), ended(withReadyCheck)]);
    const reconnects = [blocking.connect(), withReadyCheck.connect()];
    reconnects.forEach((reconnect) => reconnect.catch(() => undefined));
    const [fleet, readyChecked] = await Promise.all(reconnects.map((reconnect) => settledWithin(reconnect, 4_000)));
    expect(fleet).toBe('resolved');
    // The failure this guards against: the promise is never settled, even once the client is ready again.
    expect(readyChecked).toBe('pending');

    // Only a first connection checks the cluster's state: a process starting now is told why it cannot,
    // within its connect timeout (ioredis' own check would have kept it waiting, then said "no answer").
    const started = Date.now();
    const refused = await connectRedis(cluster.url, 1_500);
    expect(refused).toMatchObject({ status: 'failed', reason: expect.stringMatching(/says cluster_state:fail/) });
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 30_000);

  it('a BullMQ Worker on a shard whose master fails and comes back takes the next job', async () => {
    const redis = await connected();
    const prefix = '{cluconn}';
    const owner = masterOf(redis, `${prefix}:q:marker`);
    const queue = new Queue('q', { connection: redis, prefix });
    queue.on('error', () => undefined);
    cleanups.push(() => queue.close());
    const done: string[] = [];
    // drainDelay 1 s: BullMQ's watchdog abandons a BZPOPMIN unanswered for 2 s and resets the connection.
    const worker = new Worker('q', async (job) => void done.push(job.name), { connection: redis, prefix, drainDelay: 1 });
    worker.on('error', () => undefined);
    cleanups.push(() => worker.close(true));
    await worker.waitUntilReady();
    await queue.add('before', {});
    await expect.poll(() => done, { timeout: 10_000 }).toEqual(['before']);

    // The idle Worker is blocked on its shard's master when that master goes away; while the cluster
    // says fail, its watchdog fires and it resets its blocking connection.
    await failMaster(owner);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await bringBack(owner);
    await queue.add('after', {});
    await expect.poll(() => done, { timeout: 15_000, interval: 200 }).toEqual(['before', 'after']);
  }, 60_000);
});
