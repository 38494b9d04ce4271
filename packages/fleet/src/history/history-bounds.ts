import type { NumberBound } from '@mxv/probe/bounds';

/** Change records kept per domain unless configured otherwise (the newest). */
export const DEFAULT_HISTORY_MAX = 50;
export const HISTORY_MAX_BOUND = { min: 1, max: 10_000, default: DEFAULT_HISTORY_MAX } as const satisfies NumberBound;
