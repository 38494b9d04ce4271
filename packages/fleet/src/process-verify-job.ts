import { isTransientResult, type DomainCheck } from '@mxv/probe';
import { defaultsOf } from '@mxv/probe/bounds';
import type { CheckResult } from '@mxv/schema';
import { RETRY_BOUNDS } from './bounds.js';
import { verifyJobDataSchema, type VerifyJobData } from './queue.js';
import type { StoredResult, WriteOptions, WriteOutcome } from './result-store.js';
import type { FieldChange } from './history/result-changes.js';

export interface RetryPolicy {
  /** Runs of a domain whose result is transient, the last one stored whatever it says. */
  maxAttempts: number;
  /** Delay before the first re-run of a transient result; doubles each time. */
  retryBaseMs: number;
  /** Random extra delay (0..jitterMs) so deferred jobs that share a host do not come back in one burst. */
  jitterMs: number;
  /** Runs of a job that ended in an error instead of a result; the last one fails the job (RETRY_BOUNDS). */
  maxErrorRuns: number;
  /** After its abort, how long a run may take to end before its job is put back without it (RETRY_BOUNDS). */
  abortGraceMs: number;
}

/**
 * The abort reason of a run past its job deadline (the worker's
 * `--job-deadline-ms`): put back as an error run, where any other abort is a
 * worker shutting down and hands the job back at once, uncounted.
 */
export class JobDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`job deadline of ${deadlineMs} ms passed`);
    this.name = 'JobDeadlineError';
  }
}

/** Written once, with the ranges the CLI checks, in bounds.ts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = defaultsOf(RETRY_BOUNDS);

/** What the processor needs of a BullMQ job: an interface, so the logic is tested without a queue. */
export interface VerifyJobHandle {
  id?: string | undefined;
  data: unknown;
  updateData(data: VerifyJobData): Promise<void>;
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

/** Runs the engine on one domain: FleetDomainChecker in a worker, a fake in tests. */
export interface DomainChecker {
  /** `maxHostAgeMs`: cached host probes older than this are not reused (a watched re-check). */
  check(domain: string, signal?: AbortSignal, options?: { maxHostAgeMs?: number }): Promise<DomainCheck>;
}

/** Stores a final result, and reads it back for a follow-up owed: ResultStore in a worker, a fake in tests. */
export interface ResultWriter {
  write(result: CheckResult, options?: WriteOptions): Promise<WriteOutcome>;
  get(domain: string): Promise<StoredResult>;
}

/**
 * What follows a written result (the watch list's webhooks and certificate
 * expiry): called after the write, never for a kept_newer or rejected one.
 */
export interface StoredResultFollower {
  afterWrite(result: CheckResult, changes: FieldChange[]): Promise<void>;
}

/** Whether a result may be stored, or was gathered while our own egress was in doubt (egress/egress-guard.ts). */
export interface EgressJudge {
  judge(result: CheckResult, startedAt: number): Promise<'final' | 'in_doubt'>;
}

export interface VerifyJobClock {
  now: () => number;
  /** 0 ≤ x < 1, for the jitter. */
  random: () => number;
}

/**
 * What happened to one job run; the BullMQ wrapper turns `delayed` into
 * DelayedError (the job waits in the delayed set, not in a worker slot).
 * `rejected`: the store refused the result (it does not match the schema): a
 * fault of ours that a re-run would repeat, so the job ends without a result.
 */
export type VerifyJobOutcome =
  | { status: 'stored'; result: CheckResult; write: 'written' | 'kept_newer' }
  | {
      status: 'delayed';
      /**
       * egress: the result was gathered while the worker's egress was in doubt; the run does not count as an attempt.
       * error: the run threw (Redis refused or lost a command); it counts against maxErrorRuns, not attempts.
       */
      why: 'deferred' | 'transient' | 'handed_back' | 'egress' | 'error';
      delayMs: number;
      reason: string;
      attempt: number;
    }
  | { status: 'rejected'; result: CheckResult; reason: string }
  /**
   * A run that only did what an earlier run owed after its write (`f` in the
   * job data): `done` false when a later run replaced the result it was owed
   * for (and followed its own write). When that result was never stored (or
   * has expired), the run checks the domain instead.
   */
  | { status: 'followed_up'; checkedAt: string; done: boolean }
  | { status: 'bad_job'; reason: string };

/**
 * One run of one verify job, from the job to the stored result: read the job
 * (the id is the domain, the data counts earlier runs), check the domain
 * (DomainChecker), then either put the job back (deferred host, transient
 * result, shutdown) or write the result (ResultWriter). Queue mechanics stay
 * behind VerifyJobHandle; the outcome is returned as data.
 *
 * A run that throws (a Redis command refused or lost: NOPERM, OOM, a Cluster
 * slot still moving, a pipeline dropped in a reconnect; or a bug of ours) is
 * put back like a transient result instead of failing the job, which BullMQ
 * would remove with its domain unchecked. Only the last of maxErrorRuns, or a
 * put-back that itself fails, reaches BullMQ as an error: if Redis cannot take
 * the put-back it cannot take the failure either, and the job's lock lapses
 * into stalled-job recovery, which runs it again.
 *
 * An aborted run (`signal`: the job deadline or a drain) that has not ended
 * abortGraceMs later is abandoned: the job is put back without waiting for it,
 * since what hangs may be a Redis command that never settles. If it ends
 * later after all, its write is the result store's compare-and-set on
 * `checkedAt` like any duplicate run's.
 */
export class VerifyJobProcessor {
  readonly #checker: DomainChecker;
  readonly #store: ResultWriter;
  readonly #retry: RetryPolicy;
  readonly #clock: VerifyJobClock;
  readonly #follower: StoredResultFollower | null;
  readonly #egress: EgressJudge | null;

