import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DelayedError, Worker, type Job } from 'bullmq';
import { defaultsOf } from '@mxv/probe/bounds';
import type { FleetRedis } from './redis-connection.js';
import type { Logger } from 'pino';
import { JobDeadlineError, type VerifyJobOutcome, type VerifyJobProcessor } from './process-verify-job.js';
import { VERIFY_WORKER_BOUNDS } from './bounds.js';
import type { VerifyJobData } from './queue.js';
import type { FleetKeys } from './redis-keys.js';
import { recordJobOutcome } from './metrics/record-job-outcome.js';
import type { WorkMetrics } from './metrics/work-metrics.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';

export interface VerifyWorkerOptions {
  /** Jobs in flight in this process. */
  concurrency: number;
  /**
   * BullMQ job lock: renewed every half of it while the job runs; when a worker
   * dies (SIGKILL) its jobs are taken back after the lock lapses.
   */
  lockDurationMs: number;
  /** How often this worker looks for jobs whose lock lapsed (stalled-job recovery). */
  stalledIntervalMs: number;
  /** A job that stalls more often than this (it keeps killing its workers) is failed instead of retried. */
  maxStalledCount: number;
  /** A run still going after this is aborted and its job put back as an error run (VERIFY_WORKER_BOUNDS). */
  jobDeadlineMs: number;
  heartbeatMs: number;
}

/** Written once, with the ranges the CLI checks, in bounds.ts. */
export const DEFAULT_VERIFY_WORKER: VerifyWorkerOptions = defaultsOf(VERIFY_WORKER_BOUNDS);

export type DrainOutcome = { status: 'drained'; ms: number } | { status: 'handed_back'; ms: number; jobs: number };

/**
 * The controller whose signal a job's check gets. Every DNS question and
 * connection of the check listens on it while in flight (a domain with 16
 * exchanges asks 32 address questions at once): more than Node's default of 10
 * listeners is expected, not a leak, and Node's warning about it would be
 * printed again for each job's signal.
 */
export function jobAbortController(): AbortController {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  return abort;
}

/**
 * One stateless worker process, step 1 of a job: a BullMQ Worker that hands
 * each job to VerifyJobProcessor (which checks the domain through
 * FleetDomainChecker and writes the result to ResultStore), then turns the
 * outcome into what BullMQ understands (DelayedError), metrics and a log line.
 * Completed and failed jobs are removed at once (the result lives under its own
 * key), so Redis holds only work and results.
 */
export class VerifyWorker {
  readonly id: string;
  /** One BullMQ Worker per queue shard, together taking at most `concurrency` jobs. */
  readonly #workers: ReadonlyArray<Worker<VerifyJobData, void, string>>;
  readonly #heartbeat: WorkerHeartbeat;
  readonly #logger: Logger;
  readonly #inFlight = new Map<string, AbortController>();
  readonly #metrics: WorkMetrics | null;
  readonly #concurrency: number;
  readonly #jobDeadlineMs: number;
  readonly #processor: VerifyJobProcessor;
  #processed = 0;
  #state: 'idle' | 'running' | 'closing' = 'idle';
  /** Paused by the egress guard: our own egress is broken, so the jobs wait in the queue (egress/egress-guard.ts). */
  #egressPaused = false;
  #egressDetail: string | null = null;
  /** Settles when close() is done: run() waits on it, since BullMQ's own run() also returns on pause. */
  readonly #closed: Promise<void>;
  #markClosed: () => void = () => undefined;

