import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRIC_PREFIX = 'mxv_';

export interface MetricsRegistryOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event-loop lag, GC), as `mxv_process_*` / `mxv_nodejs_*`. */
  defaultMetrics: boolean;
}

/**
 * One registry per process (never prom-client's global one): the worker and
 * the API each build theirs, and tests build as many as they like without
 * "metric already registered" clashes.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = { defaultMetrics: true }): Registry {
  const registry = new Registry();
  // The prefix keeps our process metrics apart from another Node service scraped by the same Prometheus job.
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
