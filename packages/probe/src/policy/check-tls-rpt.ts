import type { TlsRpt } from '@mxv/schema';
import type { DnsResolver } from '../dns/dns-types.js';
import { digText } from '../display-text.js';
import { parseTlsRptRecord } from './tls-rpt-record.js';
import { lookupTaggedTxt, type TxtBounds } from './txt-lookup.js';

/** RFC 8460 3: one `v=TLSRPTv1` record at `_smtp._tls.<domain>`; several are an error (no telling which is meant). */
export async function checkTlsRpt(
  domain: string,
  resolver: DnsResolver,
  bounds: TxtBounds,
  signal?: AbortSignal,
): Promise<TlsRpt> {
  const found = await lookupTaggedTxt(resolver, `_smtp._tls.${domain}`, 'v=TLSRPTv1', bounds, signal);
  const invalid = (error: string): TlsRpt => ({ status: 'invalid', rua: [], error });
  if (found.status === 'absent') return { status: 'none', rua: [], error: null };
  if (found.status === 'dns_error') return invalid(`dns_${found.dns.toLowerCase()}`);
  if (found.status === 'too_large') return invalid(found.reason);
  const [record, ...others] = found.records;
  if (record === undefined) return { status: 'none', rua: [], error: null };
  if (others.length > 0) return invalid('multiple_records');
  const parsed = parseTlsRptRecord(record);
  return parsed.status === 'ok' ? { status: 'valid', rua: parsed.rua.map(digText), error: null } : invalid(parsed.error);
}
