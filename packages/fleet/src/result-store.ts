import { checkResultSchema, type CheckResult } from '@mxv/schema';
import type { Result } from 'ioredis';
import { execPerNode, type KeyedCommand } from './exec-per-node.js';
import type { FleetRedis } from './redis-connection.js';
import type { FleetKeys } from './redis-keys.js';
import { eventEntryFields } from './event-entry.js';
import { checkedAtOf, COMPARED_CHECKED_AT_LUA, comparedCheckedAtOf, isIsoInstant } from './stored-result-fields.js';
import { comparableResultSchema, resultChanges, type ComparableResult, type FieldChange } from './history/result-changes.js';
import type { ChangeRecord } from './history/change-record.js';
import { DEFAULT_HISTORY_MAX } from './history/history-bounds.js';

import { DEFAULT_RESULT_TTL_MS } from './bounds.js';

export { DEFAULT_RESULT_TTL_MS };
export const DEFAULT_EVENTS_MAX_LEN = 100_000;

/**
 * Compare-and-set on checkedAt: delivery is at-least-once, so a redelivered or
 * late (older) result must never replace a newer one. toISOString() is fixed
 * width for years 0–9999, so the strings compare like the instants (write()
 * accepts no other form). The stored checkedAt is found by a byte search, as
 * the worker finds it (comparedCheckedAtOf), not by decoding the JSON: a result
 * is kilobytes, and decoding it was a fifth of Redis' CPU per warm domain.
 *
 * The history append is part of the same step: the caller computed the change
 * record against the result it read (ARGV[4] is that result's checkedAt, '' when
 * none), and the write goes through only if that is still the stored one. So a
 * retried or duplicate write (same checkedAt: refused) never adds a record twice,
 * and a record always describes the two results that followed each other.
 * Returns 1 when written, 0 when the stored result is as new or newer, -1 when
 * another result was stored since the caller read (read again and retry).
 */
const WRITE_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
local currentAt = ''
if current then${COMPARED_CHECKED_AT_LUA}
end
if currentAt ~= '' and currentAt >= ARGV[2] then
  return 0
end
if currentAt ~= ARGV[4] then
  return -1
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
if ARGV[5] ~= '' then
  redis.call('LPUSH', KEYS[2], ARGV[5])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[6]) - 1)
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** WRITE_IF_NEWER, defined by ResultStore (EVALSHA, EVAL on NOSCRIPT: ioredis defineCommand). */
    mxvWriteResultIfNewer(
      key: string,
      historyKey: string,
      json: string,
      checkedAt: string,
      ttlMs: number,
      previousCheckedAt: string,
      changeRecord: string,
      historyMax: number,
    ): Result<number, Context>;
  }
}

export interface ResultStoreOptions {
  /** How long a stored result lives (README "Redis key layout": 30 days by default). */
  resultTtlMs: number;
  /** Approximate cap of the events stream (XADD MAXLEN ~). */
  eventsMaxLen: number;
  /** Told of every stored value a read refused (the API logs and counts them). */
  onUnreadable?: (domain: string, reason: UnreadableReason) => void;
  /** Change records kept per domain (the newest; README "History"). */
  historyMax: number;
}

/**
 * Why a stored value is refused: `not_json` (not a JSON object), `line_break`
 * (raw CR or LF bytes: JSON.stringify never writes them, and served as they are
 * they would end an SSE `data:` line and start an event of the writer's choosing),
 * `no_checked_at`, `schema` (JSON, but not a result of this schema).
 */
export type UnreadableReason = 'not_json' | 'line_break' | 'no_checked_at' | 'schema';

/** `unreadable`: something is stored that this store did not write (another version, an operator): never served. */
export type StoredResult =
  | { status: 'found'; result: CheckResult }
  | { status: 'not_found'; domain: string }
  | { status: 'unreadable'; domain: string; reason: UnreadableReason };

/**
 * A stored result as Redis holds it, for readers that pass it on without
 * parsing (the API's hot path, the SSE stream). `bytes` are exactly what write()
 * stored; checkedAt is read out of them in one place (stored-result-fields.ts).
 * `unreadable`: something is stored that this store did not write (no checkedAt,
 * not a JSON object, raw line breaks): served as no result rather than as it is.
 */
export type RawStoredResult =
  | { status: 'found'; domain: string; bytes: Buffer; checkedAt: string; checkedAtMs: number }
  | { status: 'not_found'; domain: string }
  | { status: 'unreadable'; domain: string; reason: UnreadableReason };

/**
 * `invalid`: the result does not match the schema (or its checkedAt is not an ISO 8601 instant); nothing was stored.
 * `written.changes`: what changed since the result it replaced (empty for a first result or when nothing that matters changed).
 */
export type WriteOutcome =
  { status: 'written'; changes: FieldChange[] } | { status: 'kept_newer' } | { status: 'invalid'; reason: string };

export interface WriteOptions {
  /** The clock of the results-per-minute counter. */
  now?: number;
  /**
   * Called with the changes the write is about to record, before it records
   * them, and never when there are none: from then on, whatever must follow
   * them (a watch's webhook) is owed by the caller, so a process that dies
   * between the write and its follow-up leaves that debt where the next run
   * finds it (VerifyJobProcessor). If it throws, nothing is written.
   */
  beforeRecording?: (changes: FieldChange[]) => Promise<void>;
}

