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

export interface YoungGenerationCap {
  /**
   * Ends the hold (`holding`): grows the new space to the cap in steps watched
   * one by one, then leaves it to the check after each GC. Resolves when done.
   */
  release(): Promise<void>;
  /** Stops watching; the last factor set stays. */
  stop(): void;
}

/** Growing to the cap: objects allocated per step (about 0.4 MB), steps kept alive, and the most steps. */
const FILL_STEP_OBJECTS = 5_000;
const FILL_KEPT_STEPS = 30;
const FILL_MAX_STEPS = 600;

/**
 * Caps V8's young generation (the new space: two semi-spaces) at `mib` MiB in
 * a process that already runs. V8 starts the new space small and doubles it
 * after scavenges in which much survives, up to `--max-semi-space-size`: 32
 * MiB for the two halves on 64-bit, which a busy worker always reaches. That
 * maximum is fixed when the heap is set up (only NODE_OPTIONS could change
 * it), but the growth factor is a flag V8 reads at every growth: the factor
 * is set to let the space double only while the double stays under the cap.
 * A smaller new space means more frequent scavenges (CPU) for less RSS. 0
 * leaves V8 alone.
 *
 * The check runs after each GC, but a turn of the event loop later (a
 * PerformanceObserver), so a burst of allocation within one turn can grow the
 * space several times past it: parsing the worker's bundled modules (a chunk
 * of a few MiB) took a 4 MiB cap to 16, and a worker's first seconds (hundreds
 * of checks starting, their answers arriving in one poll of the event loop)
 * took a 16 MiB cap to 32. Hence `holding`: no growth at all until
 * `release()`, which then grows the space to the cap itself, checking after
 * every 0.4 MB it allocates (a growth needs more than the space's own size to
 * survive scavenges, so one step cannot grow it twice). A space at its cap is
 * held there whatever the bursts.
 */
export function capYoungGeneration(mib: number, options: { holding?: boolean } = {}): YoungGenerationCap {
  if (!(Number.isInteger(mib) && mib >= 0)) throw new RangeError('young generation cap must be a whole number of MiB ≥ 0');
  if (mib === 0) return { release: async () => {}, stop: () => {} };
  const capBytes = mib * MiB;
  const gauge = new NewSpaceGauge();
  let holding = options.holding === true;
  let factor = -1;
  const apply = (): number => {
    const space = newSpace();
    const size = space ? gauge.read(space) : 0;
    const next = holding ? 1 : growthFactorUnder(capBytes, size);
    if (next !== factor) {
      factor = next;
      setFlagsFromString(`--semi-space-growth-factor=${next}`);
    }
    return size;
  };
  apply();
  const observer = new PerformanceObserver(() => apply());
  observer.observe({ entryTypes: ['gc'] });
  return {
    release: async () => {
      holding = false;
      // Objects that live for a few steps, as a worker's in-flight checks do, so that V8 grows the space.
      const kept: unknown[][] = [];
      let lastSize = apply();
      let stepsSinceGrowth = 0;
      for (let step = 0; step < FILL_MAX_STEPS && factor > 1; step++) {
        const objects: unknown[] = [];
        for (let i = 0; i < FILL_STEP_OBJECTS; i++) objects.push({ step, i, text: `fill-${i}` });
        kept.push(objects);
        if (kept.length > FILL_KEPT_STEPS) kept.shift();
        const size = apply();
        stepsSinceGrowth = size > lastSize ? 0 : stepsSinceGrowth + 1;
        lastSize = size;
        // At V8's own maximum (under the cap) the space stops growing: about 40 steps grow it once.
        if (stepsSinceGrowth > 4 * FILL_KEPT_STEPS) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    stop: () => observer.disconnect(),
  };
}
