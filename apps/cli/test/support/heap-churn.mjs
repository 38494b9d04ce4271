/**
 * Child of heap-growth.test.ts: bounds the heap growth through the worker's own
 * setHeapGrowthPercent (argv: module URL, percent), then allocates as a busy
 * worker does (a live set that stays, garbage that lives a little while) and
 * prints the largest heapTotal it saw.
 */
const { setHeapGrowthPercent } = await import(process.argv[2]);
setHeapGrowthPercent(Number(process.argv[3]));
const live = [];
for (let i = 0; i < 300_000; i++) live.push({ i, s: `live-${i}`, a: [i] });
const recent = [];
let peak = 0;
for (let round = 0; round < 600; round++) {
  const batch = [];
  for (let i = 0; i < 2_000; i++) batch.push({ round, i, s: `garbage-${i}`, a: [i, round] });
  recent.push(batch);
  if (recent.length > 40) recent.shift();
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(`${JSON.stringify({ peak, live: live.length })}\n`);
