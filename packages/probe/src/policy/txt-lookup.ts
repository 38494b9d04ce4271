import type { DnsStatus } from '@mxv/schema';
import { followCnameChain } from '../dns/follow-cname-chain.js';
import type { DnsResolver } from '../dns/dns-types.js';

/** How many TXT records at a name are looked at, and how long a relevant one may be. */
export interface TxtBounds {
  maxTxtRecords: number;
  maxTxtRecordBytes: number;
}

/**
 * The TXT records at one name that begin with a version tag (`v=spf1`,
 * `v=DMARC1`, ...), as data:
 * - `found`: the matching records (each one's strings already joined, RFC 7208 3.3);
 *   an empty list when the name has TXT records but none of this kind;
 * - `absent`: NXDOMAIN or NODATA, nothing published;
 * - `dns_error`: the question got no usable answer (SERVFAIL, TIMEOUT, REFUSED);
 * - `too_large`: more records than the bound, or a matching one over the byte bound.
 */
export type TxtLookup =
  | { status: 'found'; records: string[] }
  | { status: 'absent' }
  | { status: 'dns_error'; dns: DnsStatus }
  | { status: 'too_large'; reason: 'txt_too_many' | 'txt_too_long' };

/**
 * A record is of a kind when it starts with the version tag, case-insensitively,
 * followed by the end or a separator: `v=spf1x` is not SPF (RFC 7208 4.5),
 * `v=DMARC1;` and `v=STSv1;` are followed by `;` (RFC 7489 6.4, RFC 8461 3.1).
 */
export function hasVersionTag(text: string, tag: string): boolean {
  const head = text.slice(0, tag.length).toLowerCase();
  if (head !== tag.toLowerCase()) return false;
  const next = text.charAt(tag.length);
  return next === '' || next === ' ' || next === ';' || next === '\t';
}

/**
 * `tag` is a version tag for hasVersionTag, or a test of its own for a kind whose
 * version grammar is looser (DMARC allows whitespace around `=`, RFC 7489 6.4).
 */
export async function lookupTaggedTxt(
  resolver: DnsResolver,
  name: string,
  tag: string | ((text: string) => boolean),
  bounds: TxtBounds,
  signal?: AbortSignal,
): Promise<TxtLookup> {
  const answer = await resolver.query(name, 'TXT', signal);
  if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') return { status: 'absent' };
  if (answer.status !== 'NOERROR') return { status: 'dns_error', dns: answer.status };
  // The records of the name the CNAME chain ends at, not of names met on the way.
  const owner = followCnameChain(answer.records, name).target;
  const texts = answer.records.flatMap((record) => (record.type === 'TXT' && record.name === owner ? [record.text] : []));
  if (texts.length > bounds.maxTxtRecords) return { status: 'too_large', reason: 'txt_too_many' };
  const isOfKind = typeof tag === 'string' ? (text: string) => hasVersionTag(text, tag) : tag;
  const records = texts.filter(isOfKind);
  if (records.some((text) => Buffer.byteLength(text) > bounds.maxTxtRecordBytes))
    return { status: 'too_large', reason: 'txt_too_long' };
  return { status: 'found', records };
}
