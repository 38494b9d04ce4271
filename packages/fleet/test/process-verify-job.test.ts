import type { DomainCheck } from '@mxv/probe';
import type { CheckResult } from '@mxv/schema';
import { describe, expect, it } from 'vitest';
import type { FieldChange } from '../src/history/result-changes.js';
import { JobDeadlineError, VerifyJobProcessor, type ResultWriter, type VerifyJobHandle } from '../src/process-verify-job.js';
import type { VerifyJobData } from '../src/queue.js';
import type { StoredResult, WriteOptions } from '../src/result-store.js';
import { sampleResult } from './support/sample-result.js';

class FakeJob implements VerifyJobHandle {
  moves: Array<{ at: number; token?: string }> = [];
  constructor(
    public id: string | undefined,
    public data: unknown = {},
  ) {}
  async updateData(data: VerifyJobData): Promise<void> {
    this.data = data;
  }
  async moveToDelayed(timestamp: number, token?: string): Promise<void> {
    this.moves.push({ at: timestamp, ...(token ? { token } : {}) });
  }
}

/** A store's write as ResultStore does it for these tests: `changes` handed to beforeRecording before they are recorded. */
function writingChanges(changes: FieldChange[]): ResultWriter['write'] {
  return async (_result: CheckResult, options?: WriteOptions) => {
    await options?.beforeRecording?.(changes);
    return { status: 'written', changes };
  };
}

/** A store of `write`; its `get` finds nothing unless given (only a run that owes a follow-up reads the stored result). */
function storeOf(
  write: ResultWriter['write'],
  get: ResultWriter['get'] = async (domain) => ({ status: 'not_found', domain }),
): ResultWriter {
  return { write, get };
}

const NOW = 1_000_000;
/** A processor over scripted engine outcomes and a store that records what it is asked to write. */
function processor(outcomes: DomainCheck[], written: CheckResult[]): VerifyJobProcessor {
  const checker = {
    check: async (): Promise<DomainCheck> => {
      const next = outcomes.shift();
      if (!next) throw new Error('no more outcomes');
      return next;
    },
  };
  const store = storeOf(async (result) => {
    written.push(result);
    return { status: 'written', changes: [] };
  });
  return new VerifyJobProcessor(
    checker,
    store,
    { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 100, maxErrorRuns: 3, abortGraceMs: 50 },
    { now: () => NOW, random: () => 0.5 },
  );
}

const transient = (domain: string) => sampleResult(domain, '2026-01-01T00:00:00.000Z', { verdict: 'dns_error', hosts: [] });

