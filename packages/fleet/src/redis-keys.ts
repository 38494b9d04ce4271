/**
 * Every Redis key the fleet uses, in one place (README "Redis key layout" documents them).
 *
 * Redis Cluster: keys that one Lua script touches together share a hash tag
 * (the part in braces decides the slot). A domain's result is tagged by the
 * domain (its MTA-STS policy too), a host's cache entry and lock by the address. Every politeness
 * and back-off key shares one tag, `{<prefix>-polite}`: one script takes an address's and its
 * groups' tokens together (README "Redis key layout" says what that one slot costs).
 * BullMQ's own scripts touch all of a queue's keys at once, so its prefix is
 * a hash tag and a whole queue lives in one slot: the verify queue is split
 * into shards (`--shards`), each its own BullMQ queue under its own tag
 * (queue-shards.ts), so that a Cluster spreads them over its masters.
 */
import type { PolitenessScope } from '@mxv/probe';
import { DEFAULT_PREFIX } from './bounds.js';
import { shardOfJob, shardPrefixes } from './queue-shards.js';

export { DEFAULT_PREFIX };
export const QUEUE_NAME = 'verify';
export const WEBHOOK_QUEUE_NAME = 'webhook';

export interface FleetKeys {
  readonly prefix: string;
  /** BullMQ `prefix` option of shard 0 and of the webhook queue: `{mxv}` so every key of a queue lands in one slot. */
  readonly bullPrefix: string;
  readonly queueName: string;
  /** How many shards the verify queue has (1: the single queue `{mxv}` of a fleet without shards). */
  readonly shardCount: number;
  /** BullMQ `prefix` of each shard, shard 0 first (it is `bullPrefix`). */
  readonly shardPrefixes: readonly string[];
  /** The shard a job (a normalized domain) is placed in: a stable hash of its id, so every producer agrees. */
  shardOf(jobId: string): number;
  /** HASH of settings every process of the fleet must agree on: `shards`. */
  readonly config: string;
  /** BullMQ's own hash of one job, in the job's shard (for measurements and dedupe checks). */
  job(jobId: string): string;
  /** Latest result of a domain: JSON string with a TTL. */
  result(domain: string): string;
  /** A domain's change records, newest first (LIST of JSON, capped, same TTL and hash tag as its result). */
  history(domain: string): string;
  /** Capped stream of events: "result written" {domain, verdict, checkedAt}; `type` changed / expiring for the others. */
  readonly events: string;
  /** Cached HostProbe JSON of (ip, port), with a TTL; `port` is its label ("25", "465", "2465/tls": portLabel). */
  host(ip: string, port: number | string): string;
  /** Cached MTA-STS policy JSON of (domain, policy id), with a TTL of its max_age (bounded). */
  stsPolicy(domain: string, id: string): string;
  /** Single-flight lock of that host's probe (SET NX PX, value = owner token). */
  hostLock(ip: string, port: number | string): string;
  /** ZSET host cache key -> expiry ms, so `mxv status` can count cached hosts without SCAN. */
  readonly hostIndex: string;
  /** The hash tag every politeness and back-off key shares (one slot: the scripts touch an address and its groups at once). */
  readonly politeTag: string;
  /** Politeness: ZSET of the connections granted to this address or group in its last rate window, score = grant time (ms, Redis clock). */
  politeRecent(scope: PolitenessScope, id: string): string;
  /** Politeness: ZSET of open connection leases to this address or group, score = lease expiry (ms). */
  politeLeases(scope: PolitenessScope, id: string): string;
  /** Adaptive back-off of this address or group: hash {factor, until, reason, notBefore}, expires with the back-off. */
  backoff(scope: PolitenessScope, id: string): string;
  /** ZSET address -> back-off end (ms), for `mxv status`. */
  readonly backoffIndex: string;
  /** ZSET "<scope>:<group>" -> back-off end (ms), for `mxv status`. */
  readonly groupBackoffIndex: string;
  /** ZSET "<scope>:<group>" -> connections granted in one wall-clock minute (epoch minute): the busiest groups of `mxv status`. */
  groupGrants(epochMinute: number): string;
  /** BullMQ queue of webhook deliveries (same prefix and slot as the verify queue). */
  readonly webhookQueueName: string;
  /** Watch list: ZSET domain -> next due time (ms). Shares the hash tag `{watch}` with watchConfig (one script touches both). */
  readonly watchDue: string;
  /** Watch list: HASH domain -> compact JSON {e: every ms, w?: webhook URL}. */
  readonly watchConfig: string;
  /** ZSET watched domain -> earliest certificate notAfter (ms), for the expiry gauge. */
  readonly watchCertExpiry: string;
  /** HASH watched domain -> "notAfter|days" of the last expiry threshold raised, so each is raised once. */
  readonly watchExpiryRaised: string;
  /** ZSET worker id -> last heartbeat (ms). */
  readonly workers: string;
  /** JSON about one worker (host, pid, concurrency, started), with a TTL. */
  worker(id: string): string;
  /** Counters: host cache hits / misses (probes made). */
  readonly statHostHits: string;
  readonly statHostMisses: string;
  /** Results written in one wall-clock minute (epoch minute), expiring after a day. */
  statCompleted(epochMinute: number): string;
  /** Hash reason -> count of anonymous live checks the API refused (per_client, fleet_wide), for `mxv status`. */
  readonly statAnonymousRefused: string;
  /** Key prefix of the API's anonymous live-check budgets (rate-limiter-flexible adds `:<client>` or `:fleet`). */
  readonly anonymousBudget: string;
}

