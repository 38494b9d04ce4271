import { describe, expect, it } from 'vitest';
import { API_LIMIT_BOUNDS } from '@mxv/api/bounds';
import { POLITENESS_GROUP_BOUNDS, RETRY_BOUNDS, VERIFY_WORKER_BOUNDS, WORKER_PROCESS_BOUNDS } from '@mxv/fleet/bounds';
import { DNS_BOUNDS, POLITENESS_BOUNDS, SMTP_BOUNDS, type NumberBound } from '@mxv/probe/bounds';
import { boundsSchema } from '@mxv/probe/schemas';
import { CHECK_BOUNDS, DEMO_BOUNDS } from '../src/options/cli-bounds.js';
import { boundFlag } from '../src/options/number-flag.js';
import { UsageError } from '../src/options/usage-error.js';

/** Each number flag of the CLI with the bound it is parsed against (the same table the packages' schemas come from). */
const FLAGS: [flag: string, bound: NumberBound][] = [
  ['--smtp-port', SMTP_BOUNDS.port],
  ['--timeout-ms', SMTP_BOUNDS.hostBudgetMs],
  ['--connect-timeout-ms', SMTP_BOUNDS.connectTimeoutMs],
  ['--greeting-timeout-ms', SMTP_BOUNDS.greetingTimeoutMs],
  ['--reply-timeout-ms', SMTP_BOUNDS.replyTimeoutMs],
  ['--dns-timeout-ms', DNS_BOUNDS.queryTimeoutMs],
  ['--rate-per-ip', POLITENESS_BOUNDS.connectionsPerSecond],
  ['--max-conn-per-ip', POLITENESS_BOUNDS.maxConcurrentPerIp],
  ['--rate-per-provider', POLITENESS_GROUP_BOUNDS.providerConnectionsPerSecond],
  ['--max-conn-per-provider', POLITENESS_GROUP_BOUNDS.providerMaxConcurrent],
  ['--rate-per-network', POLITENESS_GROUP_BOUNDS.networkConnectionsPerSecond],
  ['--max-conn-per-network', POLITENESS_GROUP_BOUNDS.networkMaxConcurrent],
  ['--concurrency', VERIFY_WORKER_BOUNDS.concurrency],
  ['--lock-ms', VERIFY_WORKER_BOUNDS.lockDurationMs],
  ['--stalled-interval-ms', VERIFY_WORKER_BOUNDS.stalledIntervalMs],
  ['--heartbeat-ms', VERIFY_WORKER_BOUNDS.heartbeatMs],
  ['--job-deadline-ms', VERIFY_WORKER_BOUNDS.jobDeadlineMs],
  ['--attempts', RETRY_BOUNDS.maxAttempts],
  ['--retry-base-ms', RETRY_BOUNDS.retryBaseMs],
  ['--error-runs', RETRY_BOUNDS.maxErrorRuns],
  ['--drain-timeout-ms', WORKER_PROCESS_BOUNDS.drainTimeoutMs],
  ['--redis-wait-ms', WORKER_PROCESS_BOUNDS.redisWaitMs],
  ['--heap-growth-percent', WORKER_PROCESS_BOUNDS.heapGrowthPercent],
  ['--young-generation-mib', WORKER_PROCESS_BOUNDS.youngGenerationMib],
  ['--rate-limit', API_LIMIT_BOUNDS.rateLimitPerMinute],
  ['--max-domains', API_LIMIT_BOUNDS.maxDomainsPerRequest],
  ['--body-limit', API_LIMIT_BOUNDS.bodyLimitBytes],
  ['--result-cache-ms', API_LIMIT_BOUNDS.resultCacheMs],
  ['check --concurrency', CHECK_BOUNDS.concurrency],
  ['demo --timeout-ms', DEMO_BOUNDS.hostBudgetMs],
  ['demo --workers', DEMO_BOUNDS.workers],
];

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('boundFlag: every number flag parsed against its one bound', () => {
  it.each(FLAGS)('%s accepts its range and its default', (flag, bound) => {
    const low = bound.minExclusive ? bound.min + 0.5 : bound.min;
    expect(boundFlag(flag, String(low), bound)).toBe(low);
    expect(boundFlag(flag, String(bound.max), bound)).toBe(bound.max);
    expect(boundFlag(flag, ` ${bound.default} `, bound)).toBe(bound.default);
    expect(bound.default).toBeGreaterThanOrEqual(bound.min);
    expect(bound.default).toBeLessThanOrEqual(bound.max);
  });

  it.each(FLAGS)('%s refuses out-of-range and non-numeric values, naming the flag and its range', (flag, bound) => {
    const range =
      bound.minExclusive === true
        ? `a number above ${bound.min} and at most ${bound.max}`
        : `${bound.integer === false ? 'a number' : 'a whole number'} from ${bound.min} to ${bound.max}`;
    for (const raw of [
      String(bound.max + 1),
      'abc',
      '',
      '-1',
      '1e3',
      bound.minExclusive ? String(bound.min) : String(bound.min - 1),
    ]) {
      if (raw === '-1' && bound.min < 0) continue;
      expect(usageMessage(() => boundFlag(flag, raw, bound))).toBe(`${flag} must be ${range}, got "${raw}"`);
    }
  });

  it('keeps the messages people and scripts already see', () => {
    expect(usageMessage(() => boundFlag('--smtp-port', '70000', SMTP_BOUNDS.port))).toBe(
      '--smtp-port must be a whole number from 1 to 65535, got "70000"',
    );
    expect(usageMessage(() => boundFlag('--rate-per-ip', '0', POLITENESS_BOUNDS.connectionsPerSecond))).toBe(
      '--rate-per-ip must be a number above 0 and at most 1000, got "0"',
    );
    expect(boundFlag('--rate-per-ip', '2.5', POLITENESS_BOUNDS.connectionsPerSecond)).toBe(2.5);
    expect(usageMessage(() => boundFlag('--concurrency', '2.5', VERIFY_WORKER_BOUNDS.concurrency))).toContain('whole number');
  });

  it('the zod schema built from a table agrees with the flag parser at both edges', () => {
    const schema = boundsSchema({ port: SMTP_BOUNDS.port, rate: POLITENESS_BOUNDS.connectionsPerSecond });
    expect(schema.parse({})).toEqual({ port: 25, rate: 1 });
    expect(schema.safeParse({ port: 65_536 }).success).toBe(false);
    expect(schema.safeParse({ port: 0 }).success).toBe(false);
    expect(schema.safeParse({ rate: 0 }).success).toBe(false);
    expect(schema.safeParse({ rate: 0.5, port: 65_535 }).success).toBe(true);
  });
});