describe('VerifyJobProcessor', () => {
  it('stores a final result with attempts = 1', async () => {
    const written: CheckResult[] = [];
    const job = new FakeJob('ok.test');
    const outcome = await processor(
      [{ status: 'complete', result: sampleResult('ok.test', '2026-01-01T00:00:00.000Z') }],
      written,
    ).process(job, 'tok');
    expect(outcome).toMatchObject({ status: 'stored', write: 'written' });
    expect(written[0]?.attempts).toBe(1);
    expect(job.moves).toEqual([]);
  });

  it('delays a deferred check for the time asked plus jitter, without counting an attempt', async () => {
    const job = new FakeJob('busy.test');
    const outcome = await processor(
      [{ status: 'deferred', domain: 'busy.test', retryAfterMs: 700, reason: 'politeness_rate' }],
      [],
    ).process(job, 'tok');
    expect(outcome).toEqual({ status: 'delayed', why: 'deferred', delayMs: 750, reason: 'politeness_rate', attempt: 1 });
    expect(job.moves).toEqual([{ at: NOW + 750, token: 'tok' }]);
    expect(job.data).toEqual({});
  });

  it('retries a transient result with exponential backoff, then stores the last one with its attempts', async () => {
    const written: CheckResult[] = [];
    const job = new FakeJob('flaky.test');
    const outcomes: DomainCheck[] = [1, 2, 3].map(() => ({ status: 'complete', result: transient('flaky.test') }));
    const p = processor(outcomes, written);
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'transient', delayMs: 1050, attempt: 1 });
    expect(job.data).toEqual({ t: 1 });
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'transient', delayMs: 2050, attempt: 2 });
    expect(job.data).toEqual({ t: 2 });
    expect(await p.process(job, 't')).toMatchObject({ status: 'stored' });
    expect(written).toHaveLength(1);
    expect(written[0]?.attempts).toBe(3);
    expect(written[0]?.verdict).toBe('dns_error');
  });

  it('hands the job back at once when the worker is shutting down', async () => {
    const job = new FakeJob('late.test');
    const abort = new AbortController();
    abort.abort();
    const written: CheckResult[] = [];
    const outcome = await processor(
      [{ status: 'complete', result: sampleResult('late.test', '2026-01-01T00:00:00.000Z') }],
      written,
    ).process(job, 't', abort.signal);
    expect(outcome).toMatchObject({ status: 'delayed', why: 'handed_back', delayMs: 0 });
    expect(job.moves).toEqual([{ at: NOW, token: 't' }]);
    expect(written).toEqual([]);
  });

  it('drops a job without an id as bad data', async () => {
    expect(await processor([], []).process(new FakeJob(undefined), 't')).toEqual({
      status: 'bad_job',
      reason: 'job without id',
    });
  });

  it('reports a result the store refuses as rejected, not stored', async () => {
    const job = new FakeJob('broken.test');
    const checker = {
      check: async (): Promise<DomainCheck> => ({
        status: 'complete',
        result: sampleResult('broken.test', '2026-01-01T00:00:00.000Z'),
      }),
    };
    const store = storeOf(async () => ({ status: 'invalid', reason: 'schema: verdict: bad' }));
    const outcome = await new VerifyJobProcessor(checker, store, {
      maxAttempts: 3,
      retryBaseMs: 1000,
      jitterMs: 0,
      maxErrorRuns: 3,
      abortGraceMs: 50,
    }).process(job, 't');
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'schema: verdict: bad' });
    expect(job.moves).toEqual([]);
  });
});

