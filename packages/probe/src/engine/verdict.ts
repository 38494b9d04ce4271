import type { Checks, CheckResult, HostResult, MxSection, Verdict } from '@mxv/schema';

/** The five checks of CONTRACT.md, computed from the MX section and the host results. */
export function computeChecks(mx: Omit<MxSection, 'dnssec'>, hosts: readonly HostResult[]): Checks {
  return {
    // A null MX counts as existing; the implicit A/AAAA fallback does not (CONTRACT).
    mxExists: mx.source === 'mx' || mx.source === 'null',
    mxResolves: mx.records.some((record) => record.addresses.length > 0),
    smtpReachable: hosts.some((host) => host.connect === 'ok'),
    bannerValid: hosts.some((host) => host.banner?.code === 220),
    tlsSupported: hosts.some((host) => host.starttls === 'ok'),
  };
}

/**
 * CONTRACT.md's verdict table, first match wins. `invalid` is decided before any
 * DNS work and never reaches here.
 */
export function computeVerdict(mx: Omit<MxSection, 'dnssec'>, checks: Checks): Exclude<Verdict, 'invalid'> {
  if (mx.dns === 'NXDOMAIN') return 'nxdomain';
  if (mx.dns === 'SERVFAIL' || mx.dns === 'TIMEOUT' || mx.dns === 'REFUSED') return 'dns_error';
  if (mx.source === 'null') return 'null_mx';
  if (mx.source === 'none') return 'no_mail_host';
  if (!checks.mxResolves) return mx.source === 'implicit' ? 'no_mail_host' : 'unresolvable';
  if (!checks.smtpReachable) return 'unreachable';
  if (!checks.bannerValid) return 'bad_banner';
  return 'ok';
}

/**
 * Host failures that say "not now" rather than "no": timeouts, a 4xx greeting
 * or EHLO, resets and early closes. Servers answer so under load, to greylist
 * or rate-limit a client, and our own pressure causes them too, so a result
 * built on them is retried before it is stored (fleet) instead of reporting a
 * "bad banner" or "no TLS" that a minute later would not be true.
 */
export const TRANSIENT_HOST_ERRORS: ReadonlySet<string> = new Set([
  'connect_timeout',
  'greeting_timeout',
  'greeting_tempfail',
  'closed_before_greeting',
  'connection_reset',
  'budget_exceeded',
  'ehlo_timeout',
  'helo_timeout',
  'ehlo_tempfail',
  'helo_tempfail',
  'starttls_tempfail',
  'starttls_timeout',
  'tls_timeout',
  'ehlo_tls_tempfail',
]);

/**
 * A host error that says "not now": one of TRANSIENT_HOST_ERRORS, or any
 * proxy failure (`proxy_*`): the proxy being down or refusing says nothing
 * final about the mail host, so such a result is retried, never stored as final.
 */
export function isTransientHostError(reason: string | null): boolean {
  return reason !== null && (TRANSIENT_HOST_ERRORS.has(reason) || reason.startsWith('proxy_'));
}

/** True when the result may well change on a retry soon (the fleet retries these before storing a final result). */
export function isTransientResult(result: Pick<CheckResult, 'verdict' | 'hosts' | 'checks' | 'mx' | 'error'>): boolean {
  if (result.verdict === 'dns_error') return true;
  // The MX question was answered but the address questions failed (SERVFAIL,
  // timeout): "unresolvable" or "no mail host" would be a guess, not an answer.
  if (result.verdict === 'unresolvable' || result.verdict === 'no_mail_host') {
    return result.error === 'implicit_lookup_failed' || result.mx.records.some((record) => record.problems.includes('dns_error'));
  }
  // A clean result with TLS has nothing a retry could improve.
  if (result.verdict === 'ok' && result.checks.tlsSupported) return false;
  if (result.verdict !== 'ok' && result.verdict !== 'bad_banner' && result.verdict !== 'unreachable') return false;
  return result.hosts.some((host) => host.connect === 'timeout' || isTransientHostError(host.error));
}