const CLOSING_BRACE = 0x7d;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The stored bytes as a JSON object, or null when they are not one. */
function parseJsonObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
/**
 * Compare-and-set rounds before a write gives up. Each lost round means another
 * result of the domain was stored meanwhile, so the rounds are bounded by the
 * writers racing (the job id dedup keeps those to one or two in practice); this
 * only stops a livelock that would be a bug.
 */
const MAX_WRITE_ATTEMPTS = 100;

/**
 * The one module that writes results and reads them back: the worker writes
 * through it, the API, the page, `mxv show` and `mxv enqueue --max-age` read
 * through it. Nothing is stored that does not match the result schema, so a
 * reader that serves the bytes as they are serves a valid result.
 */
export class ResultStore {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #options: Omit<ResultStoreOptions, 'onUnreadable'>;
  readonly #onUnreadable: (domain: string, reason: UnreadableReason) => void;
  /** Results written and not yet added to their minute's counter, by counter key (one INCRBY per key and event-loop turn). */
  readonly #uncounted = new Map<string, number>();

  constructor(redis: FleetRedis, keys: FleetKeys, options: Partial<ResultStoreOptions> = {}) {
    this.#redis = redis;
    this.#keys = keys;
    const { onUnreadable, ...bounds } = options;
    this.#options = {
      resultTtlMs: DEFAULT_RESULT_TTL_MS,
      eventsMaxLen: DEFAULT_EVENTS_MAX_LEN,
      historyMax: DEFAULT_HISTORY_MAX,
      ...bounds,
    };
    this.#onUnreadable = onUnreadable ?? (() => undefined);
    if (!(this.#options.resultTtlMs >= 1_000)) throw new Error('resultTtlMs must be at least 1000');
    if (!(Number.isInteger(this.#options.historyMax) && this.#options.historyMax >= 1)) {
      throw new Error('historyMax must be a positive integer');
    }
    // Defining twice on one connection (two stores) only replaces the same script.
    redis.defineCommand('mxvWriteResultIfNewer', { numberOfKeys: 2, lua: WRITE_IF_NEWER });
  }

  async write(result: CheckResult, options: WriteOptions = {}): Promise<WriteOutcome> {
    const { now = Date.now(), beforeRecording } = options;
    const invalid = whyInvalid(result);
    if (invalid !== null) return { status: 'invalid', reason: invalid };
    const json = JSON.stringify(result);
    let changes: FieldChange[] = [];
    for (let attempt = 1; ; attempt += 1) {
      const previous = await this.#readPrevious(result.domain);
      if (previous.checkedAt !== '' && previous.checkedAt >= result.checkedAt) return { status: 'kept_newer' };
      changes = previous.result ? resultChanges(previous.result, result) : [];
      const record: ChangeRecord | null = changes.length > 0 ? { at: result.checkedAt, changes } : null;
      if (record !== null && beforeRecording) await beforeRecording(changes);
      const written = await this.#redis.mxvWriteResultIfNewer(
        this.#keys.result(result.domain),
        this.#keys.history(result.domain),
        json,
        result.checkedAt,
        this.#options.resultTtlMs,
        previous.checkedAt,
        record ? JSON.stringify(record) : '',
        this.#options.historyMax,
      );
      if (written === 0) return { status: 'kept_newer' };
      if (written === 1) break;
      // -1: another worker stored a result of this domain between our read and our write; each retry follows a write that happened.
      if (attempt >= MAX_WRITE_ATTEMPTS)
        throw new Error(`result of ${result.domain}: the stored result kept changing under the write`);
    }
    // The events and the counter live in other slots (Cluster), so they follow the
    // write instead of joining its script; a crash in between loses one event, never the result or its history.
    const minuteKey = this.#keys.statCompleted(Math.floor(now / 60_000));
    const events = this.#keys.events;
    const maxLen = this.#options.eventsMaxLen;
    // One pipeline (the stream is one slot); the counter follows, summed over the writes of this turn.
    const commands: KeyedCommand[] = [['xadd', events, 'MAXLEN', '~', maxLen, '*', ...eventEntryFields(result, null)]];
    if (changes.length > 0) {
      const changed = eventEntryFields(result, 'changed', { changes: JSON.stringify(changes) });
      commands.push(['xadd', events, 'MAXLEN', '~', maxLen, '*', ...changed]);
    }
    await execPerNode(this.#redis, commands);
    this.#countCompleted(minuteKey);
    return { status: 'written', changes };
  }

  /**
   * Adds one to the results-per-minute counter (`mxv status` rates), summed over
   * the writes of one event-loop turn: with hundreds of jobs in flight, one
   * INCRBY (and one EXPIRE) stands for many. Not awaited, as a counter that only
   * feeds a rate.
   */
  #countCompleted(minuteKey: string): void {
    const pending = this.#uncounted.get(minuteKey) ?? 0;
    this.#uncounted.set(minuteKey, pending + 1);
    if (this.#uncounted.size > 1 || pending > 0) return;
    setImmediate(() => {
      for (const [key, count] of this.#uncounted) {
        this.#redis.incrby(key, count).catch(() => undefined);
        this.#redis.expire(key, 86_400).catch(() => undefined);
      }
      this.#uncounted.clear();
    });
  }

  /**
   * The stored result the next one is compared with, as far as the comparison
   * reads it (comparableResultSchema); checkedAt '' when none (or unreadable:
   * then there is nothing to compare).
   */
  async #readPrevious(domain: string): Promise<{ checkedAt: string; result: ComparableResult | null }> {
    // One GET, not a pipeline of one: ioredis builds a pipeline object per call, costly on a connection with many scripts.
    const raw = await this.#redis.getBuffer(this.#keys.result(domain));
    if (raw === null) return { checkedAt: '', result: null };
    // The one the script will see, whatever the bytes are (a value this store did not write included).
    const checkedAt = comparedCheckedAtOf(raw);
    const parsed = comparableResultSchema.safeParse(parseJson(raw.toString('utf8')));
    // Not a result we can compare (or not the one its checkedAt says): nothing to compare with, but the script still compares.
    return { checkedAt, result: parsed.success && parsed.data.checkedAt === checkedAt ? parsed.data : null };
  }

  async get(domain: string): Promise<StoredResult> {
    const [stored] = await this.getMany([domain]);
    return stored ?? { status: 'not_found', domain };
  }

  /** One round trip for many domains (pipelined GETs: the keys may sit in different Cluster slots), parsed with the schema. */
  async getMany(domains: readonly string[]): Promise<StoredResult[]> {
    const raws = await this.#readMany(domains);
    return domains.map((domain, index): StoredResult => {
      const raw = raws[index];
      if (raw === null || raw === undefined) return { status: 'not_found', domain };
      const json = parseJsonObject(raw);
      const parsed = json === null ? null : checkResultSchema.safeParse(json);
      if (parsed?.success === true) return { status: 'found', result: parsed.data };
      return this.#unreadable(domain, json === null ? 'not_json' : 'schema');
    });
  }

  /** The stored bytes as they are, with the checkedAt the fast path needs (no parse, no re-serialization). */
  async readRaw(domain: string): Promise<RawStoredResult> {
    const [raw] = await this.#readMany([domain]);
    if (raw === null || raw === undefined) return { status: 'not_found', domain };
    // The bytes go out as they are (an HTTP body, an SSE data line): they must be one line of JSON.
    if (raw.includes(LINE_FEED) || raw.includes(CARRIAGE_RETURN)) return this.#unreadable(domain, 'line_break');
    if (raw.at(-1) !== CLOSING_BRACE || parseJsonObject(raw) === null) return this.#unreadable(domain, 'not_json');
    const checkedAt = checkedAtOf(raw);
    const checkedAtMs = checkedAt === null ? Number.NaN : Date.parse(checkedAt);
    if (checkedAt === null || !Number.isFinite(checkedAtMs)) return this.#unreadable(domain, 'no_checked_at');
    return { status: 'found', domain, bytes: raw, checkedAt, checkedAtMs };
  }

  #unreadable(domain: string, reason: UnreadableReason): { status: 'unreadable'; domain: string; reason: UnreadableReason } {
    this.#onUnreadable(domain, reason);
    return { status: 'unreadable', domain, reason };
  }

  /**
   * checkedAt (ms) of each domain's stored result, null when none: what `--max-age`
   * compares. Read out of the bytes rather than by a full parse: enqueue asks
   * this for every line of a million-line file.
   */
  async checkedAtMany(domains: readonly string[]): Promise<Array<number | null>> {
    const raws = await this.#readMany(domains);
    return raws.map((raw) => {
      const checkedAt = raw === null ? null : checkedAtOf(raw);
      const at = checkedAt === null ? Number.NaN : Date.parse(checkedAt);
      return Number.isFinite(at) ? at : null;
    });
  }

  async #readMany(domains: readonly string[]): Promise<Array<Buffer | null>> {
    if (domains.length === 0) return [];
    // Each result is in its domain's slot: one pipeline per master on a Cluster.
    const replies = await execPerNode(
      this.#redis,
      domains.map((domain): KeyedCommand => ['getBuffer', this.#keys.result(domain)]),
    );
    return domains.map((_, index) => {
      const [error, raw] = replies[index] ?? [null, null];
      if (error) throw error;
      return Buffer.isBuffer(raw) ? raw : null;
    });
  }
}

/** Why a result may not be stored, or null. The compare-and-set compares checkedAt as a string, so only toISOString()'s form is accepted. */
function whyInvalid(result: CheckResult): string | null {
  const parsed = checkResultSchema.safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `schema: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`;
  }
  const at = Date.parse(result.checkedAt);
  if (!isIsoInstant(result.checkedAt) || !Number.isFinite(at) || new Date(at).toISOString() !== result.checkedAt) {
    return `checkedAt: not an ISO 8601 instant in toISOString() form (${JSON.stringify(result.checkedAt.slice(0, 40))})`;
  }
  return null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
