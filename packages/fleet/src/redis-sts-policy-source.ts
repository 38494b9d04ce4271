import { fetchStsPolicy, stsCacheSeconds } from '@mxv/probe';
import { cachedStsPolicySchema } from '@mxv/probe/schemas';
import type { CachedStsPolicy, StsPolicyFetcher, StsPolicyObtained, StsPolicySource } from '@mxv/probe';
import type { FleetRedis } from './redis-connection.js';
import type { FleetKeys } from './redis-keys.js';

export interface RedisStsPolicySourceOptions {
  /** A cached policy lives its max_age (RFC 8461 3.2), never longer than this (seconds). */
  maxCacheSeconds: number;
  now?: () => number;
}

/**
 * The fleet's MTA-STS policy cache (DESIGN: per-domain facts beside the host
 * cache): a valid policy is stored under (domain, id) for its max_age, bounded,
 * so the domains of a provider and the re-checks of one domain share one fetch
 * fleet-wide. Within one worker, concurrent askers share the fetch in flight;
 * across workers there is no lock: two workers meeting the same new (domain,
 * id) in the same second fetch twice, which costs one small HTTPS GET (a
 * domain's jobs are deduplicated by id, so this needs two checks of one
 * domain at once). Failures are not stored (RFC 8461 5.1: retry them).
 */
export class RedisStsPolicySource implements StsPolicySource {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #fetcher: StsPolicyFetcher;
  readonly #options: RedisStsPolicySourceOptions;
  readonly #now: () => number;
  /** Fetches in flight in this worker, with the signal of the job that started each. */
  readonly #inFlight = new Map<string, { fetched: Promise<StsPolicyObtained>; signal: AbortSignal | undefined }>();

  constructor(redis: FleetRedis, keys: FleetKeys, fetcher: StsPolicyFetcher, options: RedisStsPolicySourceOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#fetcher = fetcher;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async obtain(domain: string, id: string, signal?: AbortSignal): Promise<StsPolicyObtained> {
    const key = this.#keys.stsPolicy(domain, id);
    const cached = await this.#read(key, id);
    if (cached !== null) return { status: 'cached', policy: cached };
    const pending = this.#inFlight.get(key);
    if (pending) {
      const shared = await pending.fetched;
      if (shared.status === 'fetched') return { status: 'cached', policy: shared.policy };
      // A fetch cut short by the abort of the job that started it (its deadline, a drain) says nothing of the
      // policy: fetch again for this job rather than report the other job's abort as a failure.
      if (!pending.signal?.aborted || signal?.aborted) return shared;
    }
    const started = this.#fetchAndStore(key, domain, id, signal);
    const entry = { fetched: started, signal };
    this.#inFlight.set(key, entry);
    try {
      return await started;
    } finally {
      if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
    }
  }

  async #fetchAndStore(key: string, domain: string, id: string, signal?: AbortSignal): Promise<StsPolicyObtained> {
    const fetched = await fetchStsPolicy(this.#fetcher, domain, id, this.#now, signal);
    if (fetched.status === 'failed') return fetched;
    const seconds = stsCacheSeconds(fetched.policy, this.#options.maxCacheSeconds);
    if (seconds > 0) await this.#redis.set(key, JSON.stringify(fetched.policy), 'EX', seconds);
    return { status: 'fetched', policy: fetched.policy };
  }

  /** The cached policy, parsed; an entry that does not parse (or is for another id) is a miss, fetched again and overwritten. */
  async #read(key: string, id: string): Promise<CachedStsPolicy | null> {
    const raw = await this.#redis.get(key);
    if (raw === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return null;
    }
    const parsed = cachedStsPolicySchema.safeParse(json);
    return parsed.success && parsed.data.id === id ? parsed.data : null;
  }
}
