import { Queue, type Job, type JobType } from 'bullmq';
import { z } from 'zod';
import type { FleetRedis } from './redis-connection.js';
import { changeValueSchema } from './history/change-record.js';
import type { FleetKeys } from './redis-keys.js';

/** The BullMQ job name of a domain check. */
export const VERIFY_JOB_NAME = 'check';

/**
 * A job's data, kept minimal (Redis bytes per queued domain, README "Redis key layout"): the job
 * id is the normalized domain, so the data only carries the retry count of
 * transient results (`t`, absent on the first run) and of runs that ended in an
 * error (`e`). Politeness deferrals do not count as either.
 */
export const verifyJobDataSchema = z.object({
  t: z.number().int().min(0).optional(),
  /**
   * A watched re-check (the watch's interval, ms): host probes older than this
   * are probed afresh instead of reused, so the check sees the world as it is now.
   */
  a: z.number().int().min(1).optional(),
  /** Runs so far that ended in an error instead of a result (RetryPolicy.maxErrorRuns), absent until one does. */
  e: z.number().int().min(0).optional(),
  /**
   * What follows the write of the result checked at `at` (watch webhooks,
   * certificate expiry) for its changes `c`: owed from before the write
   * records them until the job is done. The next run does only that follow-up
   * when that result is the stored one, and checks the domain as usual when it
   * never was stored (process-verify-job.ts).
   */
  f: z
    .object({
      at: z.string().max(64),
      c: z.array(z.object({ path: z.string().max(256), from: changeValueSchema, to: changeValueSchema })).max(10_000),
    })
    .optional(),
});
export type VerifyJobData = z.infer<typeof verifyJobDataSchema>;

/** One shard: a plain BullMQ queue under the shard's hash tag. */
export type VerifyQueueShard = Queue<VerifyJobData, void, string>;

export interface VerifyJobRequest {
  name: string;
  data: VerifyJobData;
  opts: { jobId: string; priority?: number };
}

/**
 * The verify queue as producers and `mxv status` see it, whatever the shard
 * count: a job goes to the shard of its id (`keys.shardOf`), counts are summed
 * over the shards. With one shard this is exactly the BullMQ queue `{mxv}`.
 */
export class VerifyQueue {
  readonly shards: readonly VerifyQueueShard[];
  readonly #keys: FleetKeys;

  constructor(redis: FleetRedis, keys: FleetKeys) {
    this.#keys = keys;
    this.shards = keys.shardPrefixes.map(
      (prefix) => new Queue<VerifyJobData, void, string>(keys.queueName, { connection: redis, prefix }),
    );
  }

  shardFor(jobId: string): VerifyQueueShard {
    const shard = this.shards[this.#keys.shardOf(jobId)];
    if (!shard) throw new Error(`no shard for ${jobId}`);
    return shard;
  }

  /** One addBulk per shard involved (each is one script call in one slot), all at once. */
  async addBulk(jobs: readonly VerifyJobRequest[]): Promise<void> {
    if (this.shards.length === 1) {
      await this.shards[0]?.addBulk([...jobs]);
      return;
    }
    const perShard = new Map<VerifyQueueShard, VerifyJobRequest[]>();
    for (const job of jobs) {
      const shard = this.shardFor(job.opts.jobId);
      const list = perShard.get(shard);
      if (list) list.push(job);
      else perShard.set(shard, [job]);
    }
    await Promise.all([...perShard].map(([shard, list]) => shard.addBulk(list)));
  }

  getJob(jobId: string): Promise<Job<VerifyJobData, void, string> | undefined> {
    return this.shardFor(jobId).getJob(jobId);
  }

  getJobState(jobId: string): ReturnType<VerifyQueueShard['getJobState']> {
    return this.shardFor(jobId).getJobState(jobId);
  }

  /** Jobs waiting, prioritized or delayed (BullMQ's Queue.count), summed over the shards. */
  async count(): Promise<number> {
    const counts = await Promise.all(this.shards.map((shard) => shard.count()));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Jobs waiting to run (not prioritized, not delayed), every shard's. */
  async getWaiting(): Promise<Array<Job<VerifyJobData, void, string>>> {
    return (await Promise.all(this.shards.map((shard) => shard.getWaiting()))).flat();
  }

  /** Jobs waiting with a priority, every shard's. */
  async getPrioritized(): Promise<Array<Job<VerifyJobData, void, string>>> {
    return (await Promise.all(this.shards.map((shard) => shard.getPrioritized()))).flat();
  }

  /** Counts per state, summed over the shards. */
  async getJobCounts(...states: JobType[]): Promise<Record<string, number>> {
    const perShard = await this.getJobCountsPerShard(...states);
    const total: Record<string, number> = {};
    for (const counts of perShard) for (const [state, n] of Object.entries(counts)) total[state] = (total[state] ?? 0) + n;
    return total;
  }

  /** Counts per state of each shard, shard 0 first. */
  getJobCountsPerShard(...states: JobType[]): Promise<Array<Record<string, number>>> {
    return Promise.all(this.shards.map((shard) => shard.getJobCounts(...states)));
  }

  on(event: 'error', listener: (error: Error) => void): this {
    for (const shard of this.shards) shard.on(event, listener);
    return this;
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.close()));
  }
}

export function createVerifyQueue(redis: FleetRedis, keys: FleetKeys): VerifyQueue {
  return new VerifyQueue(redis, keys);
}

export type JobIdCheck = { status: 'ok'; jobId: string } | { status: 'invalid'; reason: string };

/**
 * The job id of a normalized domain. BullMQ refuses ids that parse as integers
 * (they collide with its own counter ids) and ids with ":"; an all-digit name
 * cannot be a mail domain anyway (RFC 3696 2: a TLD is never all-numeric).
 */
export function jobIdFor(domain: string): JobIdCheck {
  if (/^\d+$/.test(domain)) return { status: 'invalid', reason: 'numeric_name' };
  if (domain.includes(':')) return { status: 'invalid', reason: 'bad_character' };
  return { status: 'ok', jobId: domain };
}
