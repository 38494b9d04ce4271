import { settleWithin } from '../settle-within.js';

/**
 * A value read at scrape time, shared for `ttlMs`: several Prometheus servers
 * (HA pairs, a second one for a dashboard) and every gauge of one scrape ask
 * for it, and Redis is asked at most once per TTL. Concurrent askers while a
 * read is in flight wait for that read (single flight) instead of starting theirs.
 * No asker waits longer than `readTimeoutMs`: a read that hangs (Redis gone, its
 * commands queued until it comes back) fails that asker, so a scrape answers with
 * the gauges' previous values instead of hanging, while the one read goes on.
 */
export class ScrapeCache<T> {
  readonly #read: () => Promise<T>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #readTimeoutMs: number;
  #value: { at: number; value: T } | null = null;
  #inFlight: Promise<T> | null = null;
  #reads = 0;

  constructor(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now, readTimeoutMs = Number.POSITIVE_INFINITY) {
    if (!(ttlMs >= 0)) throw new Error('ttlMs must be >= 0');
    if (!(readTimeoutMs > 0)) throw new Error('readTimeoutMs must be > 0');
    this.#read = read;
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#readTimeoutMs = readTimeoutMs;
  }

  /** How many times the underlying read ran (for tests and the read-error metric's context). */
  get reads(): number {
    return this.#reads;
  }

  async get(): Promise<T> {
    const cached = this.#value;
    if (cached && this.#now() - cached.at < this.#ttlMs) return cached.value;
    if (this.#inFlight) return this.#bounded(this.#inFlight);
    this.#reads += 1;
    const reading = this.#read().then(
      (value) => {
        this.#value = { at: this.#now(), value };
        this.#inFlight = null;
        return value;
      },
      (error: unknown) => {
        this.#inFlight = null;
        throw error;
      },
    );
    this.#inFlight = reading;
    return this.#bounded(reading);
  }

  #bounded(reading: Promise<T>): Promise<T> {
    return settleWithin(reading, this.#readTimeoutMs, `scrape read took over ${this.#readTimeoutMs} ms`);
  }
}
