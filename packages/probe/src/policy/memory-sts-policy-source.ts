import type { StsPolicyFetcher } from './fetch-sts-policy.js';
import {
  fetchStsPolicy,
  stsCacheSeconds,
  type CachedStsPolicy,
  type StsPolicyObtained,
  type StsPolicySource,
} from './sts-policy-source.js';

export interface MemoryStsPolicySourceOptions {
  fetcher: StsPolicyFetcher;
  /** Upper bound of a policy's life in the cache, seconds (its max_age otherwise). */
  maxCacheSeconds: number;
  /** Most policies kept; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

/**
 * Direct mode's policy cache: a (domain, id) is fetched once per run while its
 * max_age lasts; concurrent askers share the one fetch in flight. Failures are
 * not kept (RFC 8461 5.1: a sender retries a failed fetch), so only valid policies are.
 */
export class MemoryStsPolicySource implements StsPolicySource {
  readonly #options: MemoryStsPolicySourceOptions;
  readonly #now: () => number;
  readonly #done = new Map<string, { policy: CachedStsPolicy; expiresAt: number }>();
  readonly #inFlight = new Map<string, Promise<StsPolicyObtained>>();
  #fetches = 0;

  constructor(options: MemoryStsPolicySourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Policy fetches made (each distinct (domain, id) once while cached). */
  get fetches(): number {
    return this.#fetches;
  }

  async obtain(domain: string, id: string, signal?: AbortSignal): Promise<StsPolicyObtained> {
    const key = `${domain}\n${id}`;
    const cached = this.#done.get(key);
    if (cached && cached.expiresAt > this.#now()) return { status: 'cached', policy: cached.policy };
    const pending = this.#inFlight.get(key);
    if (pending) {
      const shared = await pending;
      return shared.status === 'fetched' ? { status: 'cached', policy: shared.policy } : shared;
    }
    this.#fetches += 1;
    const started = fetchStsPolicy(this.#options.fetcher, domain, id, this.#now, signal).then((outcome): StsPolicyObtained =>
      outcome.status === 'ok' ? { status: 'fetched', policy: outcome.policy } : outcome,
    );
    this.#inFlight.set(key, started);
    try {
      const obtained = await started;
      if (obtained.status === 'fetched') this.#remember(key, obtained.policy);
      return obtained;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #remember(key: string, policy: CachedStsPolicy): void {
    const seconds = stsCacheSeconds(policy, this.#options.maxCacheSeconds);
    if (seconds === 0) return;
    if (this.#done.size >= this.#options.maxEntries) {
      const oldest = this.#done.keys().next();
      if (!oldest.done) this.#done.delete(oldest.value);
    }
    this.#done.set(key, { policy, expiresAt: this.#now() + seconds * 1000 });
  }
}
