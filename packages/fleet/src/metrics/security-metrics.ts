import { NO_SECURITY, type CheckResult } from '@mxv/schema';
import { Counter, type Registry } from 'prom-client';
import { boundedLabel } from './metric-labels.js';

/*
 * The mail security checks as counters, with closed label vocabularies (no
 * domain, no address): which check, which status; how MTA-STS policy fetches
 * went (a fetch is a cache miss: fetches over time against checks show the
 * policy cache at work).
 */

/** Checks counted by mxv_security_checks_total, named as `--checks` names them. */
export const SECURITY_CHECK_LABELS = ['dnssec', 'dane', 'mta-sts', 'tls-rpt', 'spf', 'dmarc'] as const;
/** Every status any of those checks can have (CONTRACT "Mail security and reputation"). */
export const SECURITY_STATUS_LABELS = [
  'none',
  'valid',
  'invalid',
  'permerror',
  'temperror',
  'pass',
  'fail',
  'not_applicable',
  'secure',
  'insecure',
  'bogus',
  'unknown',
] as const;

/** The statuses each check can have (CONTRACT): the series created at 0 before any work. */
export const SECURITY_CHECK_STATUSES: Record<(typeof SECURITY_CHECK_LABELS)[number], readonly string[]> = {
  dnssec: ['secure', 'insecure', 'bogus', 'unknown'],
  dane: ['pass', 'fail', 'none', 'not_applicable'],
  'mta-sts': ['none', 'valid', 'invalid'],
  'tls-rpt': ['none', 'valid', 'invalid'],
  spf: ['none', 'valid', 'permerror', 'temperror'],
  dmarc: ['none', 'valid', 'invalid'],
};

/** What became of one MTA-STS policy fetch: a class of the policy's `error`, never the error text itself. */
export const STS_FETCH_OUTCOME_LABELS = [
  'ok',
  'policy_invalid',
  'http_status',
  'redirect',
  'content_type',
  'too_large',
  'timeout',
  'tls_error',
  'connect_error',
  'dns_error',
  'blocked_address',
  'proxy_error',
  'other',
] as const;
export type StsFetchOutcomeLabel = (typeof STS_FETCH_OUTCOME_LABELS)[number];

export interface SecurityMetrics {
  securityChecks: Counter<'check' | 'status'>;
  mtaStsPolicyFetches: Counter<'outcome'>;
}

export function createSecurityMetrics(registry: Registry): SecurityMetrics {
  const registers = [registry];
  const metrics: SecurityMetrics = {
    securityChecks: new Counter({
      name: 'mxv_security_checks_total',
      help: 'Mail security checks in stored results, by check (--checks name) and status; checks not asked for are not counted.',
      labelNames: ['check', 'status'],
      registers,
    }),
    mtaStsPolicyFetches: new Counter({
      name: 'mxv_mta_sts_policy_fetches_total',
      help: 'MTA-STS policy fetches over HTTPS (policy cache misses), by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
  };
  // Series that exist from the start at 0, so rate() sees the first increment (as in work-metrics.ts).
  for (const outcome of STS_FETCH_OUTCOME_LABELS) metrics.mtaStsPolicyFetches.inc({ outcome }, 0);
  for (const [check, statuses] of Object.entries(SECURITY_CHECK_STATUSES)) {
    for (const status of statuses) metrics.securityChecks.inc({ check, status }, 0);
  }
  return metrics;
}

/** A policy fetch's error (`fetch_http_404`, `fetch_tls_untrusted`, `policy_mode`, ...) as its outcome class. */
export function stsFetchOutcomeLabel(error: string | null): StsFetchOutcomeLabel {
  if (error === null) return 'ok';
  if (error.startsWith('policy_')) return 'policy_invalid';
  if (error === 'fetch_redirect') return 'redirect';
  if (error === 'fetch_content_type') return 'content_type';
  if (error === 'fetch_too_large' || error === 'fetch_headers_too_large') return 'too_large';
  if (error === 'fetch_timeout') return 'timeout';
  if (error === 'blocked_address') return 'blocked_address';
  if (error.startsWith('fetch_proxy_')) return 'proxy_error';
  if (error.startsWith('fetch_http_')) return 'http_status';
  if (error.startsWith('fetch_tls_')) return 'tls_error';
  if (error.startsWith('fetch_connect') || error === 'fetch_connection_reset') return 'connect_error';
  if (error.startsWith('fetch_dns_')) return 'dns_error';
  return 'other';
}

/** Counts the security checks a stored result carries (one per check that ran). */
export function recordSecurityChecks(metrics: SecurityMetrics, result: Pick<CheckResult, 'security' | 'mx'>): void {
  const count = (check: (typeof SECURITY_CHECK_LABELS)[number], status: string | null | undefined): void => {
    if (status === null || status === undefined) return;
    metrics.securityChecks.inc({ check, status: boundedLabel(status, SECURITY_STATUS_LABELS) });
  };
  // A result object built by an older mxv (not through the schema's defaults) may lack the section: nothing ran.
  const security = (result.security as CheckResult['security'] | undefined) ?? NO_SECURITY;
  count('dnssec', (result.mx as Partial<CheckResult['mx']>).dnssec);
  count('dane', security.dane);
  count('mta-sts', security.mtaSts?.status);
  count('tls-rpt', security.tlsRpt?.status);
  count('spf', security.spf?.status);
  count('dmarc', security.dmarc?.status);
}
