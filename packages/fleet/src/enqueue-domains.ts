import { normalizeDomain } from '@mxv/probe';
import type { FleetRedis } from './redis-connection.js';
import { execPerNode } from './exec-per-node.js';
import { jobIdFor, VERIFY_JOB_NAME, type VerifyQueue } from './queue.js';
import type { FleetKeys } from './redis-keys.js';
import type { ResultStore } from './result-store.js';

export const DEFAULT_ENQUEUE_CHUNK = 1_000;
/** BullMQ's priority range: 1 is the highest, 2^21 the lowest; 0 means none (plain FIFO). */
import { MAX_PRIORITY } from './bounds.js';

export { MAX_PRIORITY };

/**
 * One input line: a string to normalize, or one the reader already rejected
 * (a line longer than it holds): counted and reported as invalid like any other.
 */
export type EnqueueInput = string | { status: 'rejected'; input: string; reason: string };

export interface EnqueueOptions {
  /** Lines per addBulk call (one round trip each). */
  chunkSize?: number;
  /** Skip a domain whose stored result is younger than this (ms); undefined: never skip. */
  maxAgeMs?: number;
  /** Enqueue even when a fresh result exists. */
  force?: boolean;
  /** BullMQ priority, 1 (highest) .. MAX_PRIORITY. */
  priority?: number;
  /** Called for every line that never reaches the queue because it is not a domain. */
  onInvalid?: (input: string, reason: string) => void | Promise<void>;
  /** Called after every chunk with the running totals. */
  onProgress?: (summary: Readonly<EnqueueSummary>) => void;
  now?: () => number;
}

export interface EnqueueSummary {
  /** Lines (and arguments) read. */
  read: number;
  /** Not a domain: counted, never queued. */
  invalid: number;
  /** Already waiting, delayed or running (or repeated within one chunk of the input). */
  duplicates: number;
  /** Stored result younger than --max-age. */
  fresh: number;
  enqueued: number;
}

/**
 * Streams domains into the queue in constant memory: one chunk at a time is
 * normalized, checked against existing jobs and stored results (two pipelined
 * round trips), and added with one addBulk; while Redis adds a chunk, the next
 * one is read and normalized (two chunks in memory at most). The job id is the domain, so even a
 * duplicate that slips past the check between two producers is ignored by BullMQ.
 */
export async function enqueueDomains(
  deps: { queue: VerifyQueue; redis: FleetRedis; keys: FleetKeys; store: ResultStore },
  inputs: AsyncIterable<EnqueueInput> | Iterable<EnqueueInput>,
  options: EnqueueOptions = {},
): Promise<EnqueueSummary> {
  const chunkSize = options.chunkSize ?? DEFAULT_ENQUEUE_CHUNK;
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new Error('chunkSize must be a positive integer');
  if (
    options.priority !== undefined &&
    !(Number.isInteger(options.priority) && options.priority >= 1 && options.priority <= MAX_PRIORITY)
  ) {
    throw new Error(`priority must be a whole number from 1 to ${MAX_PRIORITY}`);
  }
  const now = options.now ?? Date.now;
  const summary: EnqueueSummary = { read: 0, invalid: 0, duplicates: 0, fresh: 0, enqueued: 0 };
  let chunk: string[] = [];
  let seenInChunk = new Set<string>();
  // The chunk Redis is adding while the next one is read and normalized: one in flight at most,
  // and each chunk's existence check follows the previous chunk's add, so duplicates count as before.
  let inFlight: Promise<void> = Promise.resolve();

  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const domains = chunk;
    chunk = [];
    seenInChunk = new Set();
    await inFlight;
    inFlight = addChunk(deps, domains, options, now(), summary).then(() => options.onProgress?.(summary));
    // Awaited by the next flush (or at the end), which rethrows; this only keeps a failure from being unhandled meanwhile.
    inFlight.catch(() => undefined);
  };

  for await (const input of inputs) {
    summary.read += 1;
    const text = typeof input === 'string' ? input : input.input;
    const normalized =
      typeof input === 'string' ? normalizeDomain(input) : ({ status: 'invalid', reason: input.reason } as const);
    const id =
      normalized.status === 'valid' ? jobIdFor(normalized.domain) : ({ status: 'invalid', reason: normalized.reason } as const);
    if (id.status === 'invalid') {
      summary.invalid += 1;
      await options.onInvalid?.(text, id.reason);
      continue;
    }
    if (seenInChunk.has(id.jobId)) {
      summary.duplicates += 1;
      continue;
    }
    seenInChunk.add(id.jobId);
    chunk.push(id.jobId);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  await inFlight;
  return summary;
}

async function addChunk(
  deps: { queue: VerifyQueue; redis: FleetRedis; keys: FleetKeys; store: ResultStore },
  domains: string[],
  options: EnqueueOptions,
  nowMs: number,
  summary: EnqueueSummary,
): Promise<void> {
  // Jobs live in their shard's slot: with shards on a Cluster, one pipeline per master.
  const existence = execPerNode(
    deps.redis,
    domains.map((domain) => ['exists', deps.keys.job(domain)] as const),
  );
  const checkFreshness = options.maxAgeMs !== undefined && options.force !== true;
  const [exists, checkedAt] = await Promise.all([
    existence,
    checkFreshness ? deps.store.checkedAtMany(domains) : Promise.resolve(null),
  ]);
  const toAdd: string[] = [];
  domains.forEach((domain, index) => {
    const [error, present] = exists?.[index] ?? [null, 0];
    if (error) throw error;
    if (present === 1) {
      summary.duplicates += 1;
      return;
    }
    const at = checkedAt?.[index];
    if (options.maxAgeMs !== undefined && at !== undefined && at !== null && nowMs - at < options.maxAgeMs) {
      summary.fresh += 1;
      return;
    }
    toAdd.push(domain);
  });
  if (toAdd.length === 0) return;
  const opts = options.priority !== undefined ? { priority: options.priority } : {};
  await deps.queue.addBulk(toAdd.map((domain) => ({ name: VERIFY_JOB_NAME, data: {}, opts: { jobId: domain, ...opts } })));
  summary.enqueued += toAdd.length;
}
