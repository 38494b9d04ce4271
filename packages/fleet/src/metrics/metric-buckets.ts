/**
 * Histogram buckets for network times, in seconds: from a loopback round trip
 * (1 ms) to the slowest greeting we wait for (greeting timeout 20 s, host
 * budget 30 s) and the slowest whole domain (16 hosts, several in sequence:
 * minutes). Roughly ×2–2.5 per step, so p50/p95/p99 stay readable anywhere in
 * that range with 19 buckets per series.
 */
export const NETWORK_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
];
