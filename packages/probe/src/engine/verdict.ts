import type { Checks, CheckResult, HostResult, MxSection, Verdict } from '@mxv/schema';

/** The five checks of CONTRACT.md, computed from the MX section and the host results. */
export function computeChecks(mx: MxSection, hosts: readonly HostResult[]): Checks {
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
export function computeVerdict(mx: MxSection, checks: Checks): Exclude<Verdict, 'invalid'> {
  if (mx.dns === 'NXDOMAIN') return 'nxdomain';
  if (mx.dns === 'SERVFAIL' || mx.dns === 'TIMEOUT' || mx.dns === 'REFUSED') return 'dns_error';
  if (mx.source === 'null') return 'null_mx';
  if (mx.source === 'none') return 'no_mail_host';
  if (!checks.mxResolves) return mx.source === 'implicit' ? 'no_mail_host' : 'unresolvable';
  if (!checks.smtpReachable) return 'unreachable';
  if (!checks.bannerValid) return 'bad_banner';
  return 'ok';
}

/** True when the verdict may change on a retry soon (fleet retries these before storing a final result). */
export function isTransientResult(result: Pick<CheckResult, 'verdict' | 'hosts'>): boolean {
  if (result.verdict === 'dns_error') return true;
  if (result.verdict === 'bad_banner' || result.verdict === 'unreachable') {
    return result.hosts.some((host) => host.error === 'greeting_tempfail' || host.connect === 'timeout');
  }
  return false;
}
