/**
 * Child of young-generation.test.ts: caps the young generation through the
 * worker's own capYoungGeneration (argv: module URL, MiB), then allocates as a
 * busy worker does (much of it surviving a scavenge or two, so that V8 grows
 * its new space) and prints the largest new space it saw, in bytes.
 */
import { getHeapSpaceStatistics } from 'node:v8';

const { capYoungGeneration } = await import(process.argv[2]);
capYoungGeneration(Number(process.argv[3]));
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const recent = [];
let peak = 0;
for (let round = 0; round < 400; round++) {
  const batch = [];
  for (let i = 0; i < 5_000; i++) batch.push({ round, i, s: `garbage-${i}`, a: [i, round] });
  recent.push(batch);
  if (recent.length > 30) recent.shift();
  peak = Math.max(peak, newSpace());
  // A turn of the event loop per round (about 0.4 MB allocated), as a worker's I/O callbacks give it.
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ peak })}\n`);
