import { setFlagsFromString } from 'node:v8';

/**
 * Bounds how far V8 lets the heap grow past its live size after each full GC
 * (`--heap-growing-percent`). A worker allocates fast and keeps little: V8's
 * own heuristic lets the old space reach three to four times what is live
 * before collecting it, which is most of a busy worker's RSS. A flag that V8
 * reads at every full GC, so setting it once the process runs takes effect
 * (unlike the new space's size, fixed when the heap is set up:
 * `NODE_OPTIONS=--max-semi-space-size=8` for that, README "Benchmarks").
 * 0 leaves V8's heuristic alone.
 */
export function setHeapGrowthPercent(percent: number): void {
  if (!(Number.isInteger(percent) && percent >= 0)) throw new RangeError('heap growth percent must be a whole number ≥ 0');
  if (percent === 0) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
