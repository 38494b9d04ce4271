/**
 * Preload (`node --import ./bench/lib/memory-sampler.mjs ...`): samples
 * process.memoryUsage() and V8's heap spaces every 100 ms and, at exit, writes
 * the sample taken at the highest RSS (with the peak of each figure) as JSON to
 * $MXV_MEMORY_SAMPLE_DIR/<pid>.json. For finding what holds a worker's memory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const dir = process.env['MXV_MEMORY_SAMPLE_DIR'];
if (dir) {
  const MiB = 1048576;
  let atPeak = null;
  const peaks = {};
  const sample = () => {
    const usage = process.memoryUsage();
    for (const [k, v] of Object.entries(usage)) peaks[k] = Math.max(peaks[k] ?? 0, v);
    if (atPeak === null || usage.rss > atPeak.rss) {
      const spaces = Object.fromEntries(
        getHeapSpaceStatistics().map((s) => [s.space_name, Math.round((10 * s.space_size) / MiB) / 10]),
      );
      // Anonymous (heap, malloc, stacks) versus file-backed (the node binary's pages) parts of the RSS.
      const status = readFileSync('/proc/self/status', 'utf8');
      const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      atPeak = { ...usage, spacesMiB: spaces, rssAnon: kib('RssAnon') * 1024, rssFile: kib('RssFile') * 1024 };
    }
  };
  setInterval(sample, 100).unref();
  // Heap in use just after each full (mark-compact) GC: about what is live, the rest of heapUsed is garbage not yet collected.
  const afterMajor = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) afterMajor.push(getHeapStatistics().used_heap_size);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    sample();
    const mib = (o) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v / MiB) : v]));
    writeFileSync(
      join(dir, `${process.pid}.json`),
      JSON.stringify({
        atPeakMiB: mib(atPeak),
        peaksMiB: mib(peaks),
        majorGcs: afterMajor.length,
        maxHeapAfterMajorGcMiB: Math.round(Math.max(0, ...afterMajor) / MiB),
      }),
    );
  });
}
