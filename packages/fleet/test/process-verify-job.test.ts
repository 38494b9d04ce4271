import type { DomainCheck } from '@mxv/probe';
import type { CheckResult } from '@mxv/schema';
import { describe, expect, it } from 'vitest';
import { VerifyJobProcessor, type VerifyJobHandle } from '../src/process-verify-job.js';
import type { VerifyJobData } from '../src/queue.js';
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
  const store = {
    write: async (result: CheckResult) => {
      written.push(result);
      return { status: 'written', changes: [] } as const;
    },
  };
  return new VerifyJobProcessor(
    checker,
    store,
    { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 100 },
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
    const store = { write: async () => ({ status: 'invalid', reason: 'schema: verdict: bad' }) as const };
    const outcome = await new VerifyJobProcessor(checker, store, { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0 }).process(
      job,
      't',
    );
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'schema: verdict: bad' });
    expect(job.moves).toEqual([]);
  });
});

describe('VerifyJobProcessor and watches', () => {
  it('passes a watched job’s interval as the oldest host probe to reuse, keeps it across retries, and hands written changes on', async () => {
    const asked: Array<{ maxHostAgeMs?: number }> = [];
    const outcomes: DomainCheck[] = [
      { status: 'complete', result: transient('w.test') },
      { status: 'complete', result: sampleResult('w.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' }) },
    ];
    const changes = [{ path: 'verdict', from: 'ok', to: 'unreachable' }];
    const followed: Array<[string, unknown]> = [];
    const p = new VerifyJobProcessor(
      {
        check: async (_domain, _signal, options = {}) => {
          asked.push(options);
          return outcomes.shift() as DomainCheck;
        },
      },
      { write: async () => ({ status: 'written', changes }) as const },
      { maxAttempts: 3, retryBaseMs: 1000, jitterMs: 0 },
      { now: () => NOW, random: () => 0 },
      { afterWrite: async (result, written) => void followed.push([result.domain, written]) },
    );
    const job = new FakeJob('w.test', { a: 60_000 });
    expect((await p.process(job, 't')).status).toBe('delayed');
    expect(job.data).toEqual({ a: 60_000, t: 1 });
    expect((await p.process(job, 't')).status).toBe('stored');
    expect(asked).toEqual([{ maxHostAgeMs: 60_000 }, { maxHostAgeMs: 60_000 }]);
    expect(followed).toEqual([['w.test', changes]]);
  });
});
