import type { FleetRedis } from './redis-connection.js';
import type { FleetKeys } from './redis-keys.js';
import { settleWithin } from './settle-within.js';

/**
 * One entry of the `<prefix>:events` stream (README "Redis key layout"):
 * `result` a result was written; `changed` it differs from the one before
 * (`changes`: JSON of the changed paths); `expiring` a watched domain's
 * certificate crossed a threshold (`days`).
 */
export interface ResultEvent {
  /** Stream entry id. */
  id: string;
  type: string;
  domain: string;
  verdict: string;
  checkedAt: string;
}

export interface ResultEventFeedOptions {
  /** XREAD BLOCK time: how long an idle feed takes to notice its last listener left. */
  blockMs: number;
  /** Entries read per XREAD. */
  batch: number;
  /** Listeners at once, across all domains; past it subscribe answers "full". */
  maxListeners: number;
  /** Pause before reading again after a FleetRedis error. */
  errorBackoffMs: number;
  /**
   * Longest subscribe waits for the reader to start (its XREVRANGE). The reader's connection has no command
   * timeout (XREAD BLOCK outlasts any), so with Redis gone that command waits for it; past this, subscribe
   * fails as a command that timed out would (the API answers 503), instead of holding its caller's slot.
   */
  startTimeoutMs: number;
  /** Told of every stream entry skipped because it is not an event the store writes (the API logs and counts them). */
  onInvalidEvent?: (id: string, reason: InvalidEventReason) => void;
}

/** Why an entry of the events stream is skipped (written by something else than ResultStore). */
export type InvalidEventReason = 'bad_id' | 'bad_domain' | 'bad_checked_at';

export const DEFAULT_RESULT_EVENT_FEED: ResultEventFeedOptions = {
  blockMs: 5_000,
  batch: 500,
  maxListeners: 1_000,
  errorBackoffMs: 500,
  startTimeoutMs: 5_000,
};

export type ResultEventListener = (event: ResultEvent) => void;
export type FeedSubscription = { status: 'ok'; unsubscribe: () => void } | { status: 'full' } | { status: 'closed' };

/**
 * Fans the events stream out to in-process listeners (the API's SSE
 * streams) with one blocking XREAD on one dedicated connection, however many
 * listeners wait: a connection per stream would let clients open Redis
 * connections at will. The reader runs only while someone listens. It starts
 * from the stream's last entry *before* subscribe returns, so a listener that
 * then reads the stored result cannot miss a write that lands in between: the
 * write is either in what it read or in an event after that entry.
 */
export class ResultEventFeed {
  readonly #reader: FleetRedis;
  readonly #key: string;
  readonly #options: Omit<ResultEventFeedOptions, 'onInvalidEvent'>;
  readonly #onInvalidEvent: (id: string, reason: InvalidEventReason) => void;
  readonly #listeners = new Map<string, Set<ResultEventListener>>();
  #count = 0;
  /** True from the moment a read loop is started until it decides (synchronously) to stop. */
  #active = false;
  #loopDone: Promise<void> = Promise.resolve();
  #starting: Promise<void> | null = null;
  #closed = false;

