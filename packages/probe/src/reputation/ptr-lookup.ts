import type { HostPtr } from '@mxv/schema';
import type { DnsAnswer, DnsQuestionType, DnsResolver } from '../dns/dns-types.js';
import { followCnameChain } from '../dns/follow-cname-chain.js';
import { isIP } from 'node:net';
import { reverseDnsName } from './reverse-name.js';

export interface PtrBounds {
  maxPtrNames: number;
}

/**
 * An address's PTR names and its forward-confirmed reverse DNS (FCrDNS, RFC
 * 8601 2.7.3 "iprev"): `pass` when some PTR name resolves (A for IPv4, AAAA for
 * IPv6) back to the address, `fail` when none does, `none` when there is no
 * PTR, `dns_error` when a question failed and no name confirmed. A CNAME at the
 * reverse name (RFC 2317 classless delegation) is followed by the resolver; the
 * chain, loops included, is bounded by followCnameChain. At most `maxPtrNames`
 * names are followed (and listed): the first of a hostile hundred.
 */
export async function lookupPtr(ip: string, resolver: DnsResolver, bounds: PtrBounds, signal?: AbortSignal): Promise<HostPtr> {
  const reverse = reverseDnsName(ip);
  if (reverse === null) return { names: [], fcrdns: 'dns_error' };
  const answer = await ask(resolver, reverse, 'PTR', signal);
  if (answer === null) return { names: [], fcrdns: 'dns_error' };
  if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') return { names: [], fcrdns: 'none' };
  if (answer.status !== 'NOERROR') return { names: [], fcrdns: 'dns_error' };

  const owner = followCnameChain(answer.records, reverse).target;
  const names: string[] = [];
  for (const record of answer.records) {
    if (record.type !== 'PTR' || record.name !== owner || record.target === '' || names.includes(record.target)) continue;
    names.push(record.target);
    if (names.length >= bounds.maxPtrNames) break;
  }
  if (names.length === 0) return { names, fcrdns: 'none' };

  const forwardType: DnsQuestionType = isIP(ip) === 4 ? 'A' : 'AAAA';
  const confirmations = await Promise.all(names.map((name) => confirms(resolver, name, forwardType, ip, signal)));
  if (confirmations.includes('pass')) return { names, fcrdns: 'pass' };
  // One name whose forward question failed might have confirmed: not a `fail`.
  return { names, fcrdns: confirmations.includes('dns_error') ? 'dns_error' : 'fail' };
}

async function confirms(
  resolver: DnsResolver,
  name: string,
  type: DnsQuestionType,
  ip: string,
  signal: AbortSignal | undefined,
): Promise<'pass' | 'fail' | 'dns_error'> {
  const answer = await ask(resolver, name, type, signal);
  if (answer === null) return 'dns_error';
  if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') return 'fail';
  if (answer.status !== 'NOERROR') return 'dns_error';
  const owner = followCnameChain(answer.records, name).target;
  const wanted = normalizeAddress(ip);
  const found = answer.records.some(
    (record) =>
      (record.type === 'A' || record.type === 'AAAA') && record.name === owner && normalizeAddress(record.address) === wanted,
  );
  return found ? 'pass' : 'fail';
}

/** IPv6 has many spellings of one address; compare their expanded form. */
function normalizeAddress(ip: string): string {
  return isIP(ip) === 6 ? (reverseDnsName(ip) ?? ip) : ip;
}

/** The resolver's contract is never to throw; a broken one still must not take the probe down. */
async function ask(resolver: DnsResolver, name: string, type: DnsQuestionType, signal?: AbortSignal): Promise<DnsAnswer | null> {
  try {
    return await resolver.query(name, type, signal);
  } catch {
    return null;
  }
}
