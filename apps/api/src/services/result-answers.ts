import type { ResultStore } from '@mxv/fleet';
import type { CachedResult, ResultCache } from './result-cache.js';

/** The answer of GET /v1/domains/{domain}: the stored result's bytes with ageSeconds added, or none. */
/** `checkedAtMs` is NaN for a stored result whose checkedAt does not parse. */
export type ResultAnswer = { status: 'found'; body: Buffer; ageSeconds: number; checkedAtMs: number } | { status: 'not_found' };

/**
 * The API's hot read: the stored result as ResultStore holds it (the store
 * validated it against the schema on write), with `ageSeconds` spliced in
 * before the closing brace. Splicing one field is far cheaper than a parse and
 * a serialization, and keeps the route within reach of a constant answer. Reads
 * go through the micro-cache (ResultCache) unless the caller has just looked at Redis.
 */
export class ResultAnswers {
  readonly #store: ResultStore;
  readonly #cache: ResultCache;

  constructor(store: ResultStore, cache: ResultCache) {
    this.#store = store;
    this.#cache = cache;
  }

  async latest(domain: string, now: number, options: { bypassCache?: boolean } = {}): Promise<ResultAnswer> {
    const stored = (options.bypassCache !== true && this.#cache.get(domain, now)) || (await this.#read(domain, now));
    if (stored.bytes === null) return { status: 'not_found' };
    const ageSeconds = Number.isFinite(stored.checkedAtMs) ? Math.max(0, Math.floor((now - stored.checkedAtMs) / 1000)) : 0;
    return { status: 'found', body: answerBody(stored, stored.bytes, ageSeconds), ageSeconds, checkedAtMs: stored.checkedAtMs };
  }

  /** A newer result is known to exist (an event said so): the next read must not be the cached one. */
  forget(domain: string): void {
    this.#cache.delete(domain);
  }

  async #read(domain: string, now: number): Promise<CachedResult> {
    const raw = await this.#store.readRaw(domain);
    // Something the store did not write (unreadable) is served as no result, not as broken JSON.
    const entry =
      raw.status === 'found' ? { bytes: raw.bytes, checkedAtMs: raw.checkedAtMs } : { bytes: null, checkedAtMs: Number.NaN };
    this.#cache.set(domain, entry.bytes, entry.checkedAtMs, now);
    return { ...entry, expiresAt: now };
  }
}

/** The stored JSON with ageSeconds spliced in; built once per second of age for a hot domain. */
function answerBody(stored: CachedResult, bytes: Buffer, ageSeconds: number): Buffer {
  if (stored.answer?.ageSeconds === ageSeconds) return stored.answer.body;
  const body = Buffer.concat([bytes.subarray(0, -1), Buffer.from(`,"ageSeconds":${ageSeconds}}`)]);
  stored.answer = { ageSeconds, body };
  return body;
}
