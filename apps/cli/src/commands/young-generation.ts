import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString, type HeapSpaceInfo } from 'node:v8';

const MiB = 1_048_576;
/** V8's own factor (`--semi-space-growth-factor`): the new space doubles when it grows. */
const V8_GROWTH_FACTOR = 2;

/**
 * Measures the new space as V8's next growth will double it. Its committed
 * size (`space_size`, both semi-spaces) says so, except after a full GC that
 * uncommitted the idle semi-space: then it says half, until the next scavenge
 * commits that half again. Used + available is the active semi-space's
 * capacity, so while twice that exceeds the committed size the new space is
 * what it was when both halves were last committed. Read from the committed
 * size alone, a full GC followed by a growth took a 4 MiB cap to 8 MiB (one
 * busy run in 24).
 */
export class NewSpaceGauge {
  #lastWhole = 0;

  read(space: Pick<HeapSpaceInfo, 'space_size' | 'space_used_size' | 'space_available_size'>): number {
    const activeHalf = space.space_used_size + space.space_available_size;
    if (2 * activeHalf <= space.space_size || this.#lastWhole === 0) this.#lastWhole = space.space_size;
    return Math.max(space.space_size, this.#lastWhole);
  }
}

function newSpace(): HeapSpaceInfo | undefined {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
}

/**
 * The growth factor that keeps a new space of `currentBytes` at or under
 * `capBytes` at its next growth: 2 (V8's own) while doubling stays under the
 * cap, 1 (no growth) once it would not.
 */
export function growthFactorUnder(capBytes: number, currentBytes: number): number {
  return currentBytes > 0 && currentBytes * V8_GROWTH_FACTOR <= capBytes ? V8_GROWTH_FACTOR : 1;
}

/**
 * Caps V8's young generation (the new space: two semi-spaces) at `mib` MiB in
 * a process that already runs. V8 starts the new space small and doubles it
 * after scavenges in which much survives, up to `--max-semi-space-size`: 32
 * MiB for the two halves on 64-bit, which a busy worker always reaches. That
 * maximum is fixed when the heap is set up (only NODE_OPTIONS could change
 * it), but the growth factor is a flag V8 reads at every growth: after each GC
 * the factor is set to let the space double only while the double stays under
 * the cap. A smaller new space means more frequent scavenges (CPU) for less
 * RSS. 0 leaves V8 alone. Returns what stops watching.
 */
export function capYoungGeneration(mib: number): () => void {
  if (!(Number.isInteger(mib) && mib >= 0)) throw new RangeError('young generation cap must be a whole number of MiB ≥ 0');
  if (mib === 0) return () => {};
  const capBytes = mib * MiB;
  const gauge = new NewSpaceGauge();
  let factor = -1;
  const apply = (): void => {
    const space = newSpace();
    const next = growthFactorUnder(capBytes, space ? gauge.read(space) : 0);
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${next}`);
  };
  apply();
  // Growth happens at the end of a scavenge, and the observer runs at the next turn of the event
  // loop: a burst allocating several times the new space within one turn could grow it past the cap,
  // which a worker, whose turns each handle a little I/O, does not do.
  const observer = new PerformanceObserver(apply);
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
