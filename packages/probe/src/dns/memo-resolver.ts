import type { DnsAnswer, DnsQueryOptions, DnsQuestionType, DnsResolver } from './dns-types.js';

/**
 * One domain check's view of the resolver: a question asked twice within the
 * check (the MX of the domain by the mail route and by an SPF `mx` mechanism,
 * its A by an implicit MX and by SPF `a`) goes to the resolver once, and both
 * askers share the answer, in flight or done. It lives as long as the check, so
 * nothing is kept past it and TTLs do not matter.
 */
export class MemoResolver implements DnsResolver {
  readonly #inner: DnsResolver;
  readonly #answers = new Map<string, Promise<DnsAnswer>>();

  constructor(inner: DnsResolver) {
    this.#inner = inner;
  }

  query(name: string, type: DnsQuestionType, signal?: AbortSignal, options?: DnsQueryOptions): Promise<DnsAnswer> {
    // A CD question is another question than the one remembered: asked as it is.
    if (options?.checkingDisabled === true) return this.#inner.query(name, type, signal, options);
    const key = `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
    const known = this.#answers.get(key);
    if (known) return known;
    const asked = this.#inner.query(name, type, signal);
    this.#answers.set(key, asked);
    return asked;
  }
}
