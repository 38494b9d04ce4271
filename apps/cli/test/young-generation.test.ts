import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { capYoungGeneration, growthFactorUnder, NewSpaceGauge } from '../src/commands/young-generation.js';

const run = promisify(execFile);
const MiB = 1_048_576;
const CHURN = fileURLToPath(new URL('./support/young-churn.mjs', import.meta.url));
/** The built module, as `mxv worker` runs it (CLI tests run the build, see run-cli.ts). */
const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/commands/young-generation.js', import.meta.url))).href;

interface Churned {
  peak: number;
  heldHalf: number | null;
  startHalf: number;
  burstPeak: number | null;
}

async function churn(mib: number, hold = false): Promise<Churned> {
  const { stdout } = await run(process.execPath, [CHURN, BUILT, String(mib), ...(hold ? ['hold'] : [])], { timeout: 120_000 });
  return JSON.parse(stdout) as Churned;
}

async function peakNewSpace(mib: number): Promise<number> {
  return (await churn(mib)).peak;
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

  it('holding: no growth at all until released, then grown to the cap, which a burst in one turn does not pass (mxv worker holds while its modules load)', async () => {
    const { peak, heldHalf, startHalf, burstPeak } = await churn(8, true);
    // Uncapped, this churn doubles the semi-spaces within its first 40 rounds (4 MiB and more).
    // (Not doubled: the capacity varies by a few page headers.)
    expect(heldHalf).toBeLessThan(1.5 * startHalf);
    expect(peak).toBeGreaterThan(2 * startHalf);
    // Released, the space was grown to the cap in watched steps: a burst in one turn right after cannot pass it.
    expect(burstPeak).toBe(8 * MiB);
    expect(peak).toBeLessThanOrEqual(8 * MiB);
  }, 120_000);

  it('lets the space double only while the double stays under the cap', () => {
    expect(growthFactorUnder(16 * MiB, 4 * MiB)).toBe(2);
    expect(growthFactorUnder(16 * MiB, 8 * MiB)).toBe(2);
    expect(growthFactorUnder(16 * MiB, 16 * MiB)).toBe(1);
    expect(growthFactorUnder(12 * MiB, 8 * MiB)).toBe(1);
    // Already past the cap (NODE_OPTIONS set a larger start): no growth, V8 cannot be made to shrink it.
    expect(growthFactorUnder(8 * MiB, 32 * MiB)).toBe(1);
  });

  it('measures the new space as its next growth doubles it, also after a full GC uncommitted its idle half', () => {
    const gauge = new NewSpaceGauge();
    // Figures as V8 reports them: an active semi-space's used + available is its capacity less page headers.
    const whole = { space_size: 4 * MiB, space_used_size: 992_784, space_available_size: 1_068_976 };
    expect(gauge.read(whole)).toBe(4 * MiB);
    // The idle half uncommitted: 2 MiB committed, still 2 MiB semi-spaces, which a growth would double to 8.
    const halfUncommitted = { ...whole, space_size: 2 * MiB };
    expect(gauge.read(halfUncommitted)).toBe(4 * MiB);
    expect(growthFactorUnder(4 * MiB, gauge.read(halfUncommitted))).toBe(1);
    // A real shrink (1 MiB semi-spaces, both committed again at the next scavenge): 2 MiB, free to grow back.
    const shrunk = { space_size: 2 * MiB, space_used_size: 400_000, space_available_size: 630_880 };
    expect(gauge.read(shrunk)).toBe(2 * MiB);
    expect(growthFactorUnder(4 * MiB, gauge.read(shrunk))).toBe(2);
    // Larger again: followed.
    expect(gauge.read({ space_size: 8 * MiB, space_used_size: 1_173_176, space_available_size: 2_950_344 })).toBe(8 * MiB);
  });

  it('refuses what is not a whole number of MiB; 0 leaves V8 alone', () => {
    expect(() => capYoungGeneration(-1)).toThrow(RangeError);
    expect(() => capYoungGeneration(2.5)).toThrow(RangeError);
    expect(() => capYoungGeneration(Number.NaN)).toThrow(RangeError);
    expect(() => capYoungGeneration(0).stop()).not.toThrow();
  });
});
