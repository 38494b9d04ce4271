/**
 * Runs `work` over a stream of inputs with at most `concurrency` in flight and
 * hands results to `emit` in input order. Reading stays at most a bounded window
 * ahead of the slowest unfinished item, so a list of millions runs in constant
 * memory. Waiting is one promise woken by whichever task finishes (not a
 * Promise.race over every running task, which costs O(concurrency) per input).
 *
 * `outputReady` is asked before each input is taken: a promise while the
 * consumer of `emit`'s output is backed up (stdout into a pipe nobody reads),
 * null when it is not. No new input is started until it settles, so a slow
 * reader holds the run back instead of the output piling up in memory.
 */
export async function runOrdered<I, O>(
  inputs: AsyncIterable<I>,
  concurrency: number,
  work: (input: I, index: number) => Promise<O>,
  emit: (output: O, index: number) => void,
  outputReady: () => Promise<void> | null = () => null,
): Promise<number> {
  const limit = Math.max(1, concurrency);
  const window = limit * 4;
  const done = new Map<number, O>();
  let running = 0;
  let nextToEmit = 0;
  let count = 0;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;

  const progress = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  const flush = (): void => {
    while (done.has(nextToEmit)) {
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

  for await (const input of inputs) {
    const index = count++;
    running += 1;
    work(input, index).then(
      (output) => {
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
    while (failure === null && (running >= limit || index - nextToEmit >= window)) await progress();
    if (failure !== null) break;
    const backedUp = outputReady();
    if (backedUp !== null) await backedUp;
  }
  while (running > 0) await progress();
  if (failure !== null) throw (failure as { error: unknown }).error;
  flush();
  return count;
}
