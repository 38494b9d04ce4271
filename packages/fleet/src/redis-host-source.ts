import { randomUUID } from 'node:crypto';
import { GateLease, isTransientHostError, portLabel } from '@mxv/probe';
import { hostProbeSchema } from '@mxv/probe/schemas';
import type { HostObtained, HostProbe, HostProbeSource, HostProber, HostTarget } from '@mxv/probe';
import type { Result } from 'ioredis';
import { execPerNode } from './exec-per-node.js';
import type { FleetRedis } from './redis-connection.js';
import type { Counter } from 'prom-client';
import type { FleetKeys } from './redis-keys.js';
import type { PressureSign, RedisPolitenessGate } from './redis-politeness-gate.js';

export { DEFAULT_HOST_TTL_MS } from './bounds.js';

/** Deletes the lock only if we still own it (a lock that lapsed may belong to someone else now). */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** RELEASE_LOCK, defined by RedisHostSource: 1 when the lock was ours and is gone. */
    mxvReleaseHostLock(lock: string, owner: string): Result<number, Context>;
  }
}

export interface RedisHostSourceOptions {
  /** How long a host probe is shared (README "Redis key layout": 24 h by default). */
  hostTtlMs: number;
  /**
   * How long a probe that hit a transient condition (timeout, 4xx greeting,
   * reset) is shared: short, so the domain's retry finds a fresh probe rather
   * than the cached failure, yet long enough that the many domains behind one
   * struggling host in the same moment share one probe.
   */
  transientHostTtlMs: number;
  /** The single-flight lock's lifetime: longer than any probe (host budget), so it lapses only if its holder died. */
  lockTtlMs: number;
  /** When another worker is probing the host: come back after about this long (the result will be cached by then). */
  lockedRetryMs: number;
  /**
   * Counts cache entries that did not parse as a host probe (`mxv_host_cache_invalid_entries_total`):
   * written by another version of mxv, or not by mxv at all. Not counted when absent.
   */
  invalidEntries?: Counter | null;
}

/** What a read of the host cache found: an entry that does not parse is a miss that says so. */
type CacheRead = { status: 'hit'; probe: HostProbe } | { status: 'miss' } | { status: 'invalid' };

/** Whether this probe outcome may change soon, so it is cached only briefly. */
export function isTransientProbe(probe: Pick<HostProbe, 'connect' | 'banner' | 'error'>, pressure: PressureSign): boolean {
  return (
    pressure.status === 'pressure' ||
    probe.connect === 'timeout' ||
    probe.connect === 'error' ||
    isTransientHostError(probe.error)
  );
}

/**
 * The fleet's host cache (DESIGN: a host is probed once, then shared): the same
 * contract as the in-process MemoryHostSource, across processes. Single flight
 * is a lock per (ip, port); a job that finds the lock taken is deferred briefly
 * rather than waiting in a worker slot, and on its next run reads the cache.
 */
export class RedisHostSource implements HostProbeSource {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #prober: HostProber;
  readonly #gate: RedisPolitenessGate;
  readonly #options: RedisHostSourceOptions;
  /** Cache hits not yet added to the shared counter: one INCRBY per event-loop turn instead of one INCR per hit. */
  #unsentHits = 0;

  constructor(
    redis: FleetRedis,
    keys: FleetKeys,
    prober: HostProber,
    gate: RedisPolitenessGate,
    options: RedisHostSourceOptions,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#prober = prober;
    this.#gate = gate;
    this.#options = options;
    redis.defineCommand('mxvReleaseHostLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
  }

  /**
   * `maxAgeMs`: a cached probe made longer ago than this is treated as a miss
   * (probed afresh through the lock and the politeness gate, then shared like
   * any probe). A watched re-check passes its interval.
   */
  async obtain(target: HostTarget, signal?: AbortSignal, options: { maxAgeMs?: number } = {}): Promise<HostObtained> {
    const key = this.#keys.host(target.ip, portLabel(target));
    const cached = await this.#readCached(key, target, options.maxAgeMs);
    if (cached.status === 'hit') return { status: 'cached', probe: cached.probe };
    // Counted once, here: the entry is then probed afresh and overwritten like any miss.
    if (cached.status === 'invalid') this.#options.invalidEntries?.inc();

    const lockKey = this.#keys.hostLock(target.ip, portLabel(target));
    const owner = randomUUID();
    const locked = await this.#redis.set(lockKey, owner, 'PX', this.#options.lockTtlMs, 'NX');
    if (locked !== 'OK') {
      return { status: 'deferred', retryAfterMs: this.#options.lockedRetryMs, reason: 'host_probe_in_flight' };
    }
    try {
      // The holder before us may have stored its probe between our GET and our SET NX.
      const raced = await this.#readCached(key, target, options.maxAgeMs);
      if (raced.status === 'hit') return { status: 'cached', probe: raced.probe };
      const decision = await this.#gate.acquire(target);
      if (decision.status === 'wait') return { status: 'deferred', retryAfterMs: decision.retryAfterMs, reason: decision.reason };
      const lease = new GateLease(this.#gate, target, decision);
      let probe: HostProbe;
      try {
        probe = await this.#prober.probe(target, signal, { reconnect: lease.reconnect });
      } finally {
        lease.release();
      }
      // Our own abort (a job deadline, a drain) cut the probe short: it says nothing of the host, and cached
      // it would hand every domain behind the host a false verdict (`aborted` reads as no greeting) for its TTL.
      if (signal?.aborted) return { status: 'probed', probe };
      const pressure = await this.#gate.noteOutcome(target, probe);
      const ttlMs = isTransientProbe(probe, pressure) ? this.#options.transientHostTtlMs : this.#options.hostTtlMs;
      // Three slots on a Cluster (the entry, the counter, the index): grouped per master.
      await execPerNode(this.#redis, [
        ['set', key, JSON.stringify(probe), 'PX', ttlMs],
        ['incr', this.#keys.statHostMisses],
        ['zadd', this.#keys.hostIndex, Date.now() + ttlMs, key],
      ]);
      return { status: 'probed', probe };
    } finally {
      await this.#redis.mxvReleaseHostLock(lockKey, owner);
    }
  }

  /**
   * The cached probe of `target`, parsed: an entry from an older (or newer)
   * version of mxv, or for another (ip, port), would otherwise feed every
   * worker a wrong shape for the whole of its TTL.
   */
  async #readCached(key: string, target: HostTarget, maxAgeMs?: number): Promise<CacheRead> {
    const raw = await this.#redis.get(key);
    if (raw === null) return { status: 'miss' };
    const parsed = hostProbeSchema.safeParse(parseJson(raw));
    if (
      !parsed.success ||
      parsed.data.ip !== target.ip ||
      parsed.data.port !== target.port ||
      parsed.data.tlsMode !== target.tlsMode
    )
      return { status: 'invalid' };
    if (maxAgeMs !== undefined && !(Date.now() - Date.parse(parsed.data.probedAt) <= maxAgeMs)) return { status: 'miss' };
    this.#countHit();
    return { status: 'hit', probe: parsed.data };
  }

  /**
   * Counted without waiting (the counter only feeds `mxv status`), and summed
   * over the hits of one event-loop turn: with hundreds of jobs in flight, many
   * hits land in the same turn and cost one command.
   */
  #countHit(): void {
    this.#unsentHits += 1;
    if (this.#unsentHits > 1) return;
    setImmediate(() => {
      const hits = this.#unsentHits;
      this.#unsentHits = 0;
      this.#redis.incrby(this.#keys.statHostHits, hits).catch(() => undefined);
    });
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
