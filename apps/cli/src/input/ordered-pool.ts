export interface OrderedRunOptions {
  /**
   * Asked before each input is taken: a promise while the consumer of `emit`'s output is backed up (stdout
   * into a pipe nobody reads), null when it is not. No new input is started until it settles, so a slow
   * reader holds the run back instead of the output piling up in memory.
   */
  outputReady?: () => Promise<void> | null;
  /**
   * How many inputs past the oldest unfinished one may be taken (default 4 × concurrency): what a slow item
   * costs the rest of the list. Finished results wait in memory within it, to be emitted in order.
   */
  aheadLimit?: number;
  /**
   * Ends the run early (Ctrl-C): no input is taken any more, the results finished so far are emitted in
   * input order (the unfinished skipped), and the run returns without waiting for what still runs.
   */
  stop?: AbortSignal;
}

/**
 * Runs `work` over a stream of inputs with at most `concurrency` in flight and
 * hands results to `emit` in input order. Reading stays at most a bounded window
 * ahead of the slowest unfinished item, so a list of millions runs in constant
 * memory. Waiting is one promise woken by whichever task finishes (not a
 * Promise.race over every running task, which costs O(concurrency) per input).
 * Returns how many inputs were taken.
 */
export async function runOrdered<I, O>(
  inputs: AsyncIterable<I>,
  concurrency: number,
  work: (input: I, index: number) => Promise<O>,
  emit: (output: O, index: number) => void,
  options: OrderedRunOptions = {},
): Promise<number> {
  const limit = Math.max(1, concurrency);
  const window = Math.max(limit, options.aheadLimit ?? limit * 4);
  const outputReady = options.outputReady ?? (() => null);
  const stop = options.stop;
  const done = new Map<number, O>();
  let running = 0;
  let nextToEmit = 0;
  let count = 0;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const stopped = (): boolean => stop?.aborted === true;

  const progress = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  const flush = (): void => {
    // Once stopped, the run's end emits what finished; work that ends later is not emitted.
    while (stop?.aborted !== true && done.has(nextToEmit)) {
      const output = done.get(nextToEmit) as O;
      done.delete(nextToEmit);
      emit(output, nextToEmit);
      nextToEmit += 1;
    }
  };
  const settle = (): void => {
    running -= 1;
    const resume = wake;
    wake = null;
    resume?.();
  };
  const onStop = (): void => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  stop?.addEventListener('abort', onStop, { once: true });

  for await (const input of inputs) {
    const index = count++;
    running += 1;
    work(input, index).then(
      (output) => {
        if (stopped()) {
          settle();
          return;
        }
        done.set(index, output);
        try {
          flush();
        } catch (error) {
          failure ??= { error };
        }
        settle();
      },
      (error: unknown) => {
        failure ??= { error };
        settle();
      },
    );
    while (failure === null && !stopped() && (running >= limit || index - nextToEmit >= window)) await progress();
    if (failure !== null || stopped()) break;
    const backedUp = outputReady();
    if (backedUp !== null) await backedUp;
  }
  while (running > 0 && !stopped()) await progress();
  stop?.removeEventListener('abort', onStop);
  if (stopped()) {
    // What finished is emitted in order, gaps skipped; what still runs is left to end with the process.
    for (const index of [...done.keys()].sort((a, b) => a - b)) emit(done.get(index) as O, index);
    done.clear();
    return count;
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  flush();
  return count;
}
