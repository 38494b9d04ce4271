/** One cached read of a domain's stored result: its bytes (null: none stored) and checkedAt (ms). */
export interface CachedResult {
  bytes: Buffer | null;
  checkedAtMs: number;
  expiresAt: number;
  /** The last answer built from these bytes and the age it carries: reused while the age (whole seconds) is the same. */
  answer?: { ageSeconds: number; body: Buffer };
}

/**
 * A micro-cache of stored results in front of Redis for the hot read route:
 * a lookup site renders the same popular domains over and over, and a
 * result changes at most once per check. Entries live `ttlMs` (1 s by
 * default), so an answer is never more than that behind Redis; misses (404s)
 * are cached too, so a flood of lookups of unknown names costs Redis one
 * read per name per second. Bounded: past `maxEntries` the oldest go first.
 */
export class ResultCache {
  readonly #entries = new Map<string, CachedResult>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  get(domain: string, now: number): CachedResult | undefined {
    const entry = this.#entries.get(domain);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.#entries.delete(domain);
    return undefined;
  }

  set(domain: string, bytes: Buffer | null, checkedAtMs: number, now: number): void {
    if (!this.enabled) return;
    // Re-inserting moves the key to the end: the Map's order is the eviction order.
    this.#entries.delete(domain);
    this.#entries.set(domain, { bytes, checkedAtMs, expiresAt: now + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(domain: string): void {
    this.#entries.delete(domain);
  }
}
