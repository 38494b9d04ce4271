import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { describeRedisTarget, parseRedisTarget, type RedisTarget } from './redis-target.js';

export { DEFAULT_REDIS_URL } from './bounds.js';

/**
 * The fleet's Redis client: one server or a Redis Cluster. Every module takes
 * this type, and runs the same on both as long as each script and each
 * multi-key command stays in one slot (README "Redis key layout") and
 * pipelines whose keys may live on different masters go through
 * `execPerNode`.
 */
export type FleetRedis = Redis | Cluster;

export type RedisConnect = { status: 'ok'; redis: FleetRedis } | { status: 'failed'; reason: string };

export interface RedisClientOptions {
  /** `--redis-cluster`: the URL's hosts are cluster seeds even without `redis+cluster://`. */
  cluster?: boolean;
  /** Per-connection ioredis options (for a Cluster, given to each node's connection). */
  redis?: Omit<RedisOptions, 'port' | 'host' | 'path' | 'sentinels' | 'retryStrategy' | 'enableOfflineQueue' | 'readOnly'>;
  /** Cluster-level ioredis options (auto-pipelining, retries on CLUSTERDOWN). */
  clusterOptions?: Omit<ClusterOptions, 'redisOptions'>;
}

export type RedisClientCreate = { status: 'ok'; redis: FleetRedis; described: string } | { status: 'invalid'; reason: string };

/**
 * A client for a URL, not yet connected when `lazyConnect` is set. A cluster
 * URL becomes an ioredis Cluster whose nodes get `options.redis`; anything
 * else goes to ioredis as it always did.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClientCreate {
  const parsed = parseRedisTarget(url, { cluster: options.cluster === true });
  if (parsed.status === 'invalid') return parsed;
  const target = parsed.target;
  try {
    return { status: 'ok', redis: clientFor(target, options), described: describeRedisTarget(target) };
  } catch (error) {
    // Described, not echoed: the URL may hold a password.
    const why = error instanceof Error ? error.message : String(error);
    return { status: 'invalid', reason: `bad Redis URL "${describeRedisTarget(target)}": ${why}` };
  }
}

function clientFor(target: RedisTarget, options: RedisClientOptions): FleetRedis {
  if (target.mode === 'single') return new Redis(target.url, { ...options.redis });
  return new Cluster(target.nodes, {
    ...CLUSTER_CONNECT,
    ...options.clusterOptions,
    redisOptions: {
      ...options.redis,
      ...(target.username !== null ? { username: target.username } : {}),
      ...(target.password !== null ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

/**
 * How every fleet Cluster client connects. ioredis' ready check asks a node
 * for CLUSTER INFO once the slot map is known, and when that node says
 * `cluster_state:fail` (a restarted master does for its first seconds, the
 * others while a master is away past cluster-node-timeout) it reconnects
 * without ever settling the promise `connect()` returned (ioredis#741). BullMQ
 * awaits that promise when it resets a Worker's blocking connection after a
 * stuck BZPOPMIN, so one unlucky ready check parked a shard's fetch loop for
 * good: its waiting and delayed jobs were never taken again
 * (`redis-cluster-connect.test.ts`). Without the check a client is ready once
 * it knows the slot map; commands to slots nobody serves meanwhile get
 * CLUSTERDOWN, which FLEET_CLUSTER_RETRIES spaces out.
 */
export const CLUSTER_CONNECT = { enableReadyCheck: false } as const satisfies ClusterOptions;

/**
 * One ioredis connection for the fleet. `maxRetriesPerRequest: null` is what
 * BullMQ requires of a connection its Worker blocks on; the first connection
 * attempt is bounded so a wrong URL is reported instead of retried forever.
 * A Cluster also learns its slot map before this returns.
 */
/**
 * How a fleet process's Cluster client rides out a master that is away (a
 * restart, a failover): every retry of a command (connection closed, MOVED to
 * a node still coming back, CLUSTERDOWN) counts against `maxRedirections`, and
 * ioredis' defaults (16, MOVED followed at once) give up in under a second,
 * failing the job in hand. Spaced retries and a budget of 600 wait about a
 * minute, longer than cluster-node-timeout's 15 s default, the way a worker
 * on one Redis waits for it (maxRetriesPerRequest: null).
 */
