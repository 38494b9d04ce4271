import { describe, expect, it } from 'vitest';
import type { CanaryOutcome } from '@mxv/probe';
import type { CheckResult, HostResult } from '@mxv/schema';
import { EgressGuard } from '../src/egress/egress-guard.js';
import { sampleResult } from './support/sample-result.js';

const REACHABLE: CanaryOutcome = { status: 'reachable', address: '192.0.2.9', greeting: 220, elapsedMs: 1 };
const DOWN: CanaryOutcome = { status: 'unreachable', address: '192.0.2.9', reason: 'timeout' };

function resultWith(connect: HostResult['connect'], probedAt: number, extra: Partial<HostResult> = {}): CheckResult {
  const base = sampleResult('a.test', new Date(probedAt).toISOString());
  const host = base.hosts[0] as HostResult;
  return { ...base, hosts: [{ ...host, connect, probedAt: new Date(probedAt).toISOString(), ...extra }] };
}

function guardWith(canary: () => CanaryOutcome, consecutiveFailures = 1) {
  const changes: boolean[] = [];
  let checks = 0;
  let clock = 1_000_000;
  const guard = new EgressGuard({
    checkCanary: () => {
      checks += 1;
      return Promise.resolve(canary());
    },
    consecutiveFailures,
    recheckMs: 60_000,
    onChange: (ok) => changes.push(ok),
    now: () => clock,
  });
  return {
    guard,
    changes,
    checks: () => checks,
    tick: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

describe('EgressGuard', () => {
  it('a result whose hosts all connected is final without asking the canary', async () => {
    const t = guardWith(() => REACHABLE);
    expect(await t.guard.judge(resultWith('ok', t.now()), t.now())).toBe('final');
    expect(t.checks()).toBe(0);
  });

  it('a failed connection is final once the canary answered after the probe', async () => {
    const t = guardWith(() => REACHABLE);
    const probedAt = t.now();
    t.tick(2_000);
    expect(await t.guard.judge(resultWith('timeout', probedAt), probedAt)).toBe('final');
    expect(t.checks()).toBe(1);
    expect(t.changes).toEqual([]);
  });

  it('canary down: the result is in doubt and the worker is paused; it resumes when the canary answers', async () => {
    let canary: CanaryOutcome = DOWN;
    const t = guardWith(() => canary);
    const probedAt = t.now();
    t.tick(2_000);
    expect(await t.guard.judge(resultWith('timeout', probedAt), probedAt)).toBe('in_doubt');
    expect(t.guard.state).toBe('paused');
    expect(t.changes).toEqual([false]);
    // While paused, any failed connection is in doubt, cached ones included.
    expect(await t.guard.judge(resultWith('refused', probedAt, { cached: true }), probedAt)).toBe('in_doubt');

    canary = REACHABLE;
    t.tick(1_000);
    await t.guard.start();
    expect(t.guard.state).toBe('ok');
    expect(t.changes).toEqual([false, true]);
    // A failure probed during the outage (shared from the cache afterwards) still proves nothing.
    expect(await t.guard.judge(resultWith('timeout', probedAt, { cached: true }), t.now())).toBe('in_doubt');
    t.guard.stop();
  });

  it('a proxy failure waits for the canary even below the failure count, cached or fresh', async () => {
    const t = guardWith(() => DOWN, 3);
    const proxyDown = { error: 'proxy_unreachable' } as const;
    expect(await t.guard.judge(resultWith('error', t.now(), { ...proxyDown, cached: true }), t.now())).toBe('in_doubt');
    expect(t.checks()).toBe(1);
    expect(t.guard.state).toBe('paused');
    t.guard.stop();

    // The canary reached through the proxy after the failure: the proxy is back, the result may be stored.
    const up = guardWith(() => REACHABLE, 3);
    const probedAt = up.now();
    up.tick(2_000);
    expect(await up.guard.judge(resultWith('error', probedAt, proxyDown), probedAt)).toBe('final');
    expect(up.checks()).toBe(1);
  });

  it('an MTA-STS policy fetch that failed at the proxy waits for the canary too, though every host connected', async () => {
    const withPolicyError = (error: string): CheckResult => {
      const base = resultWith('ok', 0);
      const mtaSts = { status: 'invalid' as const, id: '1', mode: null, mx: [], maxAge: null, error };
      return { ...base, security: { ...base.security, mtaSts } };
    };
    const down = guardWith(() => DOWN, 3);
    expect(await down.guard.judge(withPolicyError('fetch_proxy_timeout'), down.now())).toBe('in_doubt');
    expect(down.guard.state).toBe('paused');
    down.guard.stop();

    const up = guardWith(() => REACHABLE, 3);
    const startedAt = up.now();
    up.tick(2_000);
    expect(await up.guard.judge(withPolicyError('fetch_proxy_unreachable'), startedAt)).toBe('final');
    expect(up.checks()).toBe(1);
    // The policy host's own failure says nothing of our way out.
    expect(await up.guard.judge(withPolicyError('fetch_connect_refused'), up.now())).toBe('final');
    expect(up.checks()).toBe(1);
  });

  it('below the failure count, results go through unconfirmed', async () => {
    const t = guardWith(() => DOWN, 3);
    expect(await t.guard.judge(resultWith('timeout', t.now()), t.now())).toBe('final');
    expect(await t.guard.judge(resultWith('timeout', t.now()), t.now())).toBe('final');
    expect(await t.guard.judge(resultWith('timeout', t.now()), t.now())).toBe('in_doubt');
    expect(t.checks()).toBe(1);
    t.guard.stop();
  });

  it('many failures at once share one canary check', async () => {
    const t = guardWith(() => REACHABLE);
    const probedAt = t.now();
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, () => t.guard.judge(resultWith('unreachable', probedAt), probedAt)),
    );
    expect(verdicts.every((v) => v === 'final')).toBe(true);
    expect(t.checks()).toBe(1);
  });
});
