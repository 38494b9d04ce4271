/**
 * Bounds of watches and webhook deliveries as plain data (light: part of
 * `@mxv/fleet/bounds`, so the CLI builds its flags without loading Redis).
 */
import type { NumberBound } from '@mxv/probe/bounds';
import { MAX_DURATION_MS } from '../parse-duration.js';

/** CONTRACT "Fleet": re-checked every `--every`, 10 s at least, 24 h by default. */
export const WATCH_EVERY_BOUND = { min: 10_000, max: MAX_DURATION_MS, default: 24 * 3_600_000 } as const satisfies NumberBound;

export const WATCH_TICK_BOUNDS = {
  /** How often each worker looks for due watches. Any number of workers may: the claim is atomic. */
  tickMs: { min: 50, max: 3_600_000, default: 1_000 },
  /** Watches claimed per script call (and per addBulk into the verify queue). */
  batch: { min: 1, max: 10_000, default: 1_000 },
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
