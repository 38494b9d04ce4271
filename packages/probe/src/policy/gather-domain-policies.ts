import type { CheckName, SecuritySection } from '@mxv/schema';
import type { DnsResolver } from '../dns/dns-types.js';
import type { PolicyBounds } from '../options.js';
import { checkDmarc } from './check-dmarc.js';
import { checkMtaSts } from './check-mta-sts.js';
import { checkSpf } from './check-spf.js';
import { checkTlsRpt } from './check-tls-rpt.js';
import type { StsPolicySource } from './sts-policy-source.js';

export type DomainPolicies = Pick<SecuritySection, 'mtaSts' | 'tlsRpt' | 'spf' | 'dmarc'>;

export interface DomainPolicyDeps {
  resolver: DnsResolver;
  /** For records many domains share (SPF include targets, organizational DMARC): a TTL-cached resolver. */
  sharedResolver?: DnsResolver;
  stsPolicies: StsPolicySource;
  bounds: PolicyBounds;
  /** The checks asked for (--checks); one not asked for stays null. */
  checks: readonly CheckName[];
}

/** The per-domain policy records (DESIGN: gathered next to the MX lookup, in parallel), each null unless asked for. */
export async function gatherDomainPolicies(
  domain: string,
  deps: DomainPolicyDeps,
  signal?: AbortSignal,
): Promise<DomainPolicies> {
  const { resolver, bounds } = deps;
  const shared = deps.sharedResolver ?? resolver;
  const asked = (name: CheckName): boolean => deps.checks.includes(name);
  const [mtaSts, tlsRpt, spf, dmarc] = await Promise.all([
    asked('mta-sts') ? checkMtaSts(domain, resolver, deps.stsPolicies, bounds, signal) : null,
    asked('tls-rpt') ? checkTlsRpt(domain, resolver, bounds, signal) : null,
    asked('spf') ? checkSpf(domain, resolver, bounds, signal, shared) : null,
    asked('dmarc') ? checkDmarc(domain, resolver, bounds, signal, shared) : null,
  ]);
  return { mtaSts, tlsRpt, spf, dmarc };
}
