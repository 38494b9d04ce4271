import { portLabel } from '../port-list.js';
import { GateLease } from './gate-lease.js';
import type { HostObtained, HostProbe, HostProbeSource, HostProber, HostTarget, PolitenessGate } from './host-types.js';

export interface MemoryHostSourceOptions {
  prober: HostProber;
  gate: PolitenessGate;
  /** How long a probe of (ip, port) is reused; direct mode keeps it for the whole run. */
  ttlMs: number;
  /** Most cached probes kept; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

/**
 * Direct mode's host cache: a probe of (ip, port) is made once and shared by
 * every domain of the run that points at it; concurrent askers wait on the same
 * in-flight probe instead of connecting twice.
 */
export class MemoryHostSource implements HostProbeSource {
  readonly #options: MemoryHostSourceOptions;
  readonly #now: () => number;
  readonly #done = new Map<string, { probe: HostProbe; expiresAt: number }>();
  readonly #inFlight = new Map<string, Promise<HostObtained>>();
  #hits = 0;
  #misses = 0;

  constructor(options: MemoryHostSourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#done.size };
  }

  async obtain(target: HostTarget, signal?: AbortSignal): Promise<HostObtained> {
    const key = hostKey(target);
    const cached = this.#done.get(key);
    if (cached && cached.expiresAt > this.#now()) {
      this.#hits += 1;
      return { status: 'cached', probe: cached.probe };
    }
    const pending = this.#inFlight.get(key);
    if (pending) {
      this.#hits += 1;
      const shared = await pending;
      return shared.status === 'probed' ? { status: 'cached', probe: shared.probe } : shared;
    }
    this.#misses += 1;
    const started = this.#probeThroughGate(target, signal);
    this.#inFlight.set(key, started);
    try {
      const obtained = await started;
      if (obtained.status === 'probed') this.#remember(key, obtained.probe);
      return obtained;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async #probeThroughGate(target: HostTarget, signal?: AbortSignal): Promise<HostObtained> {
    const decision = await this.#options.gate.acquire(target, signal);
    if (decision.status === 'wait') return { status: 'deferred', retryAfterMs: decision.retryAfterMs, reason: decision.reason };
    const lease = new GateLease(this.#options.gate, target, decision);
    try {
      return { status: 'probed', probe: await this.#options.prober.probe(target, signal, { reconnect: lease.reconnect }) };
    } finally {
      lease.release();
    }
  }

  #remember(key: string, probe: HostProbe): void {
    if (this.#done.size >= this.#options.maxEntries) {
      const oldest = this.#done.keys().next();
      if (!oldest.done) this.#done.delete(oldest.value);
    }
    this.#done.set(key, { probe, expiresAt: this.#now() + this.#options.ttlMs });
  }
}

/**
 * Cache identity of a host probe: the address and port (with its TLS mode when
 * it is not the port's usual one: portLabel), not the name (DESIGN: a host is
 * probed once, then shared).
 */
export function hostKey(target: Pick<HostTarget, 'ip' | 'port' | 'tlsMode'>): string {
  const port = portLabel(target);
  return target.ip.includes(':') ? `[${target.ip}]:${port}` : `${target.ip}:${port}`;
}
