import type { DnsAnswer, DnsQueryOptions, DnsQuestionType, DnsResolver } from './dns-types.js';

export interface TtlCacheResolverOptions {
  /** An answer is kept for the smallest TTL of its records, never longer than this (seconds). */
  maxSeconds: number;
  /** A negative answer (NXDOMAIN, NODATA) carries no record TTL here: kept this long at most (seconds). */
  negativeSeconds: number;
  maxEntries: number;
  now?: () => number;
}

/**
 * A small TTL cache in front of the resolver, for the records many domains
 * share: a mail provider's SPF include chain (`include:_spf.google.com` leads
 * to three more TXT records for every one of its customers), an
 * organizational domain's DMARC record, the addresses and TLSA records of a
 * provider's exchanges. Only definite answers are kept (NOERROR, NXDOMAIN,
 * NODATA); failures are asked again. As a caching resolver does, an answer
 * from the cache carries the TTLs it has left. The engine uses it for those
 * shared names only: a domain's own records are asked afresh each check.
 */
export class TtlCacheResolver implements DnsResolver {
  readonly #inner: DnsResolver;
  readonly #options: TtlCacheResolverOptions;
  readonly #now: () => number;
  /** `answeredAt`: when the answer came (null while in flight), for the TTLs it has left. */
  readonly #entries = new Map<string, { answer: Promise<DnsAnswer>; expiresAt: number; answeredAt: number | null }>();

  constructor(inner: DnsResolver, options: TtlCacheResolverOptions) {
    this.#inner = inner;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  query(name: string, type: DnsQuestionType, signal?: AbortSignal, options?: DnsQueryOptions): Promise<DnsAnswer> {
    // A CD question (asked after a SERVFAIL, to tell bogus from broken) is another question: never from the cache.
    if (this.#options.maxSeconds <= 0 || options?.checkingDisabled === true) {
      return this.#inner.query(name, type, signal, options);
    }
    const key = `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
    const known = this.#entries.get(key);
    if (known && known.expiresAt > this.#now()) {
      const agedSeconds = known.answeredAt === null ? 0 : Math.floor((this.#now() - known.answeredAt) / 1000);
      return agedSeconds > 0 ? known.answer.then((answer) => withTtlsLeft(answer, agedSeconds)) : known.answer;
    }
    // Shared while in flight (a burst of one provider's customers asks once); kept only if definite. Not tied to
    // the first asker's signal: in a worker each job aborts on its own (deadline, drain), and one job's abort
    // must not answer the others "aborted". The question ends within its own timeouts whoever waits for it.
    const asked = this.#inner.query(name, type);
    this.#remember(key, asked, this.#now() + 60_000, null);
    void asked.then(
      (answer) => {
        const seconds = this.#keepSeconds(answer);
        if (seconds <= 0) this.#entries.delete(key);
        else this.#remember(key, asked, this.#now() + seconds * 1000, this.#now());
      },
      () => this.#entries.delete(key),
    );
    return asked;
  }

  #keepSeconds(answer: DnsAnswer): number {
    if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') {
      return Math.min(this.#options.negativeSeconds, this.#options.maxSeconds);
    }
    if (answer.status !== 'NOERROR' || answer.records.length === 0) return 0;
    return Math.min(this.#options.maxSeconds, ...answer.records.map((record) => record.ttl));
  }

  #remember(key: string, answer: Promise<DnsAnswer>, expiresAt: number, answeredAt: number | null): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { answer, expiresAt, answeredAt });
  }
}

/** The answer as a caching resolver gives it `agedSeconds` after it came: each record's TTL less that, never below 0. */
function withTtlsLeft(answer: DnsAnswer, agedSeconds: number): DnsAnswer {
  return { ...answer, records: answer.records.map((record) => ({ ...record, ttl: Math.max(0, record.ttl - agedSeconds) })) };
}
