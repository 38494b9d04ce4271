import type { DnsblEntry } from '@mxv/schema';
import { isIP } from 'node:net';
import type { DnsAnswer, DnsQuestionType, DnsResolver } from '../dns/dns-types.js';
import { followCnameChain } from '../dns/follow-cname-chain.js';
import { stripControls } from '../display-text.js';
import { reversedAddressLabels } from './reverse-name.js';

export interface DnsblBounds {
  maxDnsblCodes: number;
  maxDnsblReasonChars: number;
}

/**
 * Why a lookup is `error`, as the entry's `reason` (beyond the contract's "TXT
 * text": an error has no TXT, and "the list refused us" must be told apart
 * from "the list timed out"). Machine words, like the host errors.
 */
export type DnsblErrorReason = 'list_refused' | 'not_a_loopback_answer' | 'too_many_codes' | 'bad_query_name' | `dns_${string}`;

/**
 * RFC 5782 2.1 and 2.4: the address's labels reversed (nibbles for IPv6)
 * under the list's zone. null when the name cannot be asked (an address that
 * is not one, a zone so long the name exceeds 255 octets).
 */
export function dnsblQueryName(ip: string, zone: string): string | null {
  const labels = reversedAddressLabels(ip);
  return labels === null ? null : `${labels}.${zone}`;
}

/**
 * One address on one block list. RFC 5782 2.1: an A record in 127.0.0.0/8 is
 * "listed" (the addresses are the list's codes) with the reason in TXT;
 * NXDOMAIN is "not listed". Spamhaus and others answer 127.255.255.0/24 to
 * say "we refuse you" (public resolver, over quota): that is an `error`, never
 * `listed`, or every address would look blocked. Any address outside 127/8
 * (a resolver rewriting NXDOMAIN to an ad server) and an answer with more codes
 * than a list would send are `error` too: trusting them would list the world.
 */
export async function lookupDnsbl(
  ip: string,
  zone: string,
  resolver: DnsResolver,
  bounds: DnsblBounds,
  signal?: AbortSignal,
): Promise<DnsblEntry> {
  const error = (reason: DnsblErrorReason, codes: string[] = []): DnsblEntry => ({ zone, status: 'error', codes, reason });
  const name = dnsblQueryName(ip, zone);
  if (name === null || isIP(ip) === 0) return error('bad_query_name');
  const answer = await ask(resolver, name, 'A', signal);
  if (answer === null) return error('dns_resolver_failed');
  if (answer.status === 'NXDOMAIN') return { zone, status: 'not_listed', codes: [], reason: null };
  // NODATA: the name exists without an A (a TXT-only entry, or a list publishing empty
  // non-terminals): RFC 5782 says an entry always has an A, so it is not listed.
  if (answer.status === 'NODATA') return { zone, status: 'not_listed', codes: [], reason: null };
  if (answer.status !== 'NOERROR') return error(`dns_${answer.status.toLowerCase()}`);

  const owner = followCnameChain(answer.records, name).target;
  const addresses = answer.records.flatMap((record) => (record.type === 'A' && record.name === owner ? [record.address] : []));
  if (addresses.length === 0) return { zone, status: 'not_listed', codes: [], reason: null };
  if (addresses.length > bounds.maxDnsblCodes) return error('too_many_codes', addresses.slice(0, bounds.maxDnsblCodes));
  if (!addresses.every((address) => address.startsWith('127.'))) return error('not_a_loopback_answer', addresses);
  if (addresses.some((address) => address.startsWith('127.255.255.'))) return error('list_refused', addresses);

  const txt = await ask(resolver, name, 'TXT', signal);
  const texts =
    txt?.status === 'NOERROR'
      ? txt.records.flatMap((record) =>
          record.type === 'TXT' && record.name === followCnameChain(txt.records, name).target ? [record.text] : [],
        )
      : [];
  // The list's free text, for people: nothing in it may act on a terminal.
  const reason = texts.length > 0 ? clip(stripControls(texts.join(' / ')), bounds.maxDnsblReasonChars) : null;
  return { zone, status: 'listed', codes: addresses, reason };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

async function ask(resolver: DnsResolver, name: string, type: DnsQuestionType, signal?: AbortSignal): Promise<DnsAnswer | null> {
  try {
    return await resolver.query(name, type, signal);
  } catch {
    return null;
  }
}