export const FLEET_CLUSTER_RETRIES = {
  maxRedirections: 600,
  retryDelayOnMoved: 100,
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 300,
  retryDelayOnTryAgain: 100,
} as const satisfies ClusterOptions;

export async function connectRedis(
  url: string,
  connectTimeoutMs = 5_000,
  options: { cluster?: boolean } = {},
): Promise<RedisConnect> {
  const created = createRedisClient(url, {
    cluster: options.cluster === true,
    redis: { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: connectTimeoutMs },
    clusterOptions: { lazyConnect: true, ...FLEET_CLUSTER_RETRIES },
  });
  if (created.status === 'invalid') return { status: 'failed', reason: created.reason };
  const redis = created.redis;
  // Without a listener ioredis prints every reconnect error; callers see failures through commands instead.
  redis.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  let clusterState: string | null = null;
  try {
    // A Cluster whose seeds are all down retries by itself; the race bounds the first attempt.
    await Promise.race([
      redis
        .connect()
        .then(() => redis.ping())
        .then(async () => {
          // The ready check CLUSTER_CONNECT turns off, on the first connection only, and bounded by the race:
          // a process starting on a cluster that refuses commands says so instead of retrying them.
          if (!(redis instanceof Cluster)) return;
          while (!settled) {
            clusterState = /cluster_state:(\w+)/.exec(String(await redis.cluster('INFO')))?.[1] ?? 'unknown';
            if (clusterState === 'ok') return;
            await new Promise((resolve) => setTimeout(resolve, CLUSTER_STATE_POLL_MS));
          }
        }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }),
    ]);
    return { status: 'ok', redis };
  } catch (error) {
    redis.disconnect();
    const stateOf = clusterState as string | null;
    return {
      status: 'failed',
      reason:
        stateOf !== null && stateOf !== 'ok'
          ? `the Redis Cluster at ${created.described} says cluster_state:${stateOf} (a master down or restarting?), still after ${connectTimeoutMs} ms`
          : `cannot reach Redis at ${created.described}: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

/** How often a first connection asks a Cluster whether it is ok again. */
const CLUSTER_STATE_POLL_MS = 200;

/**
 * A second connection to the same Redis with some options changed (the API's
 * XREAD BLOCK reader needs no command timeout): `duplicate` takes different
 * arguments on a Cluster.
 */
export function duplicateRedis(redis: FleetRedis, overrides: RedisClientOptions['redis']): FleetRedis {
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, { redisOptions: { ...redis.options.redisOptions, ...overrides } });
  }
  return redis.duplicate({ ...overrides });
}

/**
 * The connection for a worker's own per-job commands (politeness gate, host
 * cache, results, MTA-STS policies, watch follower): on one Redis, a second
 * connection with ioredis auto-pipelining, which sends the commands of one
 * event-loop turn as one write (hundreds of jobs in flight make many per
 * turn): 12–15 % less worker CPU per domain in bench/fleet. BullMQ keeps the
 * first connection, which must not auto-pipeline (OptimalBits/bull#2276).
 *
 * A pipeline cut by a reconnect fails its commands instead of re-sending them
 * (ioredis#800): the job path puts such a job back as an error run
 * (process-verify-job.ts). On a Cluster the same connection is returned: there
 * a master restart made auto-pipelined commands fail for long after the slot
 * map settled ("All keys in the pipeline should belong to the same slots
 * allocation group", NOSCRIPT), and `fleet-cluster.test.ts` took 121 s
 * instead of 22 s to finish its run.
 */
export async function jobsConnection(redis: FleetRedis, autoPipelining: boolean): Promise<FleetRedis> {
  if (!autoPipelining || redis instanceof Cluster) return redis;
  const jobs = duplicateRedis(redis, { enableAutoPipelining: true, lazyConnect: true });
  jobs.on('error', () => undefined);
  // A failed first connect is retried by ioredis like any lost connection; commands wait for it meanwhile.
  await jobs.connect().catch(() => undefined);
  return jobs;
}

/** Every master of a Cluster (what SCAN, INFO or DBSIZE must visit one by one), or the one server. */
export function masterConnections(redis: FleetRedis): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}
