/** How often the meter's own timer asks to run; its lateness is what it measures. */
const TICK_MS = 10;

/**
 * Slack for "it ended within its bound" assertions, measured rather than
 * guessed. The simulated servers and the prober share one process, so on a busy
 * machine every timer of both fires late by however long the process waited for
 * a CPU. A fixed slack either flakes there or is so large that it hides a bound
 * that is not kept. This one is a base plus the total lateness of a 10 ms
 * ticker since the last reset(): the time this process could not run its timers
 * when asked. A probe that ignores its bound still fails; a machine that is
 * merely busy does not.
 */
export class SchedulingSlack {
  readonly #baseMs: number;
  #lateMs = 0;
  #last = performance.now();
  readonly #ticker: NodeJS.Timeout;

  constructor(baseMs: number) {
    this.#baseMs = baseMs;
    this.#ticker = setInterval(() => {
      const now = performance.now();
      this.#lateMs += Math.max(0, now - this.#last - TICK_MS);
      this.#last = now;
    }, TICK_MS);
    this.#ticker.unref();
  }

  /** Start measuring afresh (call before each timed step). */
  reset(): void {
    this.#lateMs = 0;
    this.#last = performance.now();
  }

  /** The base plus the lateness accumulated since reset(), in ms. */
  ms(): number {
    // Lateness not yet seen by a tick (the ticker itself may be the one waiting).
    const pending = Math.max(0, performance.now() - this.#last - TICK_MS);
    return this.#baseMs + Math.ceil(this.#lateMs + pending);
  }

  stop(): void {
    clearInterval(this.#ticker);
  }
}