  /** `reader` is used for blocking reads only: give the feed a connection of its own. */
  constructor(reader: FleetRedis, keys: FleetKeys, options: Partial<ResultEventFeedOptions> = {}) {
    this.#reader = reader;
    this.#key = keys.events;
    const { onInvalidEvent, ...bounds } = options;
    this.#options = { ...DEFAULT_RESULT_EVENT_FEED, ...bounds };
    this.#onInvalidEvent = onInvalidEvent ?? (() => undefined);
    if (!(this.#options.maxListeners >= 1)) throw new Error('maxListeners must be at least 1');
    if (!(this.#options.blockMs >= 1)) throw new Error('blockMs must be at least 1');
    if (!(this.#options.startTimeoutMs >= 1)) throw new Error('startTimeoutMs must be at least 1');
  }

  /** Listeners now (all domains). */
  get listenerCount(): number {
    return this.#count;
  }

  async subscribe(domain: string, listener: ResultEventListener): Promise<FeedSubscription> {
    if (this.#closed) return { status: 'closed' };
    if (this.#count >= this.#options.maxListeners) return { status: 'full' };
    let set = this.#listeners.get(domain);
    if (!set) {
      set = new Set();
      this.#listeners.set(domain, set);
    }
    set.add(listener);
    this.#count += 1;
    let active = true;
    const unsubscribe = (): void => {
      if (!active) return;
      active = false;
      this.#count -= 1;
      const current = this.#listeners.get(domain);
      current?.delete(listener);
      if (current?.size === 0) this.#listeners.delete(domain);
    };
    try {
      await settleWithin(
        this.#ensureRunning(),
        this.#options.startTimeoutMs,
        'Command timed out: the event feed could not start',
      );
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return { status: 'ok', unsubscribe };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#count = 0;
    // Interrupts a pending XREAD BLOCK; the loop sees #closed and ends.
    this.#reader.disconnect();
    await this.#loopDone.catch(() => undefined);
  }

  #ensureRunning(): Promise<void> {
    if (this.#active) return Promise.resolve();
    if (this.#starting) return this.#starting;
    this.#starting = (async () => {
      try {
        const last = (await this.#reader.xrevrange(this.#key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
        const fromId = last[0]?.[0] ?? '0-0';
        this.#active = true;
        this.#loopDone = this.#loop(fromId);
      } finally {
        this.#starting = null;
      }
    })();
    return this.#starting;
  }

  async #loop(fromId: string): Promise<void> {
    let lastId = fromId;
    for (;;) {
      // Decided and recorded in the same tick: a subscribe after this starts a new loop.
      if (this.#closed || this.#count === 0) {
        this.#active = false;
        return;
      }
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await this.#reader.xread(
          'COUNT',
          this.#options.batch,
          'BLOCK',
          this.#options.blockMs,
          'STREAMS',
          this.#key,
          lastId,
        )) as Array<[string, Array<[string, string[]]>]> | null;
      } catch {
        if (this.#closed) return;
        await new Promise((resolve) => setTimeout(resolve, this.#options.errorBackoffMs));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          lastId = id;
          const event = toEvent(id, fields);
          if (event.status === 'invalid') {
            this.#onInvalidEvent(id.slice(0, 64), event.reason);
            continue;
          }
          const listeners = this.#listeners.get(event.event.domain);
          // Copy: a listener usually unsubscribes while being called.
          if (listeners) for (const listener of [...listeners]) listener(event.event);
        }
      }
    }
  }
}

/** The latest result events (of type `result`), newest first, among the last `count` entries (the lookup page's "recently checked"). */
export async function readRecentResultEvents(redis: FleetRedis, keys: FleetKeys, count: number): Promise<ResultEvent[]> {
  const entries = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', count)) as Array<[string, string[]]>;
  return entries.flatMap(([id, fields]) => {
    const event = toEvent(id, fields);
    return event.status === 'valid' && event.event.type === 'result' ? [event.event] : [];
  });
}

/** A stream entry id as FleetRedis makes them (ms-seq): the SSE `id:` line repeats it. */
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;
/** A domain as the store keys it: an A-label, lower case (RFC 1035 2.3.4: 253 octets at most). */
const STORED_DOMAIN = /^[a-z0-9.-]{1,253}$/;

/**
 * An entry as ResultStore.write adds it, checked field by field: the events
 * stream may hold entries from another version or an operator's XADD, and
 * what it says reaches SSE streams and the lookup page.
 */
function toEvent(
  id: string,
  fields: string[],
): { status: 'valid'; event: ResultEvent } | { status: 'invalid'; reason: InvalidEventReason } {
  if (!ENTRY_ID.test(id)) return { status: 'invalid', reason: 'bad_id' };
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const domain = map.get('domain') ?? '';
  const checkedAt = map.get('checkedAt') ?? '';
  if (!STORED_DOMAIN.test(domain)) return { status: 'invalid', reason: 'bad_domain' };
  const at = Date.parse(checkedAt);
  if (!Number.isFinite(at) || new Date(at).toISOString() !== checkedAt) return { status: 'invalid', reason: 'bad_checked_at' };
  // Entries written before events had a type are results.
  return {
    status: 'valid',
    event: { id, type: map.get('type') ?? 'result', domain, verdict: map.get('verdict') ?? '', checkedAt },
  };
}