describe('VerifyJobProcessor when a run throws', () => {
  const refused = () => new Error("NOPERM No permissions to access the 'mxv:result:{e.test}' key");
  /** A store that refuses `failures` writes (as Redis does under an ACL or OOM), then stores. */
  function flakyStore(failures: number, written: CheckResult[]): ResultWriter {
    let left = failures;
    return storeOf(async (result) => {
      if (left-- > 0) throw refused();
      written.push(result);
      return { status: 'written', changes: [] };
    });
  }
  const complete = (): DomainCheck => ({ status: 'complete', result: sampleResult('e.test', '2026-01-01T00:00:00.000Z') });
  const always = { check: async (): Promise<DomainCheck> => complete() };

  it('puts the job back with a doubling delay, counting error runs apart from attempts, then stores', async () => {
    const written: CheckResult[] = [];
    const p = new VerifyJobProcessor(
      always,
      flakyStore(2, written),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 100, maxErrorRuns: 3, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0.5 },
    );
    const job = new FakeJob('e.test', { a: 60_000 });
    expect(await p.process(job, 't')).toEqual({
      status: 'delayed',
      why: 'error',
      delayMs: 1050,
      reason: "NOPERM No permissions to access the 'mxv:result:{e.test}' key",
      attempt: 1,
    });
    expect(job.data).toEqual({ a: 60_000, e: 1 });
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'error', delayMs: 2050, attempt: 1 });
    expect(job.data).toEqual({ a: 60_000, e: 2 });
    expect(job.moves).toEqual([
      { at: NOW + 1050, token: 't' },
      { at: NOW + 2050, token: 't' },
    ]);
    expect(await p.process(job, 't')).toMatchObject({ status: 'stored' });
    // Errors are not attempts: the stored result says it took one run that produced a result.
    expect(written.map((r) => r.attempts)).toEqual([1]);
  });

  it('rethrows on the last error run, so the job fails instead of looping on a fault of ours', async () => {
    const p = new VerifyJobProcessor(
      { check: async () => Promise.reject(new TypeError('a bug')) },
      flakyStore(0, []),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 2, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0 },
    );
    const job = new FakeJob('e.test');
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'error', reason: 'a bug' });
    await expect(p.process(job, 't')).rejects.toThrow('a bug');
    expect(job.moves).toHaveLength(1);
  });

  it('caps the doubling at 64 × the base delay', async () => {
    const p = new VerifyJobProcessor(
      { check: async () => Promise.reject(new Error('CLUSTERDOWN')) },
      flakyStore(0, []),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 50, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0 },
    );
    const job = new FakeJob('e.test', { e: 20 });
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'error', delayMs: 64_000 });
    expect(job.data).toEqual({ e: 21 });
  });

  it('keeps the transient count when a retried run then throws, and the error count when a later run is transient', async () => {
    const outcomes: Array<() => Promise<DomainCheck>> = [
      async () => ({ status: 'complete', result: transient('e.test') }),
      async () => Promise.reject(new Error('Connection is closed.')),
      async () => ({ status: 'complete', result: transient('e.test') }),
    ];
    const p = new VerifyJobProcessor(
      { check: () => (outcomes.shift() as () => Promise<DomainCheck>)() },
      flakyStore(0, []),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 3, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0 },
    );
    const job = new FakeJob('e.test');
    await p.process(job, 't');
    expect(job.data).toEqual({ t: 1 });
    expect(await p.process(job, 't')).toMatchObject({ why: 'error', attempt: 2 });
    expect(job.data).toEqual({ t: 1, e: 1 });
    await p.process(job, 't');
    expect(job.data).toEqual({ t: 2, e: 1 });
  });

  it('rethrows the run’s own error when the put-back fails too (Redis still refuses: stalled-job recovery takes over)', async () => {
    const p = new VerifyJobProcessor(
      always,
      flakyStore(1, []),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 3, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0 },
    );
    const job = new FakeJob('e.test');
    job.moveToDelayed = async () => Promise.reject(new Error('Connection is closed.'));
    await expect(p.process(job, 't')).rejects.toThrow('NOPERM');
  });

  it('hands the job back at once, without counting an error run, when the error comes while shutting down', async () => {
    const abort = new AbortController();
    const p = new VerifyJobProcessor(
      {
        check: async () => {
          abort.abort();
          throw new Error('aborted');
        },
      },
      flakyStore(0, []),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 1, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0 },
    );
    const job = new FakeJob('e.test');
    expect(await p.process(job, 't', abort.signal)).toMatchObject({ status: 'delayed', why: 'handed_back', delayMs: 0 });
    expect(job.moves).toEqual([{ at: NOW, token: 't' }]);
    expect(job.data).toEqual({});
  });
});

describe('VerifyJobProcessor with a run that never ends', () => {
  const never = { check: () => new Promise<DomainCheck>(() => undefined) };
  const store = storeOf(async () => ({ status: 'written', changes: [] }));
  const policy = { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 3, abortGraceMs: 30 };

  it('puts the job back as an error run once its deadline has passed and the grace is over', async () => {
    const p = new VerifyJobProcessor(never, store, policy, { now: () => NOW, random: () => 0 });
    const abort = new AbortController();
    const job = new FakeJob('hung.test');
    setTimeout(() => abort.abort(new JobDeadlineError(20)), 20);
    expect(await p.process(job, 't', abort.signal)).toEqual({
      status: 'delayed',
      why: 'error',
      delayMs: 1000,
      reason: 'job deadline of 20 ms passed',
      attempt: 1,
    });
    expect(job.data).toEqual({ e: 1 });
    expect(job.moves).toEqual([{ at: NOW + 1000, token: 't' }]);
  });

  it('hands the job back at once, uncounted, when a drain aborts it', async () => {
    const p = new VerifyJobProcessor(never, store, policy, { now: () => NOW, random: () => 0 });
    const abort = new AbortController();
    const job = new FakeJob('hung.test');
    setTimeout(() => abort.abort(), 20);
    expect(await p.process(job, 't', abort.signal)).toMatchObject({ status: 'delayed', why: 'handed_back' });
    expect(job.data).toEqual({});
    expect(job.moves).toEqual([{ at: NOW, token: 't' }]);
  });

  it('waits for a run that ends within the grace after its abort', async () => {
    const written: CheckResult[] = [];
    const abort = new AbortController();
    const p = new VerifyJobProcessor(
      {
        check: async () => {
          abort.abort(new JobDeadlineError(5));
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { status: 'complete', result: sampleResult('late.test', '2026-01-01T00:00:00.000Z') };
        },
      },
      storeOf(async (result) => (written.push(result), { status: 'written', changes: [] })),
      { ...policy, abortGraceMs: 5_000 },
      { now: () => NOW, random: () => 0 },
    );
    // The engine ended, but aborted: what it made is not stored; the deadline counts as an error run.
    expect(await p.process(new FakeJob('late.test'), 't', abort.signal)).toMatchObject({ why: 'error' });
    expect(written).toEqual([]);
  });
});

