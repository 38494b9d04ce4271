import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cluster,
  connectRedis,
  createVerifyQueue,
  execPerNode,
  fleetKeys,
  keySlot,
  ResultStore,
  type FleetRedis,
} from '@mxv/fleet';
import {
  startRedisCluster,
  startWorld,
  type RedisClusterHandle,
  type World,
  type WorldDomainSpec,
  type WorldHostSpec,
  type WorldRecord,
  worldProbeFlags,
} from '@mxv/testkit';
import { LIFTED_GROUP_LIMITS, resultLines, runCli } from './run-cli.js';
import { killStillRunning, startCli, waitFor, waitForApiUrl, type CliProcess } from './support/cli-process.js';

/**
 * Issue 13, "Redis Cluster": real `mxv worker` processes on a real three-master
 * Redis Cluster (append-only on) with the queue in three shards, the simulated
 * world behind them. A worker is killed with SIGKILL and a master restarted
 * (SIGTERM, then started again on its port and directory) in the middle of the
 * run: every domain still ends with its one stored result, the workers
 * reconnect by themselves, and the per-address limits hold, as the simulated
 * servers' own connection logs count them.
 */

const DOMAINS = 300;
const HOSTS = 12;
const SHARDS = 3;
const RATE_PER_IP = 5;
const MAX_CONN_PER_IP = 2;
const PREFIX = 'clu';

let world: World;
let cluster: RedisClusterHandle;
let redis: FleetRedis;
let dir: string;
const children = new Set<ChildProcess>();

function worldSpec(): { hosts: WorldHostSpec[]; records: Record<string, WorldRecord[]>; domains: WorldDomainSpec[] } {
  const hosts: WorldHostSpec[] = [];
  const records: Record<string, WorldRecord[]> = {};
  for (let i = 0; i < HOSTS; i++) {
    const hostname = `mx${i}.provider.test`;
    // A short greeting delay: connections overlap, so the concurrency limit is put to the test.
    hosts.push({ id: `h${i}`, behaviour: 'esmtp', hostname, greetingDelayMs: 150 });
    records[hostname] = [{ type: 'A', host: `h${i}` }];
  }
  const domains: WorldDomainSpec[] = [];
  for (let i = 0; i < DOMAINS; i++) {
    const name = `d${i}.cluster.test`;
    records[name] = [{ type: 'MX', priority: 10, exchange: `mx${i % HOSTS}.provider.test` }];
    domains.push({ name });
  }
  return { hosts, records, domains };
}

