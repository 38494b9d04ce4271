import type { HostResult, MtaSts } from '@mxv/schema';
import type { DnsResolver } from '../dns/dns-types.js';
import { exchangeMatchesPolicy } from './mx-pattern.js';
import { isStsTxtRecord, parseStsTxtRecord } from './sts-txt-record.js';
import type { StsPolicySource } from './sts-policy-source.js';
import { lookupTaggedTxt, type TxtBounds } from './txt-lookup.js';

/**
 * RFC 8461 3: the `_mta-sts.<domain>` TXT record (exactly one `v=STSv1` with an
 * id), then the policy for that id from the policy source (a cache, or a fetch).
 * No record is `none`; a record without a usable policy is `invalid` with the reason.
 */
export async function checkMtaSts(
  domain: string,
  resolver: DnsResolver,
  policies: StsPolicySource,
  bounds: TxtBounds,
  signal?: AbortSignal,
): Promise<MtaSts> {
  const empty: MtaSts = { status: 'none', id: null, mode: null, mx: [], maxAge: null, error: null };
  // RFC 8461 3.1: only records beginning `v=STSv1` (case-sensitive) are STS records, counted and bounded.
  const found = await lookupTaggedTxt(resolver, `_mta-sts.${domain}`, isStsTxtRecord, bounds, signal);
  if (found.status === 'absent') return empty;
  if (found.status === 'dns_error') return { ...empty, status: 'invalid', error: `txt_dns_${found.dns.toLowerCase()}` };
  if (found.status === 'too_large') return { ...empty, status: 'invalid', error: found.reason };
  const [record, ...others] = found.records;
  if (record === undefined) return empty;
  // RFC 8461 3.1: with more than one record the sender assumes no policy.
  if (others.length > 0) return { ...empty, status: 'invalid', error: 'txt_multiple' };
  const txt = parseStsTxtRecord(record);
  if (txt.status === 'invalid') return { ...empty, status: 'invalid', error: txt.error };
  const obtained = await policies.obtain(domain, txt.id, signal);
  if (obtained.status === 'failed') return { ...empty, status: 'invalid', id: txt.id, error: obtained.error };
  const { mode, mx, maxAge } = obtained.policy;
  return { status: 'valid', id: txt.id, mode, mx, maxAge, error: null };
}

/**
 * A host's MTA-STS standing (RFC 8461 4): its exchange matches a pattern of the
 * policy and its certificate is PKIX-valid for that name. null when no policy
 * is in effect: none, invalid, or mode `none` (which asserts nothing, 5).
 */
export function hostMtaSts(mtaSts: MtaSts | null, host: Pick<HostResult, 'exchange' | 'tls'>): 'pass' | 'fail' | null {
  if (mtaSts === null || mtaSts.status !== 'valid' || mtaSts.mode === 'none' || mtaSts.mode === null) return null;
  const tlsValid = host.tls !== null && host.tls.certValid && host.tls.hostnameMatch;
  return tlsValid && exchangeMatchesPolicy(mtaSts.mx, host.exchange) ? 'pass' : 'fail';
}
