/**
 * Peaks that politeness assertions are made of, from recorded times: how many
 * starts fell in any one window, and how many spans were open at one instant.
 * ConnectionLog reads the simulated servers' connections with them; the gate
 * tests read the grants a gate handed out.
 */

/** Most times within any window of `windowMs` (a half-open interval [t, t + windowMs)). */
export function peakPerWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Most intervals [start, end) overlapping at one instant. */
export function peakOverlap(spans: ReadonlyArray<{ start: number; end: number }>): number {
  const events = spans.flatMap((s) => [
    { t: s.start, d: 1 },
    { t: s.end, d: -1 },
  ]);
  // An end before a start at the same instant: [a, b) and [b, c) never overlap.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let current = 0;
  let peak = 0;
  for (const e of events) {
    current += e.d;
    peak = Math.max(peak, current);
  }
  return peak;
}
