import { normalizeDomain } from '@mxv/probe';
import type { Result } from 'ioredis';
import type { FleetRedis } from './redis-connection.js';
import type { PipelineReplies } from './exec-per-node.js';
import { indexGroups } from './index-groups.js';
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
  /**
   * A domain whose job is already waiting at a lower priority (an anonymous refresh's, the lowest) is
   * raised to this call's (none, the highest, when `priority` is not given): otherwise whoever queued it
   * first would keep everyone else's check of it behind the whole backlog. Two round trips per such
   * duplicate, so for the API's bounded requests, not for a bulk list.
   */
  raiseDuplicates?: boolean;
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
 * At most this many chunks are being added at once: while Redis runs one chunk's scripts, the client
 * builds the next one's (building a chunk's commands costs the client about as long as Redis takes to run
 * them, so with one at a time each side waited for the other half the time).
 */
const ADDS_IN_FLIGHT = 2;

/**
 * Streams domains into the queue in constant memory: one chunk at a time is
 * normalized, checked against existing jobs and stored results (two pipelined
 * round trips), and added with one addBulk; while Redis adds a chunk, the next
 * ones are read, checked and built (at most ADDS_IN_FLIGHT chunks being added,
 * one being checked, one being read). A domain that a chunk still being added
 * holds counts as a duplicate, as the existence check would count it once that
 * add is done. The job id is the domain, so even a duplicate that slips past the
 * check between two producers is ignored by BullMQ.
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
  deps.redis.defineCommand('mxvJobsExist', { lua: JOBS_EXIST });
  const summary: EnqueueSummary = { read: 0, invalid: 0, duplicates: 0, fresh: 0, enqueued: 0 };
  let chunk: string[] = [];
  let seenInChunk = new Set<string>();
  // Oldest first; each settles after its totals are counted and reported, so reports keep the input's order.
  const adding: ChunkAdd[] = [];

  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const domains = chunk;
    chunk = [];
    seenInChunk = new Set();
    // The adds this lookup may not see: those not done when it starts (one that ends meanwhile is still in this list).
    const unseenAdds = [...adding];
    const lookedUp = lookUpChunk(deps, domains, options);
    // Awaited just below; this only keeps a failure from being unhandled while an older add is awaited.
    lookedUp.catch(() => undefined);
    while (adding.length >= ADDS_IN_FLIGHT) await adding.shift()?.done;
    const lookup = await lookedUp;
    const toAdd = chooseJobsToAdd(domains, lookup, unseenAdds, options, now(), summary);
    if (options.raiseDuplicates === true) {
      const queued = domains.filter((_, index) => lookup.exists?.[index]?.[1] === 1);
      await Promise.all(queued.map((domain) => raiseWaitingJob(deps.queue, domain, options.priority ?? 0)));
    }
    const previous = adding.at(-1)?.done ?? Promise.resolve();
    const added = toAdd.length === 0 ? Promise.resolve() : addJobs(deps.queue, toAdd, options);
    const done = Promise.all([added, previous]).then(() => {
      summary.enqueued += toAdd.length;
      options.onProgress?.(summary);
    });
    // Awaited by a later flush (or at the end), which rethrows; this only keeps a failure from being unhandled meanwhile.
    done.catch(() => undefined);
    adding.push({ jobIds: new Set(toAdd), done });
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
  for (const chunkAdd of adding) await chunkAdd.done;
  return summary;
}

interface ChunkAdd {
  jobIds: ReadonlySet<string>;
  done: Promise<void>;
}

interface ChunkLookup {
  exists: PipelineReplies;
  checkedAt: Array<number | null> | null;
}

/** EXISTS of every key given, one reply each (1 or 0), in the order given. */
const JOBS_EXIST = `local found = {}
for i = 1, #KEYS do found[i] = redis.call('EXISTS', KEYS[i]) end
return found`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** JOBS_EXIST, defined by jobsExist (a key count first: the number of keys varies per call). */
    mxvJobsExist(keyCount: number, ...keys: string[]): Result<number[], Context>;
  }
}

/**
 * Which of `domains` already have a job: one script call per shard (a shard's jobs share its
 * hash tag, so the call is single-slot on a Cluster), not one EXISTS each. Building a thousand
 * commands was a fifth of the producer's CPU per chunk, and the producer, not Redis, bounds the rate.
 */
async function jobsExist(redis: FleetRedis, keys: FleetKeys, domains: readonly string[]): Promise<PipelineReplies> {
  const byShard = indexGroups(domains, (domain) => keys.shardOf(domain));
  const replies: PipelineReplies = new Array(domains.length);
  await Promise.all(
    [...byShard.values()].map(async (indexes) => {
      const jobKeys = indexes.map((index) => keys.job(domains[index] ?? ''));
      const found = await redis.mxvJobsExist(jobKeys.length, ...jobKeys);
      indexes.forEach((domainIndex, position) => {
        replies[domainIndex] = [null, found[position] ?? 0];
      });
    }),
  );
  return replies;
}

/** Which of the chunk's domains already have a job, and (with --max-age) when each was last checked. */
async function lookUpChunk(
  deps: { redis: FleetRedis; keys: FleetKeys; store: ResultStore },
  domains: string[],
  options: EnqueueOptions,
): Promise<ChunkLookup> {
  const existence = jobsExist(deps.redis, deps.keys, domains);
  const checkFreshness = options.maxAgeMs !== undefined && options.force !== true;
  const [exists, checkedAt] = await Promise.all([
    existence,
    checkFreshness ? deps.store.checkedAtMany(domains) : Promise.resolve(null),
  ]);
  return { exists, checkedAt };
}

/** The chunk's domains to add: not queued (nor being added by an earlier chunk), not fresh; counts the others. */
function chooseJobsToAdd(
  domains: string[],
  { exists, checkedAt }: ChunkLookup,
  unseenAdds: readonly ChunkAdd[],
  options: EnqueueOptions,
  nowMs: number,
  summary: EnqueueSummary,
): string[] {
  const toAdd: string[] = [];
  domains.forEach((domain, index) => {
    const [error, present] = exists?.[index] ?? [null, 0];
    if (error) throw error;
    if (present === 1 || unseenAdds.some((chunkAdd) => chunkAdd.jobIds.has(domain))) {
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
  return toAdd;
}

/** BullMQ runs jobs without a priority (0) first, then 1, 2, ...: the smaller, the sooner. */
const WAITING_STATES: ReadonlySet<string> = new Set(['waiting', 'prioritized']);

/** Gives a job still waiting `priority` when that runs it sooner; one running, delayed or gone is left alone. */
async function raiseWaitingJob(queue: VerifyQueue, domain: string, priority: number): Promise<void> {
  const job = await queue.getJob(domain);
  if (job === undefined || priority >= (job.priority ?? 0)) return;
  if (!WAITING_STATES.has(await queue.getJobState(domain))) return;
  try {
    await job.changePriority({ priority });
  } catch (error) {
    // A worker took it between the two questions: nothing left to raise.
    if (WAITING_STATES.has(await queue.getJobState(domain))) throw error;
  }
}

async function addJobs(queue: VerifyQueue, domains: string[], options: EnqueueOptions): Promise<void> {
  const opts = options.priority !== undefined ? { priority: options.priority } : {};
  await queue.addBulk(domains.map((domain) => ({ name: VERIFY_JOB_NAME, data: {}, opts: { jobId: domain, ...opts } })));
}
