/**
 * The fleet's defaults and bounds as plain data, written once: the worker, the
 * retry policy and the TTLs read their defaults here, and the CLI builds its
 * flags (defaults, range checks, messages) from these tables. This is the
 * light entry point `@mxv/fleet/bounds`: it loads neither Redis, BullMQ nor
 * pino, so `mxv --help` stays fast.
 */
import type { NumberBound } from '@mxv/probe/bounds';
import { MAX_DURATION_MS } from './parse-duration.js';

export { LOG_LEVELS, isLogLevel, type LogLevel } from './log-levels.js';
export { parseDuration, MAX_DURATION_MS, type DurationParse } from './parse-duration.js';

export const DEFAULT_PREFIX = 'mxv';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** BullMQ's lowest priority, 2^21 - 1 (Job.validateOptions refuses 2^21); 1 is the highest. */
export const MAX_PRIORITY = 2_097_151;

/**
 * Shards of the verify queue (`--shards`): each is a BullMQ queue under its own
 * hash tag, so a Redis Cluster spreads them over its masters. Every worker
 * process runs one BullMQ Worker (one blocking connection) per shard, hence a
 * modest maximum: more shards than masters buys nothing but connections.
 */
export const SHARDS_BOUND = { min: 1, max: 64, default: 1 } as const satisfies NumberBound;

/** How long a host probe is shared through the host cache. */
export const DEFAULT_HOST_TTL_MS = 24 * 3_600_000;
/** How long a stored result lives. */
export const DEFAULT_RESULT_TTL_MS = 30 * 24 * 3_600_000;
/** A result TTL shorter than this is a mistake (Redis TTLs are whole seconds anyway). */
export const RESULT_TTL_BOUND = {
  min: 1_000,
  max: MAX_DURATION_MS,
  default: DEFAULT_RESULT_TTL_MS,
} as const satisfies NumberBound;

/** Options of one worker process (VerifyWorkerOptions). */
export const VERIFY_WORKER_BOUNDS = {
  /** Jobs in flight in this process. */
  concurrency: { min: 1, max: 10_000, default: 200 },
  /**
   * BullMQ job lock: renewed every half of it while the job runs; when a worker
   * dies (SIGKILL) its jobs are taken back after the lock lapses.
   */
  lockDurationMs: { min: 1_000, max: 3_600_000, default: 30_000 },
  /** How often this worker looks for jobs whose lock lapsed (stalled-job recovery). */
  stalledIntervalMs: { min: 500, max: 3_600_000, default: 15_000 },
  /** A job that stalls more often than this (it keeps killing its workers) is failed instead of retried. */
  maxStalledCount: { min: 1, max: 100, default: 3 },
  /**
   * A job's run is aborted past this and put back as an error run: far above
   * what the engine's own budgets allow a domain, so it only ever catches a
   * run that hangs.
   */
  jobDeadlineMs: { min: 1_000, max: 3_600_000, default: 600_000 },
  heartbeatMs: { min: 100, max: 3_600_000, default: 5_000 },
} as const satisfies Record<string, NumberBound>;

/** What happens to a domain whose result is transient (RetryPolicy). */
export const RETRY_BOUNDS = {
  /** Runs of a domain whose result is transient, the last one stored whatever it says. */
  maxAttempts: { min: 1, max: 20, default: 3 },
  /** Delay before the first re-run of a transient result; doubles each time. */
  retryBaseMs: { min: 1, max: 3_600_000, default: 5_000 },
  /** Random extra delay (0..jitterMs) so deferred jobs that share a host do not come back in one burst. */
  jitterMs: { min: 0, max: 3_600_000, default: 500 },
  /**
   * Runs of a job that ended in an error instead of a result (Redis refused or
   * lost a command, a bug of ours): each is put back after retryBaseMs doubled
   * per error run (capped at 64×), so the default 8 outlast about ten minutes
   * of a Redis that refuses commands; the last error fails the job.
   */
  maxErrorRuns: { min: 1, max: 50, default: 8 },
  /**
   * After a run is aborted (its job deadline, a drain past its timeout), how
   * long it may take to end before the job is put back without it: a Redis
   * command that never settles (a pipeline lost in a reconnect) must not
   * hold a worker slot and the job's lock forever.
   */
  abortGraceMs: { min: 0, max: 600_000, default: 5_000 },
} as const satisfies Record<string, NumberBound>;

/**
 * Politeness per group of addresses, fleet-wide, on top of the per-address
 * limits (POLITENESS_BOUNDS of the probe: 1 new connection/s, 2 open). A big
 * provider runs dozens of MX addresses and a /24 can hold as many hosts: with
 * the per-address limit alone the fleet could open dozens of connections a
 * second to one operator, far more than any single sender does. The defaults
 * let a group see 3 (provider) or 2 (network) times what one address may: the
 * few connections a polite sender opens, wherever its addresses are.
 */
export const POLITENESS_GROUP_BOUNDS = {
  /** New connections per second to all addresses of exchanges under one registrable domain. */
  providerConnectionsPerSecond: { min: 0, minExclusive: true, max: 10_000, default: 3, integer: false },
  /** Connections open at once to one provider group. */
  providerMaxConcurrent: { min: 1, max: 10_000, default: 6 },
  /** New connections per second to one /24 (IPv4) or /48 (IPv6). */
  networkConnectionsPerSecond: { min: 0, minExclusive: true, max: 10_000, default: 2, integer: false },
  /** Connections open at once to one network group. */
  networkMaxConcurrent: { min: 1, max: 10_000, default: 4 },
} as const satisfies Record<string, NumberBound>;

