/**
 * Runs `work` over a stream of inputs with at most `concurrency` in flight and
 * hands results to `emit` in input order. Reading stays at most a bounded window
 * ahead of the slowest unfinished item, so a list of millions runs in constant memory.
 */
export async function runOrdered<I, O>(
  inputs: AsyncIterable<I>,
  concurrency: number,
  work: (input: I, index: number) => Promise<O>,
  emit: (output: O, index: number) => void,
): Promise<number> {
  const window = Math.max(1, concurrency) * 4;
  const done = new Map<number, O>();
  const running = new Set<Promise<void>>();
  let nextToEmit = 0;
  let count = 0;

  const flush = (): void => {
    for (let output = done.get(nextToEmit); output !== undefined || done.has(nextToEmit); output = done.get(nextToEmit)) {
      done.delete(nextToEmit);
      emit(output as O, nextToEmit);
      nextToEmit += 1;
    }
  };

  for await (const input of inputs) {
    const index = count++;
    const task = work(input, index).then((output) => {
      done.set(index, output);
      flush();
    });
    const tracked: Promise<void> = task.finally(() => running.delete(tracked));
    running.add(tracked);
    while (running.size >= concurrency || index - nextToEmit >= window) {
      await Promise.race(running);
    }
  }
  await Promise.all(running);
  flush();
  return count;
}