  constructor(
    redis: FleetRedis,
    keys: FleetKeys,
    processor: VerifyJobProcessor,
    options: VerifyWorkerOptions,
    logger: Logger,
    metrics: WorkMetrics | null = null,
  ) {
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
    this.id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#processor = processor;
    this.#metrics = metrics;
    this.#concurrency = options.concurrency;
    this.#jobDeadlineMs = options.jobDeadlineMs;
    this.#logger = logger.child({ worker: this.id });
    this.#heartbeat = new WorkerHeartbeat(redis, keys, this.id, options.heartbeatMs, () => ({
      host: hostname(),
      pid: process.pid,
      concurrency: options.concurrency,
      inFlight: this.#inFlight.size,
      processed: this.#processed,
      // `mxv status` shows these: a worker paused for egress is alive but takes no jobs.
      egress: this.#egressPaused ? 'paused' : 'ok',
      ...(this.#egressPaused && this.#egressDetail ? { egressDetail: this.#egressDetail } : {}),
    }));
    const shares = concurrencyShares(options.concurrency, keys.shardPrefixes.length);
    this.#workers = keys.shardPrefixes.map((prefix, shard) => {
      const worker = new Worker<VerifyJobData, void, string>(keys.queueName, (job, token) => this.#run(job, token), {
        connection: redis,
        prefix,
        concurrency: shares[shard] ?? 1,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        maxStalledCount: options.maxStalledCount,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
        autorun: false,
        name: this.id,
      });
      const log = keys.shardPrefixes.length > 1 ? this.#logger.child({ shard }) : this.#logger;
      worker.on('failed', (job, error) => log.error({ jobId: job?.id, domain: job?.id, err: error }, 'job failed'));
      worker.on('stalled', (jobId) => log.warn({ jobId, domain: jobId }, 'job stalled; taken back for another run'));
      worker.on('error', (error) => log.error({ err: error }, 'worker error'));
      return worker;
    });
  }

  /** Starts taking jobs; resolves once the worker has stopped (after close). */
  async run(): Promise<void> {
    await this.#heartbeat.start();
    this.#state = 'running';
    this.#logger.info('worker started');
    if (this.#egressPaused) await Promise.all(this.#workers.map((worker) => worker.pause(true)));
    await Promise.all(this.#workers.map((worker) => worker.run()));
    // BullMQ's run() also returns when the worker is paused (its main loop ends, and
    // resume() starts it again by itself): this worker has stopped only once closed.
    if (this.#egressPaused || this.#workers.some((worker) => worker.isPaused())) await this.#closed;
  }

  /**
   * The egress guard's verdict: false stops taking jobs (those running finish
   * and are judged by the guard), true takes them again. Reported through the
   * heartbeat (`mxv status`), readiness and `mxv_worker_egress_ok`.
   */
  setEgress(ok: boolean, detail: string): void {
    if (ok === !this.#egressPaused) return;
    this.#egressPaused = !ok;
    this.#egressDetail = detail;
    this.#metrics?.egressOk.set(ok ? 1 : 0);
    if (ok) this.#logger.info({ detail }, 'egress works again: taking jobs');
    else this.#logger.warn({ detail }, 'egress broken: paused, jobs stay queued');
    void this.#heartbeat.beat().catch(() => undefined);
    if (this.#state !== 'running') return;
    for (const worker of this.#workers) {
      if (ok) void worker.resume();
      else void worker.pause(true);
    }
  }

  /** Paused because the canary cannot be reached. */
  isEgressPaused(): boolean {
    return this.#egressPaused;
  }

  async #run(job: Job<VerifyJobData, void, string>, token: string | undefined): Promise<void> {
    const key = `${job.id ?? ''}:${token ?? ''}`;
    const abort = jobAbortController();
    this.#inFlight.set(key, abort);
    const started = Date.now();
    const deadline = setTimeout(() => abort.abort(new JobDeadlineError(this.#jobDeadlineMs)), this.#jobDeadlineMs);
    try {
      let outcome: VerifyJobOutcome;
      try {
        outcome = await this.#processor.process(job, token, abort.signal);
      } catch (error) {
        this.#metrics?.jobsFailed.inc({ reason: 'error' });
        throw error;
      }
      if (this.#metrics) recordJobOutcome(this.#metrics, outcome);
      // Each log line's fields are written out, not `{ ...log, verdict }`: on V8 11 (Node 20) a literal that
      // starts with a spread and then adds keys makes new hidden classes each time (old-space garbage per job).
      const jobId = job.id;
      const ms = Date.now() - started;
      if (outcome.status === 'delayed') {
        const { why, delayMs, reason, attempt } = outcome;
        this.#logger[why === 'error' ? 'warn' : 'debug'](
          { jobId, domain: jobId, ms, why, delayMs, reason, attempt },
          'job delayed',
        );
        throw new DelayedError();
      }
      if (outcome.status === 'bad_job') {
        this.#logger.error({ jobId, domain: jobId, ms, reason: outcome.reason }, 'bad job dropped');
        return;
      }
      if (outcome.status === 'followed_up') {
        const { checkedAt, done } = outcome;
        this.#logger.info({ jobId, domain: jobId, ms, checkedAt, done }, 'follow-up of a stored result done');
        return;
      }
      if (outcome.status === 'rejected') {
        // The engine made a result the schema refuses: our bug, and a re-run would repeat it.
        this.#logger.error(
          { jobId, domain: jobId, ms, verdict: outcome.result.verdict, reason: outcome.reason },
          'result rejected by the store',
        );
        return;
      }
      this.#processed += 1;
      this.#logger.info(
        { jobId, domain: jobId, ms, verdict: outcome.result.verdict, attempts: outcome.result.attempts, write: outcome.write },
        'result stored',
      );
    } finally {
      clearTimeout(deadline);
      this.#inFlight.delete(key);
    }
  }

  /** Jobs running now and the configured concurrency (the worker's saturation gauges). */
  load(): { inFlight: number; concurrency: number } {
    return { inFlight: this.#inFlight.size, concurrency: this.#concurrency };
  }

  /** Taking jobs (readiness): false before run() and from the moment a drain starts. */
  isTakingJobs(): boolean {
    return this.#state === 'running' && !this.#egressPaused && this.#workers.every((worker) => worker.isRunning());
  }

  /**
   * SIGTERM: stop taking jobs and let running ones finish for up to
   * `drainTimeoutMs`; past that, abort them and hand them back to the queue
   * (delayed with no delay) so another worker runs them now rather than after
   * their lock lapses.
   */
  async close(drainTimeoutMs: number): Promise<DrainOutcome> {
    const started = Date.now();
    this.#state = 'closing';
    const closing = Promise.all(this.#workers.map((worker) => worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), drainTimeoutMs))),
    ]);
    clearTimeout(timer);
    let handedBack = 0;
    if (timedOut) {
      handedBack = this.#inFlight.size;
      this.#logger.warn({ jobs: handedBack }, 'drain timeout: handing running jobs back');
      for (const abort of this.#inFlight.values()) abort.abort();
      // A probe stuck past its abort still ends within its own budget; do not wait longer than one more drain period.
      const closed = await Promise.race([closing.then(() => true), delay(drainTimeoutMs).then(() => false)]);
      if (!closed) await Promise.all(this.#workers.map((worker) => worker.close(true)));
    }
    await this.#heartbeat.stop();
    this.#markClosed();
    const ms = Date.now() - started;
    this.#logger.info({ ms, handedBack }, 'worker stopped');
    return timedOut ? { status: 'handed_back', ms, jobs: handedBack } : { status: 'drained', ms };
  }
}

/**
 * The process's concurrency split over the shards, as evenly as whole numbers
 * allow (shard i gets one more while the remainder lasts), so the total in
 * flight is exactly `concurrency`. Domains are placed by hash, so the shards
 * fill evenly and a fixed share loses little; only at the tail of a run does
 * a drained shard's share idle while another still has work. At least one
 * each, so every shard is read (the CLI refuses --concurrency below --shards).
 */
export function concurrencyShares(concurrency: number, shards: number): number[] {
  const base = Math.floor(concurrency / shards);
  const extra = concurrency % shards;
  return Array.from({ length: shards }, (_, shard) => Math.max(1, base + (shard < extra ? 1 : 0)));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