describe('VerifyJobProcessor when what follows a write fails', () => {
  const changes: FieldChange[] = [{ path: 'verdict', from: 'ok', to: 'unreachable' }];
  const result = sampleResult('f.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' });
  const policy = { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 3, abortGraceMs: 50 };

  function setup(storedCheckedAt: string | null, followerFailures: number) {
    const checks: string[] = [];
    const followed: Array<[string, unknown]> = [];
    let failures = followerFailures;
    const p = new VerifyJobProcessor(
      {
        check: async (domain) => {
          checks.push(domain);
          return { status: 'complete', result };
        },
      },
      storeOf(writingChanges(changes), async (domain) =>
        storedCheckedAt === null
          ? { status: 'not_found', domain }
          : { status: 'found', result: { ...result, checkedAt: storedCheckedAt } },
      ),
      policy,
      { now: () => NOW, random: () => 0 },
      {
        afterWrite: async (stored, written) => {
          if (failures-- > 0) throw new Error('webhook queue refused the job');
          followed.push([stored.checkedAt, written]);
        },
      },
    );
    return { p, checks, followed };
  }

  it('owes the follow-up instead of checking again: the next run announces the same changes for the stored result', async () => {
    const { p, checks, followed } = setup(result.checkedAt, 1);
    const job = new FakeJob('f.test');
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'error', reason: 'webhook queue refused the job' });
    expect(job.data).toEqual({ e: 1, f: { at: result.checkedAt, c: changes } });
    expect(await p.process(job, 't')).toEqual({ status: 'followed_up', checkedAt: result.checkedAt, done: true });
    expect(checks).toEqual(['f.test']);
    expect(followed).toEqual([[result.checkedAt, changes]]);
  });

  it('drops the follow-up owed for a result a later run has replaced', async () => {
    const { p, followed } = setup('2026-01-03T00:00:00.000Z', 0);
    const job = new FakeJob('f.test', { e: 1, f: { at: result.checkedAt, c: changes } });
    expect(await p.process(job, 't')).toEqual({ status: 'followed_up', checkedAt: result.checkedAt, done: false });
    expect(followed).toEqual([]);
  });

  it('keeps owing it while the follow-up keeps failing', async () => {
    const { p } = setup(result.checkedAt, 5);
    const job = new FakeJob('f.test');
    await p.process(job, 't');
    expect(await p.process(job, 't')).toMatchObject({ status: 'delayed', why: 'error' });
    expect(job.data).toEqual({ e: 2, f: { at: result.checkedAt, c: changes } });
    await expect(p.process(job, 't')).rejects.toThrow('webhook queue refused the job');
  });
});

describe('VerifyJobProcessor and watches', () => {
  it('passes a watched job’s interval as the oldest host probe to reuse, keeps it across retries, and hands written changes on', async () => {
    const asked: Array<{ maxHostAgeMs?: number }> = [];
    const outcomes: DomainCheck[] = [
      { status: 'complete', result: transient('w.test') },
      { status: 'complete', result: sampleResult('w.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' }) },
    ];
    const changes: FieldChange[] = [{ path: 'verdict', from: 'ok', to: 'unreachable' }];
    const followed: Array<[string, unknown]> = [];
    const p = new VerifyJobProcessor(
      {
        check: async (_domain, _signal, options = {}) => {
          asked.push(options);
          return outcomes.shift() as DomainCheck;
        },
      },
      storeOf(writingChanges(changes)),
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 3, abortGraceMs: 50 },
      { now: () => NOW, random: () => 0 },
      { afterWrite: async (result, written) => void followed.push([result.domain, written]) },
    );
    const job = new FakeJob('w.test', { a: 60_000 });
    expect((await p.process(job, 't')).status).toBe('delayed');
    expect(job.data).toEqual({ a: 60_000, t: 1 });
    expect((await p.process(job, 't')).status).toBe('stored');
    // Owed from before the write recorded the changes (see "when a run dies…"); the job is done with, so it stays.
    expect(job.data).toEqual({ a: 60_000, t: 1, f: { at: '2026-01-02T00:00:00.000Z', c: changes } });
    expect(asked).toEqual([{ maxHostAgeMs: 60_000 }, { maxHostAgeMs: 60_000 }]);
    expect(followed).toEqual([['w.test', changes]]);
  });
});

