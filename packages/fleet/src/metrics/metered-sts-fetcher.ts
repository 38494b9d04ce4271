import type { StsFetch, StsPolicyFetcher } from '@mxv/probe';
import { parseStsPolicy } from '@mxv/probe';
import { stsFetchOutcomeLabel, type SecurityMetrics } from './security-metrics.js';

/**
 * Counts every MTA-STS policy fetch by outcome, at the fetcher interface (like
 * MeteredResolver): a fetch happens only on a policy cache miss, so this is
 * also the cache's miss count. A body that arrives but is not a policy counts
 * as `policy_invalid`, so "ok" means a usable policy.
 */
export class MeteredStsFetcher implements StsPolicyFetcher {
  readonly #inner: StsPolicyFetcher;
  readonly #metrics: SecurityMetrics;

  constructor(inner: StsPolicyFetcher, metrics: SecurityMetrics) {
    this.#inner = inner;
    this.#metrics = metrics;
  }

  async fetch(domain: string, signal?: AbortSignal): Promise<StsFetch> {
    const fetched = await this.#inner.fetch(domain, signal);
    const error = fetched.status === 'failed' ? fetched.error : policyError(fetched.body);
    this.#metrics.mtaStsPolicyFetches.inc({ outcome: stsFetchOutcomeLabel(error) });
    return fetched;
  }
}

function policyError(body: string): string | null {
  const parsed = parseStsPolicy(body);
  return parsed.status === 'ok' ? null : parsed.error;
}