beforeAll(async () => {
  const started = await startRedisCluster({ masters: 3, appendOnly: true });
  if (started.status !== 'ok') throw new Error(`Redis Cluster: ${started.why}`);
  cluster = started.cluster;
  world = await startWorld(worldSpec());
  const connected = await connectRedis(cluster.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  redis = connected.redis;
  dir = mkdtempSync(join(tmpdir(), 'mxv-cluster-test-'));
}, 60_000);

afterAll(async () => {
  killStillRunning(children);
  redis?.disconnect();
  await Promise.all([world?.stop(), cluster?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fleetFlags = (extra: string[] = []): string[] => ['--redis', cluster.url, '--prefix', PREFIX, ...extra];

function startWorker(): CliProcess {
  return startCli(
    [
      'worker',
      ...fleetFlags(),
      ...worldProbeFlags(world),
      '--checks',
      'none',
      // Every domain connects (no reuse of a host probe), so politeness is what paces the run.
      '--host-ttl',
      '1ms',
      '--rate-per-ip',
      String(RATE_PER_IP),
      '--max-conn-per-ip',
      String(MAX_CONN_PER_IP),
      // The world's hosts share one /24: the per-address limits are what this test holds.
      ...LIFTED_GROUP_LIMITS,
      '--timeout-ms',
      '3000',
      '--dns-timeout-ms',
      '1000',
      // Jobs whose commands fail while a master restarts are put back as error runs (5 s doubling by default):
      // a short base keeps the test's length from hanging on when the restart happens to hit them.
      '--retry-base-ms',
      '500',
      '--lock-ms',
      '2000',
      '--stalled-interval-ms',
      '1000',
      '--heartbeat-ms',
      '300',
      '--concurrency',
      '30',
      '--log-level',
      'warn',
    ],
    { children },
  );
}

let lastReadError = '';
async function storedCount(): Promise<number> {
  try {
    // Bounded: while a master is away a read may wait for it (the client retries), and the caller polls again.
    let timer: NodeJS.Timeout | undefined;
    const found = await Promise.race([
      new ResultStore(redis, fleetKeys(PREFIX, SHARDS)).getMany(world.domains),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('read took over 5 s')), 5_000))),
    ]).finally(() => clearTimeout(timer));
    return found.filter((entry) => entry.status === 'found').length;
  } catch (error) {
    // A master restarting: ask again.
    lastReadError = String(error);
    return -1;
  }
}

describe('the fleet on a Redis Cluster', () => {
  it('computes the slot of a key as the cluster does', async () => {
    const keys = fleetKeys(PREFIX, SHARDS);
    const samples = [
      ...keys.shardPrefixes.map((prefix) => `${prefix}:verify:wait`),
      keys.result('example.test'),
      keys.events,
      keys.config,
      'plain',
      'a{}b',
      '{}',
      '{{x}}',
      'x{y',
      'ünïcode{é}',
    ];
    for (const key of samples) expect(keySlot(key), key).toBe(await redis.cluster('KEYSLOT', key));
  });

  it('runs a pipeline whose keys live on every master, one pipeline per master, replies in order', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `pipe:{k${i}}`);
    const masters = new Set(keys.map((key) => (redis as Cluster).slots[keySlot(key)]?.[0]));
    expect(masters.size).toBe(3);
    const set = await execPerNode(
      redis,
      keys.map((key, i) => ['set', key, `v${i}`] as const),
    );
    expect(set.every(([error, reply]) => error === null && reply === 'OK')).toBe(true);
    const got = await execPerNode(
      redis,
      keys.map((key) => ['get', key] as const),
    );
    expect(got.map(([, reply]) => reply)).toEqual(keys.map((_, i) => `v${i}`));
    // The same through a plain ioredis pipeline is refused: why execPerNode exists.
    await expect(redis.pipeline(keys.map((key) => ['get', key])).exec()).rejects.toThrow(/same slots allocation group/);
  });

  it('three shards on three masters; a worker killed and a master restarted mid-run: one result per domain, limits held', async () => {
    const keys = fleetKeys(PREFIX, SHARDS);
    // Each shard's tag is served by a different master.
    expect(redis).toBeInstanceOf(Cluster);
    const owners = keys.shardPrefixes.map((prefix) => (redis as Cluster).slots[keySlot(prefix)]?.[0]);
    expect(new Set(owners).size).toBe(SHARDS);

    const file = join(dir, 'domains.txt');
    writeFileSync(file, `${world.domains.join('\n')}\n`);
    const enqueued = await runCli(['enqueue', '--json', '-f', file, ...fleetFlags(['--shards', String(SHARDS)])]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(JSON.parse(enqueued.stdout)).toMatchObject({ read: DOMAINS, enqueued: DOMAINS, invalid: 0 });
    // Enqueued twice: every domain is a duplicate of its own job, in its own shard.
    const again = await runCli(['enqueue', '--json', '-f', file, ...fleetFlags()]);
    expect(JSON.parse(again.stdout)).toMatchObject({ enqueued: 0, duplicates: DOMAINS });
    // A producer with another shard count is refused: it would place domains where nobody reads.
    const mismatch = await runCli(['enqueue', 'x.cluster.test', ...fleetFlags(['--shards', '2'])]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/has 3 shards/);

    const before = await runCli(['status', '--json', ...fleetFlags()]);
    expect(before.code, before.stderr).toBe(0);
    const queued = JSON.parse(before.stdout) as { queue: { waiting: number }; shards: Array<{ queue: { waiting: number } }> };
    expect(queued.queue.waiting).toBe(DOMAINS);
    expect(queued.shards).toHaveLength(SHARDS);
    // Placed by hash: every shard holds a fair part (300 / 3 = 100 each on average).
    for (const shard of queued.shards) expect(shard.queue.waiting).toBeGreaterThan(60);

    for (const host of world.hosts.values()) host.log.clear();
    const workers = [startWorker(), startWorker(), startWorker()];
    const progress = async (): Promise<string> =>
      `${await storedCount()} stored (${lastReadError}); logs ${workers.map((worker) => worker.logs().slice(-1500)).join('\n')}`;
    await waitFor('a fifth of the results', async () => (await storedCount()) >= DOMAINS / 5, 30_000, { detail: progress });
    workers[0]?.child.kill('SIGKILL');
    await waitFor('two fifths of the results', async () => (await storedCount()) >= (2 * DOMAINS) / 5, 30_000, {
      detail: progress,
    });
    const beforeRestart = await storedCount();
    await cluster.restart(1);
    await waitFor('every result', async () => (await storedCount()) === DOMAINS, 40_000, {
      detail: async () =>
        `${await storedCount()} stored (${lastReadError}); status ${(await runCli(['status', '--json', ...fleetFlags()])).stdout}; logs ${workers.map((worker) => worker.logs()).join('\n')}`,
    });
    // Work was left for after the restart, so the workers did reconnect and go on.
    expect(beforeRestart).toBeLessThan(DOMAINS);

    const stored = await new ResultStore(redis, keys).getMany(world.domains);
    for (const entry of stored) {
      expect(entry.status).toBe('found');
      if (entry.status === 'found') expect(entry.result.verdict, entry.result.domain).toBe('ok');
    }
    // Re-runs (the killed worker's jobs, locks that lapsed while a master was away) write a
    // domain's result again, never a second one: at most what the workers held in flight.
    const writes = await redis.xlen(keys.events);
    expect(writes).toBeGreaterThanOrEqual(DOMAINS);
    expect(writes - DOMAINS).toBeLessThanOrEqual(3 * 30);
    // Politeness held on every address, across the kill and the restart.
    let connections = 0;
    for (const host of world.hosts.values()) {
      connections += host.log.total;
      expect(host.log.peakNewPerWindow(1000), 'new connections per second to one address').toBeLessThanOrEqual(RATE_PER_IP);
      expect(host.log.peakConcurrent, 'connections at once to one address').toBeLessThanOrEqual(MAX_CONN_PER_IP);
    }
    // Every domain connected (no reuse): more than the limits allow in one second, or they were never tested.
    expect(connections).toBeGreaterThanOrEqual(DOMAINS * 0.9);

    const after = await runCli(['status', '--json', '--heartbeat-ms', '300', ...fleetFlags()]);
    expect(after.code, after.stderr).toBe(0);
    const status = JSON.parse(after.stdout) as { queue: Record<string, number>; workers: { alive: number } };
    expect(status.queue['waiting']! + status.queue['active']! + status.queue['delayed']! + status.queue['failed']!).toBe(0);
    expect(status.workers.alive).toBe(2);

    for (const worker of workers.slice(1)) worker.child.kill('SIGTERM');
    const exits = await Promise.all(workers.slice(1).map((worker) => worker.exited));
    expect(exits, workers.map((worker) => worker.logs()).join('\n')).toEqual([0, 0]);
    // About 30 s on a quiet 2-CPU machine; the margin is for a machine shared with other heavy jobs.
  }, 150_000);

  it('show, history and the API read and enqueue through the Cluster, into the right shard', async () => {
    const show = await runCli(['show', '--json', ...fleetFlags(), 'd1.cluster.test', 'd2.cluster.test']);
    expect(show.code, show.stderr).toBe(0);
    const shown = resultLines(show.stdout);
    expect(shown.map((result) => result.domain)).toEqual(['d1.cluster.test', 'd2.cluster.test']);
    const history = await runCli(['history', '--json', ...fleetFlags(), 'd1.cluster.test']);
    expect(history.code, history.stderr).toBe(0);
    // Each shard's BullMQ worker takes at least one job at a time: fewer slots than shards would leave one unread.
    const narrow = await runCli(['worker', ...fleetFlags(), ...worldProbeFlags(world), '--concurrency', '2']);
    expect(narrow.code).toBe(2);
    expect(narrow.stderr).toMatch(/--concurrency 2 is below the fleet's 3 shards/);
    const doctor = await runCli(['doctor', '--json', '--redis', cluster.url, '--dns', world.dns]);
    const redisCheck = (
      JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }
    ).checks.find((check) => check.name === 'redis');
    expect(redisCheck).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/Redis Cluster: 3 master\(s\), cluster_state:ok/),
    });

    const token = 'cluster-test-token-123';
    const api = startCli(['api', ...fleetFlags(), '--port', '0', '--log-level', 'warn'], {
      env: { MXV_API_TOKEN: token },
      children,
    });
    const url = await waitForApiUrl(api, 15_000);
    const queue = createVerifyQueue(redis, fleetKeys(PREFIX, SHARDS));
    try {
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
      const found = await fetch(`${url}/v1/domains/d3.cluster.test`);
      expect(found.status).toBe(200);
      expect(await found.json()).toMatchObject({ domain: 'd3.cluster.test', verdict: 'ok' });
      const fresh = ['new-a.cluster.test', 'new-b.cluster.test', 'new-c.cluster.test', 'new-d.cluster.test'];
      const checks = await fetch(`${url}/v1/checks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ domains: fresh }),
      });
      expect(await checks.json()).toMatchObject({ enqueued: fresh.length });
      const keys = fleetKeys(PREFIX, SHARDS);
      for (const domain of fresh) {
        // Queued in its own shard, and nowhere else.
        const shards = await Promise.all(queue.shards.map((shard) => shard.getJob(domain)));
        expect(shards.map((job) => job?.id ?? null)).toEqual(
          [0, 1, 2].map((shard) => (shard === keys.shardOf(domain) ? domain : null)),
        );
      }
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/mxv_queue_jobs\{state="waiting"\} 4/);
    } finally {
      await queue.close();
      api.child.kill('SIGTERM');
    }
    expect(await api.exited, api.logs()).toBe(0);
  }, 30_000);
});
