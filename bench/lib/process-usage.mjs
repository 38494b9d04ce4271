/**
 * CPU and memory of another process, from /proc (Linux): what the benchmarks
 * print beside their rates, for the workers, the producer and each redis-server.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/** utime + stime (ms) and peak RSS (VmHWM, bytes) of a live process; null once it is gone. */
export function processUsage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuMs: ticks * TICK_MS, peakRss: hwm ? Number(hwm[1]) * 1024 : NaN };
  } catch {
    return null;
  }
}

/**
 * The CPU a short-lived child used, read every `everyMs` until it exits (its
 * last reading is at most that much short): /proc forgets a process once it
 * is reaped, and Node does not expose RUSAGE_CHILDREN.
 */
export function followUsage(child, everyMs = 20) {
  let last = { cpuMs: 0, peakRss: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const usage = processUsage(child.pid);
      if (usage) last = usage;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return last;
    },
  };
}
