import type { NumberBound } from '@mxv/probe/bounds';

/**
 * Bounds of flags that belong to the CLI itself, not to a package: how it runs
 * the engine (check's concurrency, the demo) and what it shows (status).
 */
export const CHECK_BOUNDS = {
  /** Domains checked at once by `mxv check`. */
  concurrency: { min: 1, max: 10_000, default: 32 },
} as const satisfies Record<string, NumberBound>;

/**
 * Bounds of the domain lists read by check, enqueue and show (--file, stdin,
 * arguments). A domain is at most 253 octets (RFC 1035 2.3.4) and an e-mail
 * address a few hundred; 1,024 bytes is the API's default `maxInputChars` too.
 * A longer line is reported as invalid (too_long) and never held in memory.
 */
export const INPUT_BOUNDS = {
  maxLineBytes: { min: 253, max: 8_192, default: 1_024 },
} as const satisfies Record<string, NumberBound>;

export const DEMO_BOUNDS = {
  /** The demo's hosts answer at once or never: a short budget keeps it quick. */
  hostBudgetMs: { min: 500, max: 600_000, default: 4_000 },
  workers: { min: 1, max: 32, default: 2 },
  /** Port of the lookup page and API (a free one if taken; 0: any). */
  port: { min: 0, max: 65_535, default: 8080 },
} as const satisfies Record<string, NumberBound>;

export const STATUS_BOUNDS = {
  /** Refresh period of `mxv status --watch`, seconds. */
  watchSeconds: { min: 1, max: 3600, default: 2 },
} as const satisfies Record<string, NumberBound>;

/** A TCP port to listen on; 0 asks the system for a free one. */
export const LISTEN_PORT_BOUND = { min: 0, max: 65_535, default: 0 } as const satisfies NumberBound;
