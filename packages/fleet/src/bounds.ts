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

/** BullMQ's largest priority (2^21); 1 is the highest. */
export const MAX_PRIORITY = 2_097_152;

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
} as const satisfies Record<string, NumberBound>;

/** The worker process around the worker: start-up and shutdown. */
export const WORKER_PROCESS_BOUNDS = {
  /** At start, how long to wait for an unreachable Redis before giving up. */
  redisWaitMs: { min: 0, max: 3_600_000, default: 60_000 },
  /** On SIGTERM, how long running jobs may finish. */
  drainTimeoutMs: { min: 0, max: 3_600_000, default: 30_000 },
} as const satisfies Record<string, NumberBound>;

export {
  WATCH_EVERY_BOUND,
  WATCH_TICK_BOUNDS,
  WEBHOOK_BOUNDS,
  EXPIRY_THRESHOLD_DAYS,
  EXPIRY_GAUGE_DAYS,
  MAX_WEBHOOK_URL_CHARS,
} from './watch/watch-bounds.js';
export { HISTORY_MAX_BOUND, DEFAULT_HISTORY_MAX } from './history/history-bounds.js';