describe('VerifyJobProcessor when a run dies around its write (kill -9, lost machine)', () => {
  const changes: FieldChange[] = [{ path: 'verdict', from: 'ok', to: 'unreachable' }];
  const previous = sampleResult('k.test', '2026-01-01T00:00:00.000Z');
  const result = sampleResult('k.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' });
  const policy = { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0, maxErrorRuns: 3, abortGraceMs: 50 };
  const never = new Promise<never>(() => undefined);

  /**
   * A processor over a store holding `stored`. With `dieAt`, the run stops
   * for good at that point (its promise never settles), as a killed process
   * would; what it had put in the job's data by then is what Redis keeps.
   */
  function setup(stored: { current: CheckResult }, dieAt: 'before_write' | 'before_follow_up' | null) {
    const checks: string[] = [];
    const followed: Array<[string, unknown]> = [];
    const p = new VerifyJobProcessor(
      {
        check: async (domain) => {
          checks.push(domain);
          return { status: 'complete', result };
        },
      },
      {
        write: async (written: CheckResult, options?: WriteOptions) => {
          const found = stored.current.checkedAt === written.checkedAt ? [] : changes;
          if (found.length > 0) await options?.beforeRecording?.(found);
          if (dieAt === 'before_write') return never;
          stored.current = written;
          return { status: 'written', changes: found } as const;
        },
        get: async (): Promise<StoredResult> => ({ status: 'found', result: stored.current }),
      },
      policy,
      { now: () => NOW, random: () => 0 },
      {
        afterWrite: async (written, recorded) => {
          if (dieAt === 'before_follow_up') return never;
          followed.push([written.checkedAt, recorded]);
        },
      },
    );
    return { p, checks, followed };
  }

  it('between the write and its follow-up: the re-run announces the stored changes without checking again', async () => {
    const stored = { current: previous };
    const job = new FakeJob('k.test');
    const dying = setup(stored, 'before_follow_up');
    void dying.p.process(job, 't');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stored.current.checkedAt).toBe(result.checkedAt);
    // Without the debt in the job's data, the re-run would find the stored result unchanged and announce nothing.
    expect(job.data).toEqual({ f: { at: result.checkedAt, c: changes } });

    const rerun = setup(stored, null);
    expect(await rerun.p.process(new FakeJob('k.test', job.data), 't')).toEqual({
      status: 'followed_up',
      checkedAt: result.checkedAt,
      done: true,
    });
    expect(rerun.checks).toEqual([]);
    expect(rerun.followed).toEqual([[result.checkedAt, changes]]);
  });

  it('after owing but before the write: the re-run checks the domain, stores it and announces its own changes', async () => {
    const stored = { current: previous };
    const job = new FakeJob('k.test');
    void setup(stored, 'before_write').p.process(job, 't');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stored.current.checkedAt).toBe(previous.checkedAt);
    expect(job.data).toEqual({ f: { at: result.checkedAt, c: changes } });

    const rerun = setup(stored, null);
    const rerunJob = new FakeJob('k.test', job.data);
    expect(await rerun.p.process(rerunJob, 't')).toMatchObject({ status: 'stored', write: 'written' });
    expect(rerun.checks).toEqual(['k.test']);
    expect(stored.current.checkedAt).toBe(result.checkedAt);
    expect(rerun.followed).toEqual([[result.checkedAt, changes]]);
  });
});
