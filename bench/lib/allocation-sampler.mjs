/**
 * Preload (`node --import ./bench/lib/allocation-sampler.mjs ...`, with
 * MXV_ALLOCATION_SAMPLE_DIR set): samples every allocation the process makes,
 * the garbage included (V8's sampling heap profiler with the objects collected
 * by minor and major GCs kept, which `node --heap-prof` leaves out), and at exit
 * prints the functions that allocated most, as bytes per sampled run, to
 * $MXV_ALLOCATION_SAMPLE_DIR/<pid>.txt (and the raw profile as <pid>.heapprofile,
 * which Chrome DevTools opens). For finding what makes a worker's garbage
 * collector busy:
 *
 *   MXV_ALLOCATION_SAMPLE_DIR=/tmp/alloc node bench/fleet.mjs --no-noop \
 *     "--worker-node-options=--import $PWD/bench/lib/allocation-sampler.mjs"
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env['MXV_ALLOCATION_SAMPLE_DIR'];
const TOP = Number(process.env['MXV_ALLOCATION_TOP'] ?? 40);

if (dir) {
  const session = new Session();
  session.connect();
  // A session on the process's own thread answers synchronously: the callbacks run inside post().
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return;
      const { profile } = result;
      writeFileSync(join(dir, `${process.pid}.heapprofile`), JSON.stringify(profile));
      const byFunction = new Map();
      let total = 0;
      const walk = (node) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const where = url.replace(/^file:\/\//, '').replace(/.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '');
        const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
        byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
        total += node.selfSize;
        for (const child of node.children) walk(child);
      };
      walk(profile.head);
      const lines = [...byFunction]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(
          ([key, bytes]) =>
            `${((100 * bytes) / total).toFixed(1).padStart(6)}% ${(bytes / 1048576).toFixed(1).padStart(8)} MiB  ${key}`,
        );
      writeFileSync(
        join(dir, `${process.pid}.txt`),
        `${(total / 1048576).toFixed(0)} MiB allocated (sampled)\n${lines.join('\n')}\n`,
      );
    });
  });
}
