import type { DnsResolver } from './dns-types.js';

/** TLDs remembered; past this the memo starts over (a hostile input list must not grow it without end). */
const MAX_REMEMBERED_TLDS = 4096;

/**
 * Whether the resolver validates DNSSEC, as far as a name's answers can tell.
 * An answer without AD means "insecure" only from a validating resolver; a
 * resolver that does not validate never sets AD at all. So before calling an
 * answer insecure we ask for the SOA of its top-level domain: nearly every TLD
 * is signed, and a validating resolver answers that with AD. Asked once per TLD
 * and resolver, remembered; a failed question is not remembered (it may be
 * transient), and then the verdict is "unknown", not "insecure".
 */
export class ResolverValidation {
  readonly #resolver: DnsResolver;
  readonly #byTld = new Map<string, Promise<boolean>>();

  constructor(resolver: DnsResolver) {
    this.#resolver = resolver;
  }

  validatesFor(name: string): Promise<boolean> {
    const tld = name.slice(name.lastIndexOf('.') + 1);
    if (tld === '') return Promise.resolve(false);
    let known = this.#byTld.get(tld);
    if (known === undefined) {
      if (this.#byTld.size >= MAX_REMEMBERED_TLDS) this.#byTld.clear();
      // Shared by every check of the process, so not tied to the first asker's abort (a worker's jobs abort one
      // by one: deadline, drain); the question ends within its own timeouts.
      known = this.#ask(tld);
      this.#byTld.set(tld, known);
    }
    return known;
  }

  async #ask(tld: string): Promise<boolean> {
    let answer;
    try {
      answer = await this.#resolver.query(tld, 'SOA');
    } catch {
      answer = null;
    }
    const conclusive = answer !== null && (answer.status === 'NOERROR' || answer.status === 'NODATA');
    if (!conclusive) this.#byTld.delete(tld);
    return answer?.authenticated === true;
  }
}
