import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { setHeapGrowthPercent } from '../src/commands/heap-growth.js';

const run = promisify(execFile);
const CHURN = fileURLToPath(new URL('./support/heap-churn.mjs', import.meta.url));
/** The built module, as `mxv worker` runs it (CLI tests run the build, see run-cli.ts). */
const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/commands/heap-growth.js', import.meta.url))).href;

async function peakHeap(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, [CHURN, BUILT, String(percent)], { timeout: 120_000 });
  return (JSON.parse(stdout) as { peak: number }).peak;
}

describe('setHeapGrowthPercent (mxv worker --heap-growth-percent)', () => {
  it('keeps the heap of a process that allocates like a busy worker well under what V8 lets it grow to', async () => {
    const [unbounded, bounded] = await Promise.all([peakHeap(0), peakHeap(20)]);
    // Measured: 130–240 MB left to V8's heuristic, about 80 MB bounded at 20 % over a ~50 MB live set.
    expect(bounded).toBeLessThan(0.8 * unbounded);
  }, 180_000);

  it('refuses what is not a whole percentage; 0 leaves V8 alone', () => {
    expect(() => setHeapGrowthPercent(-1)).toThrow(RangeError);
    expect(() => setHeapGrowthPercent(12.5)).toThrow(RangeError);
    expect(() => setHeapGrowthPercent(Number.NaN)).toThrow(RangeError);
    expect(() => setHeapGrowthPercent(0)).not.toThrow();
  });
});
