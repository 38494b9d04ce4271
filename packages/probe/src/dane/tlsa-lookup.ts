import type { TlsaRecord } from '@mxv/schema';
import { createHash } from 'node:crypto';
import type { DaneBounds } from '../options.js';
import type { DnsAnswer, DnsResolver } from '../dns/dns-types.js';
import { followCnameChain } from '../dns/follow-cname-chain.js';

/** A TLSA record as matched: the whole data (hex) and its SHA-256, which an exact-match record is compared by. */
export interface TlsaCandidate extends TlsaRecord {
  dataSha256: string;
}

/** What `_<port>._tcp.<exchange>` TLSA answered (RFC 7672 2.2). */
export type TlsaLookup =
  | {
      status: 'found';
      name: string;
      /** The first maxTlsaRecords records, in answer order. */
      records: TlsaCandidate[];
      /** Records in the answer, before the bound. */
      total: number;
      authenticated: boolean;
    }
  | { status: 'none'; name: string; authenticated: boolean }
  | { status: 'dns_error'; name: string; reason: string };

/** RFC 7672 2.2.3: the TLSA owner for SMTP on `port` at `exchange`. */
export function tlsaName(exchange: string, port: number): string {
  return `_${port}._tcp.${exchange}`;
}

/**
 * Ask for an exchange's TLSA records. A CNAME at the owner is followed by the
 * resolver; the records kept are those owned by the end of the chain. Records
 * past `maxTlsaRecords` are counted, not kept (a hostile zone may publish a
 * thousand), and a never-throw resolver contract is not trusted blindly.
 */
export async function lookupTlsa(
  exchange: string,
  port: number,
  resolver: DnsResolver,
  bounds: DaneBounds,
  signal?: AbortSignal,
): Promise<TlsaLookup> {
  const name = tlsaName(exchange, port);
  let answer: DnsAnswer;
  try {
    answer = await resolver.query(name, 'TLSA', signal);
  } catch {
    return { status: 'dns_error', name, reason: 'tlsa_resolver_failed' };
  }
  if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') {
    return { status: 'none', name, authenticated: answer.authenticated };
  }
  if (answer.status !== 'NOERROR') return { status: 'dns_error', name, reason: `tlsa_${answer.status.toLowerCase()}` };
  const owner = followCnameChain(answer.records, name).target;
  const records: TlsaCandidate[] = [];
  let total = 0;
  for (const record of answer.records) {
    if (record.type !== 'TLSA' || record.name !== owner) continue;
    total++;
    if (records.length >= bounds.maxTlsaRecords) continue;
    // Hex is compared as text against lower-case digests: RFC 6698 2.2 presentation hex is case-insensitive, and
    // a resolver is injected (only the stub's decoder is known to write lower case).
    const data = record.data.toLowerCase();
    records.push({
      usage: record.usage,
      selector: record.selector,
      matchingType: record.matchingType,
      data,
      dataSha256: createHash('sha256').update(Buffer.from(data, 'hex')).digest('hex'),
    });
  }
  if (total === 0) return { status: 'none', name, authenticated: answer.authenticated };
  return { status: 'found', name, records, total, authenticated: answer.authenticated };
}

/** Where an exchange's TLSA records may live: its own name, and where its (address) CNAME chain led. */
export interface TlsaBase {
  exchange: string;
  /** The fully CNAME-expanded exchange name, null when the exchange is not an alias. */
  expanded: string | null;
  /** Whether the exchange's address answers, CNAME chain included, were DNSSEC-secure. */
  expansionSecure: boolean;
}

/**
 * An exchange's TLSA records, at the TLSA base domain RFC 7672 2.2.3 (and
 * RFC 7671 7) names: when the exchange is an alias whose expansion is secure,
 * the fully CNAME-expanded name first; if nothing secure is found there, the
 * original name. A lookup error at the expanded name is not retried at the
 * original name: that would turn a failure into a possible downgrade (Postfix
 * `tls_dane_resolve` does the same). An insecure expansion cannot be trusted to
 * point anywhere, so only the original name is asked.
 */
export async function lookupExchangeTlsa(
  base: TlsaBase,
  port: number,
  resolver: DnsResolver,
  bounds: DaneBounds,
  signal?: AbortSignal,
): Promise<TlsaLookup> {
  const expanded = base.expanded;
  if (expanded !== null && base.expansionSecure && expanded !== base.exchange) {
    const first = await lookupTlsa(expanded, port, resolver, bounds, signal);
    if (first.status === 'dns_error' || (first.status === 'found' && first.authenticated)) return first;
  }
  return lookupTlsa(base.exchange, port, resolver, bounds, signal);
}
