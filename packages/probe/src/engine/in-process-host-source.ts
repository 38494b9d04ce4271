import type { EngineParts } from './create-engine-parts.js';
import { LocalPolitenessGate } from './local-politeness-gate.js';
import { MemoryHostSource } from './memory-host-source.js';

/** Hosts kept by one direct-mode run at most (a run over a big list still has bounded memory). */
export const IN_PROCESS_MAX_HOSTS = 100_000;

/**
 * Direct mode's host source: probes shared within this process for its whole
 * run (no TTL: a run is short), single-flight, behind a local politeness gate
 * with the same per-address limits the fleet applies across workers.
 */
export function createInProcessHostSource(parts: EngineParts): MemoryHostSource {
  return new MemoryHostSource({
    prober: parts.prober,
    gate: new LocalPolitenessGate(parts.options.politeness),
    ttlMs: Number.POSITIVE_INFINITY,
    maxEntries: IN_PROCESS_MAX_HOSTS,
  });
}