/** Groups `mxv status` lists as the busiest (by grants in the last minute or two). */
export const BUSIEST_GROUPS_SHOWN = 10;

/** The worker process around the worker: start-up and shutdown. */
export const WORKER_PROCESS_BOUNDS = {
  /** At start, how long to wait for an unreachable Redis before giving up. */
  redisWaitMs: { min: 0, max: 3_600_000, default: 60_000 },
  /** On SIGTERM, how long running jobs may finish. */
  drainTimeoutMs: { min: 0, max: 3_600_000, default: 30_000 },
  /**
   * How far V8 lets the heap grow past what a full GC found live, in percent
   * (V8's `--heap-growing-percent`, set by the worker at start). V8's own
   * heuristic (0 here) lets a busy worker's heap reach three to four times its
   * live size, mostly garbage awaiting collection: about 260 MiB RSS at
   * concurrency 300 for 50 MiB live. 100 holds it near 185 MiB for about 10 %
   * more CPU per domain; 40 near 165 MiB for about 20 % (README "Benchmarks").
   */
  heapGrowthPercent: { min: 0, max: 1_000, default: 100 },
  /**
   * The most V8's young generation (new space, both semi-spaces) may grow to,
   * in MiB (set by the worker at start through V8's semi-space growth factor;
   * 0 leaves V8's own 32 MiB maximum). Smaller means more scavenges (CPU) for
   * less RSS (README "Fleet decisions").
   */
  youngGenerationMib: { min: 0, max: 1_024, default: 0 },
} as const satisfies Record<string, NumberBound>;

// Watches, webhook deliveries and history (docs/watching.md). Written here, not
// beside their modules, so that `@mxv/fleet/bounds` stays one light file.

/** CONTRACT "Fleet": re-checked every `--every`, 10 s at least, 24 h by default. */
export const WATCH_EVERY_BOUND = { min: 10_000, max: MAX_DURATION_MS, default: 24 * 3_600_000 } as const satisfies NumberBound;

export const WATCH_TICK_BOUNDS = {
  /** How often each worker looks for due watches. Any number of workers may: the claim is atomic. */
  tickMs: { min: 50, max: 3_600_000, default: 1_000 },
  /** Watches claimed per script call (and per addBulk into the verify queue). */
  batch: { min: 1, max: 10_000, default: 1_000 },
  /**
   * Batches one tick keeps in flight at once: while Redis runs one batch's
   * addBulk, the worker builds the next (bench/watch). Each holds its claim
   * until enqueued, so this many batches are at stake if the worker dies.
   */
  lanes: { min: 1, max: 16, default: 2 },
  /** Watches one tick moves at most, so one worker's tick never runs unbounded. */
  maxPerTick: { min: 1, max: 10_000_000, default: 200_000 },
  /**
   * A claimed watch is due again after this long unless the claimer reschedules
   * it: a worker killed between claim and enqueue loses no watch, it is only
   * late by this much (the verify job id dedups one that was enqueued after all).
   */
  claimMs: { min: 1_000, max: 3_600_000, default: 60_000 },
  /** Random extra delay added to each next due time, as a share of the interval (in 1/1000), capped by maxJitterMs. */
  jitterPermille: { min: 0, max: 500, default: 50 },
  maxJitterMs: { min: 0, max: 86_400_000, default: 300_000 },
} as const satisfies Record<string, NumberBound>;

/** Certificate expiry thresholds (days before notAfter) that raise an `expiring` event, once each. */
export const EXPIRY_THRESHOLD_DAYS = [30, 14, 7, 1] as const;
/** The watched-certificates gauge's windows (days). */
export const EXPIRY_GAUGE_DAYS = [7, 14, 30] as const;

export const WEBHOOK_BOUNDS = {
  /** Delivery attempts before a delivery becomes a dead letter. */
  attempts: { min: 1, max: 50, default: 8 },
  /** First retry delay; doubles each attempt (BullMQ exponential back-off). */
  backoffMs: { min: 10, max: 3_600_000, default: 5_000 },
  /** One attempt's whole budget: resolve, connect, send, read the answer. */
  timeoutMs: { min: 100, max: 120_000, default: 10_000 },
  /** Bytes of a receiver's answer read at most (the rest is dropped with the connection). */
  maxResponseBytes: { min: 0, max: 1_048_576, default: 65_536 },
  /** Deliveries in flight in one worker process. */
  concurrency: { min: 1, max: 1_000, default: 20 },
} as const satisfies Record<string, NumberBound>;

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_CHARS = 2_048;

/** Change records kept per domain unless configured otherwise (the newest). */
export const DEFAULT_HISTORY_MAX = 50;
export const HISTORY_MAX_BOUND = { min: 1, max: 10_000, default: DEFAULT_HISTORY_MAX } as const satisfies NumberBound;

/** The egress guard of a worker with --canary (egress/egress-guard.ts). */
export const EGRESS_BOUNDS = {
  /**
   * Fresh host probes in a row that could not connect (timeout, unreachable,
   * refused, proxy error) from which on a failed result is stored only once the
   * canary confirmed our egress after it. 1: every such result is confirmed (at
   * most one canary check a second); more: fewer checks, but up to that many
   * results right after an outage may be stored before the worker notices.
   */
  consecutiveFailures: { min: 1, max: 10_000, default: 1 },
  /** How often a paused worker asks the canary again. */
  recheckMs: { min: 100, max: 600_000, default: 15_000 },
} as const satisfies Record<string, NumberBound>;
