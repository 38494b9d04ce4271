import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { capYoungGeneration, growthFactorUnder } from '../src/commands/young-generation.js';

const run = promisify(execFile);
const MiB = 1_048_576;
const CHURN = fileURLToPath(new URL('./support/young-churn.mjs', import.meta.url));
/** The built module, as `mxv worker` runs it (CLI tests run the build, see run-cli.ts). */
const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/commands/young-generation.js', import.meta.url))).href;

async function peakNewSpace(mib: number): Promise<number> {
  const { stdout } = await run(process.execPath, [CHURN, BUILT, String(mib)], { timeout: 120_000 });
  return (JSON.parse(stdout) as { peak: number }).peak;
}

describe('capYoungGeneration (mxv worker --young-generation-mib)', () => {
  it('keeps the new space of a process that allocates like a busy worker at the cap, where V8 alone grows it further', async () => {
    const [uncapped, capped8, capped4] = await Promise.all([peakNewSpace(0), peakNewSpace(8), peakNewSpace(4)]);
    // V8's own maximum on 64-bit is 32 MiB (two 16 MiB semi-spaces), which this churn reaches.
    expect(uncapped).toBeGreaterThan(8 * MiB);
    expect(capped8).toBeLessThanOrEqual(8 * MiB);
    expect(capped8).toBeGreaterThan(4 * MiB);
    expect(capped4).toBeLessThanOrEqual(4 * MiB);
  }, 180_000);

  it('lets the space double only while the double stays under the cap', () => {
    expect(growthFactorUnder(16 * MiB, 4 * MiB)).toBe(2);
    expect(growthFactorUnder(16 * MiB, 8 * MiB)).toBe(2);
    expect(growthFactorUnder(16 * MiB, 16 * MiB)).toBe(1);
    expect(growthFactorUnder(12 * MiB, 8 * MiB)).toBe(1);
    // Already past the cap (NODE_OPTIONS set a larger start): no growth, V8 cannot be made to shrink it.
    expect(growthFactorUnder(8 * MiB, 32 * MiB)).toBe(1);
  });

  it('refuses what is not a whole number of MiB; 0 leaves V8 alone', () => {
    expect(() => capYoungGeneration(-1)).toThrow(RangeError);
    expect(() => capYoungGeneration(2.5)).toThrow(RangeError);
    expect(() => capYoungGeneration(Number.NaN)).toThrow(RangeError);
    expect(() => capYoungGeneration(0)()).not.toThrow();
  });
});
