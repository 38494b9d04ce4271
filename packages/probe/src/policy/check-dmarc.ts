import type { Dmarc } from '@mxv/schema';
import type { DnsResolver } from '../dns/dns-types.js';
import { digText } from '../display-text.js';
import { isDmarcRecord, parseDmarcRecord } from './dmarc-record.js';
import { unauthorizedReportUris, type ReportAuthorizationBounds } from './dmarc-report-authorization.js';
import { organizationalDomain } from './organizational-domain.js';
import { lookupTaggedTxt } from './txt-lookup.js';

type AtName = { status: 'absent' } | { status: 'result'; dmarc: Dmarc };

/**
 * RFC 7489 6.6.3: the record at `_dmarc.<domain>`; when there is none, the one
 * at `_dmarc.<organizational domain>`. More than one record at a name means no
 * usable policy; mxv says `invalid` with the reason rather than pretend `none`.
 * Several records at the domain's own name end the discovery there (step 5: the
 * set is not empty, so no fallback); DMARCbis's tree walk would go on upwards.
 */
export async function checkDmarc(
  domain: string,
  resolver: DnsResolver,
  bounds: ReportAuthorizationBounds,
  signal?: AbortSignal,
  /** For the organizational domain's record, which all its subdomains share: possibly cached. */
  shared: DnsResolver = resolver,
): Promise<Dmarc> {
  const own = await recordAt(`_dmarc.${domain}`, resolver, bounds, signal);
  if (own.status === 'result') return own.dmarc;
  const org = await organizationalDomain(domain);
  if (org !== null && org !== domain) {
    const inherited = await recordAt(`_dmarc.${org}`, shared, bounds, signal);
    if (inherited.status === 'result') return inherited.dmarc;
  }
  return { status: 'none', record: null, policy: null, error: null, foundAt: null };
}

async function recordAt(
  name: string,
  resolver: DnsResolver,
  bounds: ReportAuthorizationBounds,
  signal?: AbortSignal,
): Promise<AtName> {
  const found = await lookupTaggedTxt(resolver, name, isDmarcRecord, bounds, signal);
  // policy: the one receivers still apply to an invalid record (RFC 7489 6.6.3 step 6), if any.
  const invalid = (error: string, record: string | null = null, policy: string | null = null): AtName => ({
    status: 'result',
    dmarc: { status: 'invalid', record: record === null ? null : digText(record), policy, error, foundAt: name },
  });
  if (found.status === 'absent') return { status: 'absent' };
  if (found.status === 'dns_error') return invalid(`dns_${found.dns.toLowerCase()}`);
  if (found.status === 'too_large') return invalid(found.reason);
  const [record, ...others] = found.records;
  if (record === undefined) return { status: 'absent' };
  if (others.length > 0) return invalid('multiple_records', record);
  const parsed = parseDmarcRecord(record);
  if (parsed.status === 'invalid') return invalid(parsed.error, record, parsed.appliedPolicy ?? null);
  const policyDomain = name.slice('_dmarc.'.length);
  const ruaUnauthorized =
    parsed.rua.length > 0 ? await unauthorizedReportUris(policyDomain, parsed.rua, resolver, bounds, signal) : [];
  return {
    status: 'result',
    dmarc: {
      status: 'valid',
      // As dig writes it, and so each report address: shown to people, and what breaks them stays visible.
      record: digText(record),
      policy: parsed.policy,
      error: null,
      subdomainPolicy: parsed.subdomainPolicy,
      pct: parsed.pct,
      rua: parsed.rua.map(digText),
      ...(ruaUnauthorized.length > 0 ? { ruaUnauthorized: ruaUnauthorized.map(digText) } : {}),
      foundAt: name,
    },
  };
}
