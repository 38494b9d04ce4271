/**
 * Every Redis key the fleet uses, in one place (README "Redis key layout" documents them).
 *
 * Redis Cluster: keys that one Lua script touches together share a hash tag
 * (the part in braces decides the slot). A domain's result is tagged by the
 * domain (its MTA-STS policy too), a host's cache entry and lock by the address, politeness state and
 * back-off by the address too (one script reads and writes them atomically).
 * BullMQ's own scripts touch all of a queue's keys at once, so its prefix is
 * the tag `{<prefix>}` and the whole queue lives in one slot.
 */
import { DEFAULT_PREFIX } from './bounds.js';

export { DEFAULT_PREFIX };
export const QUEUE_NAME = 'verify';

export interface FleetKeys {
  readonly prefix: string;
  /** BullMQ `prefix` option: `{mxv}` so every queue key lands in one slot. */
  readonly bullPrefix: string;
  readonly queueName: string;
  /** BullMQ's own hash of one job (for measurements and dedupe checks). */
  job(jobId: string): string;
  /** Latest result of a domain: JSON string with a TTL. */
  result(domain: string): string;
  /** Capped stream of "result written" events: {domain, verdict, checkedAt}. */
  readonly events: string;
  /** Cached HostProbe JSON of (ip, port), with a TTL. */
  host(ip: string, port: number): string;
  /** Cached MTA-STS policy JSON of (domain, policy id), with a TTL of its max_age (bounded). */
  stsPolicy(domain: string, id: string): string;
  /** Single-flight lock of that host's probe (SET NX PX, value = owner token). */
  hostLock(ip: string, port: number): string;
  /** ZSET host cache key -> expiry ms, so `mxv status` can count cached hosts without SCAN. */
  readonly hostIndex: string;
  /** Politeness: the next time (ms, Redis clock) a new connection to ip may start. */
  politeNext(ip: string): string;
  /** Politeness: ZSET of open connection leases to ip, score = lease expiry (ms). */
  politeLeases(ip: string): string;
  /** Adaptive back-off of ip: hash {factor, until}, expires with the back-off. */
  backoff(ip: string): string;
  /** ZSET ip -> back-off end (ms), for `mxv status`. */
  readonly backoffIndex: string;
  /** ZSET worker id -> last heartbeat (ms). */
  readonly workers: string;
  /** JSON about one worker (host, pid, concurrency, started), with a TTL. */
  worker(id: string): string;
  /** Counters: host cache hits / misses (probes made). */
  readonly statHostHits: string;
  readonly statHostMisses: string;
  /** Results written in one wall-clock minute (epoch minute), expiring after a day. */
  statCompleted(epochMinute: number): string;
}

export function fleetKeys(prefix: string = DEFAULT_PREFIX): FleetKeys {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) throw new Error(`prefix must be 1-64 of [A-Za-z0-9_.-], got "${prefix}"`);
  const p = prefix;
  const bullPrefix = `{${p}}`;
  return {
    prefix: p,
    bullPrefix,
    queueName: QUEUE_NAME,
    job: (jobId) => `${bullPrefix}:${QUEUE_NAME}:${jobId}`,
    result: (domain) => `${p}:result:{${domain}}`,
    events: `${p}:events`,
    host: (ip, port) => `${p}:host:{${ip}}:${port}`,
    stsPolicy: (domain, id) => `${p}:sts-policy:{${domain}}:${id}`,
    hostLock: (ip, port) => `${p}:host:{${ip}}:${port}:lock`,
    hostIndex: `${p}:host-index`,
    politeNext: (ip) => `${p}:polite:{${ip}}:next`,
    politeLeases: (ip) => `${p}:polite:{${ip}}:leases`,
    backoff: (ip) => `${p}:backoff:{${ip}}`,
    backoffIndex: `${p}:backoff-index`,
    workers: `${p}:workers`,
    worker: (id) => `${p}:worker:${id}`,
    statHostHits: `${p}:stats:host-hits`,
    statHostMisses: `${p}:stats:host-misses`,
    statCompleted: (epochMinute) => `${p}:stats:completed:${epochMinute}`,
  };
}