  constructor(
    checker: DomainChecker,
    store: ResultWriter,
    retry: RetryPolicy,
    clock: VerifyJobClock = { now: Date.now, random: Math.random },
    follower: StoredResultFollower | null = null,
    egress: EgressJudge | null = null,
  ) {
    this.#egress = egress;
    this.#checker = checker;
    this.#store = store;
    this.#retry = retry;
    this.#clock = clock;
    this.#follower = follower;
  }

  async process(job: VerifyJobHandle, token: string | undefined, signal?: AbortSignal): Promise<VerifyJobOutcome> {
    const domain = job.id;
    if (!domain) return { status: 'bad_job', reason: 'job without id' };
    const parsed = verifyJobDataSchema.safeParse(job.data ?? {});
    const data: VerifyJobData = parsed.success ? parsed.data : {};
    try {
      const run = this.#run(domain, data, job, token, signal);
      return await (signal ? settleWithin(run, signal, this.#retry.abortGraceMs) : run);
    } catch (error) {
      return await this.#putBackAfterError(error, data, job, token, signal);
    }
  }

  async #run(
    domain: string,
    data: VerifyJobData,
    job: VerifyJobHandle,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<VerifyJobOutcome> {
    if (data.f) {
      const followedUp = this.#follower ? await this.#followUp(domain, data.f, this.#follower) : null;
      if (followedUp !== null) return followedUp;
      // The run that owed it stopped before its write: nothing was stored, so the domain is checked as usual.
      const { f: _neverWritten, ...rest } = data;
      data = rest;
    }
    const { now } = this.#clock;
    const previousRuns = data.t ?? 0;
    const maxHostAgeMs = data.a;
    const attempt = previousRuns + 1;
    const startedAt = now();

    const outcome = await this.#checker.check(domain, signal, maxHostAgeMs !== undefined ? { maxHostAgeMs } : {});
    // Aborted: what the engine made of it is not a result. Put back by #putBackAfterError (shutdown or deadline).
    if (signal?.aborted) throw abortReason(signal);
    if (outcome.status === 'deferred') {
      const delayMs = Math.max(1, outcome.retryAfterMs) + this.#jitter();
      await job.moveToDelayed(now() + delayMs, token);
      return { status: 'delayed', why: 'deferred', delayMs, reason: outcome.reason, attempt };
    }
    const result = outcome.result;
    if (this.#egress && (await this.#egress.judge(result, startedAt)) === 'in_doubt') {
      // Not the hosts' fault, maybe: run again once egress is known good, without spending an attempt.
      const delayMs = this.#retry.retryBaseMs + this.#jitter();
      await job.moveToDelayed(now() + delayMs, token);
      return { status: 'delayed', why: 'egress', delayMs, reason: 'egress_in_doubt', attempt };
    }
    if (isTransientResult(result) && attempt < this.#retry.maxAttempts) {
      const delayMs = this.#retry.retryBaseMs * 2 ** previousRuns + this.#jitter();
      await job.updateData({ ...data, t: attempt });
      await job.moveToDelayed(now() + delayMs, token);
      return { status: 'delayed', why: 'transient', delayMs, reason: result.verdict, attempt };
    }
    // Object.assign, not `{ ...result, attempts }`: on V8 11 (Node 20) a literal that starts with a spread and
    // then adds a key makes a new hidden class each time, old-space garbage for every job.
    const stored: CheckResult = Object.assign({}, result, { attempts: attempt });
    const follower = this.#follower;
    // Once the result and its history are stored, a re-run would compare against them and find nothing changed:
    // the follow-up of the changes is owed from before the write records them, in the job's own data, so that
    // neither an error nor the process dying between the write and the follow-up loses it.
    let owed: OwedFollowUp | null = null;
    const oweChanges = async (changes: FieldChange[]): Promise<void> => {
      owed = { at: stored.checkedAt, c: changes };
      await job.updateData({ ...data, f: owed });
    };
    try {
      const write = await this.#store.write(stored, follower ? { beforeRecording: oweChanges } : {});
      if (write.status === 'invalid') return { status: 'rejected', result: stored, reason: write.reason };
      if (write.status === 'written' && follower) await follower.afterWrite(stored, write.changes);
      return { status: 'stored', result: stored, write: write.status };
    } catch (error) {
      // Owed even when the write itself failed: the next run follows up only if the result was stored after all.
      if (owed !== null) throw new FollowUpOwed(error, owed);
      throw error;
    }
  }

  /**
   * Runs the follow-up an earlier run owed (its changes are idempotent to
   * announce: webhook job ids, expiry marks) when its result is the stored
   * one; drops it when a later check replaced that result. Null when the
   * result was never stored (the run died or failed before its write): the
   * domain still needs its check.
   */
  async #followUp(domain: string, owed: OwedFollowUp, follower: StoredResultFollower): Promise<VerifyJobOutcome | null> {
    const stored = await this.#store.get(domain);
    if (stored.status !== 'found') return null;
    if (stored.result.checkedAt === owed.at) {
      await follower.afterWrite(stored.result, owed.c);
      return { status: 'followed_up', checkedAt: owed.at, done: true };
    }
    // toISOString() instants compare as strings (ResultStore's compare-and-set relies on the same).
    if (stored.result.checkedAt > owed.at) return { status: 'followed_up', checkedAt: owed.at, done: false };
    return null;
  }

  /** The run threw: put the job back (see the class comment), or rethrow on the last error run or a failed put-back. */
  async #putBackAfterError(
    error: unknown,
    data: VerifyJobData,
    job: VerifyJobHandle,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<VerifyJobOutcome> {
    const { now } = this.#clock;
    const attempt = (data.t ?? 0) + 1;
    const errorRuns = (data.e ?? 0) + 1;
    const shuttingDown = signal?.aborted === true && !(signal.reason instanceof JobDeadlineError);
    if (errorRuns >= this.#retry.maxErrorRuns && !shuttingDown) throw error;
    try {
      if (shuttingDown) {
        // Draining past its timeout: hand the job back at once instead of letting its lock lapse.
        await job.moveToDelayed(now(), token);
        return { status: 'delayed', why: 'handed_back', delayMs: 0, reason: 'worker_shutdown', attempt };
      }
      const delayMs = this.#retry.retryBaseMs * 2 ** Math.min(errorRuns - 1, MAX_ERROR_DOUBLINGS) + this.#jitter();
      await job.updateData({ ...data, e: errorRuns, ...(error instanceof FollowUpOwed ? { f: error.owed } : {}) });
      await job.moveToDelayed(now() + delayMs, token);
      return { status: 'delayed', why: 'error', delayMs, reason: errorReason(error), attempt };
    } catch {
      // The put-back failed too: BullMQ gets the run's own error (see the class comment).
      throw error;
    }
  }

  #jitter(): number {
    return Math.floor(this.#clock.random() * this.#retry.jitterMs);
  }
}

type OwedFollowUp = NonNullable<VerifyJobData['f']>;

/** What follows a write failed: the run's error, and the follow-up the job now owes. */
class FollowUpOwed extends Error {
  constructor(
    failure: unknown,
    readonly owed: OwedFollowUp,
  ) {
    super(failure instanceof Error ? failure.message : 'follow-up failed');
    this.name = 'FollowUpOwed';
  }
}

/** The error-run delay doubles at most this often (retryBaseMs × 64), so a long outage is polled, not waited out for hours. */
const MAX_ERROR_DOUBLINGS = 6;

/** Why `signal` was aborted, as an Error to throw. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * `run`, or once `signal` is aborted and `graceMs` more have passed without it
 * settling, a rejection with the abort's reason (the run is left to itself).
 */
function settleWithin<T>(run: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => reject(abortReason(signal)), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void run.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/** For the log line: the error's message, bounded (it may quote a Redis reply). */
function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : `non-Error thrown (${typeof error})`;
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
