import { describe, expect, it } from 'vitest';
import { runOrdered } from '../src/input/ordered-pool.js';

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i += 1) yield i;
}

/**
 * 1,000 numbers whose first takes 50 ms while the rest finish at once; how many had been read when the first
 * finished says how far the pool ran ahead of it.
 */
async function readAheadOfSlowFirst(
  options: Parameters<typeof runOrdered>[4] = {},
): Promise<{ readWhenFirstDone: number; emitted: number[] }> {
  let read = 0;
  async function* counted(): AsyncGenerator<number> {
    for (let i = 0; i < 1000; i += 1) {
      read = i + 1;
      yield i;
    }
  }
  let readWhenFirstDone = 0;
  const emitted: number[] = [];
  await runOrdered(
    counted(),
    4,
    async (n) => {
      if (n === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        readWhenFirstDone = read;
      }
      return n;
    },
    (n) => emitted.push(n),
    options,
  );
  return { readWhenFirstDone, emitted };
}

describe('runOrdered', () => {
  it('emits in input order with bounded concurrency', async () => {
    let active = 0;
    let peak = 0;
    const emitted: number[] = [];
    const count = await runOrdered(
      numbers(200),
      7,
      async (n) => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, (n * 7919) % 5));
        active -= 1;
        return n * 2;
      },
      (out) => emitted.push(out),
    );
    expect(count).toBe(200);
    expect(emitted).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
    expect(peak).toBeLessThanOrEqual(7);
    expect(peak).toBeGreaterThan(1);
  });

  it('does not read far ahead of a slow item', async () => {
    const { readWhenFirstDone } = await readAheadOfSlowFirst();
    // The window is 4 × concurrency past the unfinished first item.
    expect(readWhenFirstDone).toBeLessThanOrEqual(4 * 4 + 2);
  });

  it('aheadLimit widens the window past a slow item', async () => {
    const { readWhenFirstDone, emitted } = await readAheadOfSlowFirst({ aheadLimit: 500 });
    expect(readWhenFirstDone).toBeGreaterThan(400);
    expect(readWhenFirstDone).toBeLessThanOrEqual(500 + 2);
    expect(emitted).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('stop: no input taken any more, the finished emitted in order (the unfinished skipped), no wait for what runs', async () => {
    const stop = new AbortController();
    const emitted: number[] = [];
    const started = Date.now();
    const taken = await runOrdered(
      numbers(1000),
      8,
      async (n) => {
        // 0 and 5 never finish in time; the others do at once.
        if (n === 0 || n === 5) await new Promise((resolve) => setTimeout(resolve, 10_000));
        if (n === 30) setTimeout(() => stop.abort(), 20);
        return n;
      },
      (n) => emitted.push(n),
      { stop: stop.signal },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emitted).not.toContain(0);
    expect(emitted).not.toContain(5);
    expect(emitted).toEqual([...emitted].sort((a, b) => a - b));
    expect(emitted).toContain(30);
    expect(taken).toBeLessThan(1000);
    expect(emitted.length).toBe(taken - 2);
  });

  it('rejects with the first failure and waits for what runs', async () => {
    let finished = 0;
    await expect(
      runOrdered(
        numbers(50),
        5,
        async (n) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          finished += 1;
          if (n === 10) throw new Error('boom');
          return n;
        },
        () => undefined,
      ),
    ).rejects.toThrow('boom');
    expect(finished).toBeGreaterThanOrEqual(11);
  });

  it('starts no new input while the output is backed up, then goes on in order', async () => {
    let started = 0;
    const emitted: number[] = [];
    let release: () => void = () => undefined;
    let blocked: Promise<void> | null = null;
    const run = runOrdered(
      numbers(100),
      3,
      async (n) => {
        started += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return n;
      },
      (out) => {
        emitted.push(out);
        // The reader stops after the tenth result, as a full pipe does.
        if (out === 9) blocked = new Promise<void>((resolve) => (release = resolve));
      },
      { outputReady: () => blocked },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    // What had started when the output backed up may finish; nothing more starts.
    expect(started).toBeLessThanOrEqual(10 + 3);
    const startedWhileBlocked = started;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toBe(startedWhileBlocked);
    blocked = null;
    release();
    expect(await run).toBe(100);
    expect(emitted).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
