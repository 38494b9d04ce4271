/**
 * Child of young-generation.test.ts: caps the young generation through the
 * worker's own capYoungGeneration (argv: module URL, MiB, and `hold` to start
 * it holding), then allocates as a busy worker does (much of it surviving a
 * scavenge or two, so that V8 grows its new space) and prints the largest new
 * space it saw, in bytes. With `hold`, the first half of the rounds runs held
 * (`heldHalf`, `startHalf`: the active semi-space's capacity, which a growth
 * doubles; the committed size also doubles when the idle half is first
 * committed), then the cap is released; right after it, 150 rounds run in one
 * turn (a burst no check after a GC can step into), `burstPeak` their peak.
 */
import { getHeapSpaceStatistics } from 'node:v8';

const { capYoungGeneration } = await import(process.argv[2]);
const hold = process.argv[4] === 'hold';
const cap = capYoungGeneration(Number(process.argv[3]), { holding: hold });
const newSpaceInfo = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
const newSpace = () => newSpaceInfo().space_size;
const activeHalf = () => newSpaceInfo().space_used_size + newSpaceInfo().space_available_size;
const startHalf = activeHalf();
const recent = [];
let peak = 0;
let heldHalf = null;
let burstPeak = null;
const churnRound = (round) => {
  const batch = [];
  for (let i = 0; i < 5_000; i++) batch.push({ round, i, s: `garbage-${i}`, a: [i, round] });
  recent.push(batch);
  if (recent.length > 30) recent.shift();
  peak = Math.max(peak, newSpace());
};
for (let round = 0; round < 400; round++) {
  if (hold && round === 200) {
    heldHalf = activeHalf();
    await cap.release();
    for (let burst = 0; burst < 150; burst++) churnRound(round);
    burstPeak = peak;
  }
  churnRound(round);
  // A turn of the event loop per round (about 0.4 MB allocated), as a worker's I/O callbacks give it.
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ peak, heldHalf, startHalf, burstPeak })}\n`);