export function fleetKeys(prefix: string = DEFAULT_PREFIX, shardCount = 1): FleetKeys {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) throw new Error(`prefix must be 1-64 of [A-Za-z0-9_.-], got "${prefix}"`);
  const p = prefix;
  const prefixes = shardPrefixes(p, shardCount);
  const bullPrefix = prefixes[0] ?? `{${p}}`;
  const politeTag = `{${p}-polite}`;
  return {
    prefix: p,
    bullPrefix,
    queueName: QUEUE_NAME,
    shardCount,
    shardPrefixes: prefixes,
    shardOf: (jobId) => shardOfJob(jobId, shardCount),
    config: `${p}:config`,
    job: (jobId) => `${prefixes[shardOfJob(jobId, shardCount)] ?? bullPrefix}:${QUEUE_NAME}:${jobId}`,
    result: (domain) => `${p}:result:{${domain}}`,
    history: (domain) => `${p}:history:{${domain}}`,
    events: `${p}:events`,
    host: (ip, port) => `${p}:host:{${ip}}:${port}`,
    stsPolicy: (domain, id) => `${p}:sts-policy:{${domain}}:${id}`,
    hostLock: (ip, port) => `${p}:host:{${ip}}:${port}:lock`,
    hostIndex: `${p}:host-index`,
    politeTag,
    politeRecent: (scope, id) => `${p}:polite:${politeTag}:${scope}:${id}:recent`,
    politeLeases: (scope, id) => `${p}:polite:${politeTag}:${scope}:${id}:leases`,
    backoff: (scope, id) => `${p}:polite:${politeTag}:${scope}:${id}:backoff`,
    backoffIndex: `${p}:polite:${politeTag}:backoff-index`,
    groupBackoffIndex: `${p}:polite:${politeTag}:group-backoff-index`,
    groupGrants: (epochMinute) => `${p}:polite:${politeTag}:group-grants:${epochMinute}`,
    webhookQueueName: WEBHOOK_QUEUE_NAME,
    watchDue: `${p}:watch:{watch}:due`,
    watchConfig: `${p}:watch:{watch}:config`,
    watchCertExpiry: `${p}:watch:{watch}:cert-expiry`,
    watchExpiryRaised: `${p}:watch:{watch}:expiry-raised`,
    workers: `${p}:workers`,
    worker: (id) => `${p}:worker:${id}`,
    statHostHits: `${p}:stats:host-hits`,
    statHostMisses: `${p}:stats:host-misses`,
    statCompleted: (epochMinute) => `${p}:stats:completed:${epochMinute}`,
    statAnonymousRefused: `${p}:stats:anonymous-refused`,
    anonymousBudget: `${p}:anonymous-budget`,
  };
}
