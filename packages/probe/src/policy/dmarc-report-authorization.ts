import type { DnsResolver } from '../dns/dns-types.js';
import { normalizeDomain } from '../normalize-domain.js';
import { isDmarcRecord } from './dmarc-record.js';
import { organizationalDomain } from './organizational-domain.js';
import { lookupTaggedTxt, type TxtBounds } from './txt-lookup.js';

export interface ReportAuthorizationBounds extends TxtBounds {
  /** External report destinations asked about per record; the rest are not judged. */
  dmarcMaxReportDestinations: number;
}

/** RFC 1035 2.3.4: 255 octets on the wire, 253 characters in text without the final dot. */
const MAX_DNS_NAME_OCTETS = 253;

/**
 * The domain part of a `mailto:` report URI (RFC 7489 6.2: `mailto:addr[?query][!size]`), normalized;
 * null for another scheme or an address without a valid domain.
 */
function mailtoDomain(uri: string): string | null {
  if (!/^mailto:/i.test(uri)) return null;
  const address = uri
    .slice('mailto:'.length)
    .replace(/![0-9]+[kmgt]?$/i, '')
    .replace(/\?.*$/, '');
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  let host: string;
  try {
    host = decodeURIComponent(address.slice(at + 1));
  } catch {
    return null;
  }
  const normalized = normalizeDomain(host);
  return normalized.status === 'valid' ? normalized.domain : null;
}

/**
 * RFC 7489 7.1: a receiver sends aggregate reports to a `mailto:` destination outside the policy
 * domain's organization only when that destination says it takes them, with a TXT record beginning
 * `v=DMARC1` at `<policy domain>._report._dmarc.<destination>` (a wildcard `*._report._dmarc` answers
 * for every domain). Returns the rua URIs whose destination has no such record: their reports are
 * never sent. A destination whose question fails is not listed (nothing can be said of it), and at
 * most `dmarcMaxReportDestinations` distinct external destinations are asked about.
 */
export async function unauthorizedReportUris(
  policyDomain: string,
  rua: readonly string[],
  resolver: DnsResolver,
  bounds: ReportAuthorizationBounds,
  signal?: AbortSignal,
): Promise<string[]> {
  const ownOrganization = (await organizationalDomain(policyDomain)) ?? policyDomain;
  const byDestination = new Map<string, string[]>();
  for (const uri of rua) {
    const destination = mailtoDomain(uri);
    if (destination === null) continue;
    const organization = (await organizationalDomain(destination)) ?? destination;
    if (organization === ownOrganization) continue;
    const uris = byDestination.get(destination);
    if (uris !== undefined) uris.push(uri);
    else if (byDestination.size < bounds.dmarcMaxReportDestinations) byDestination.set(destination, [uri]);
  }
  const verdicts = await Promise.all(
    [...byDestination].map(async ([destination, uris]) => {
      const name = `${policyDomain}._report._dmarc.${destination}`;
      // A name longer than DNS allows (RFC 1035 2.3.4) can hold no consent: no receiver can ask for it.
      if (name.length > MAX_DNS_NAME_OCTETS) return uris;
      const found = await lookupTaggedTxt(resolver, name, isDmarcRecord, bounds, signal);
      const unauthorized = found.status === 'absent' || (found.status === 'found' && found.records.length === 0);
      return unauthorized ? uris : [];
    }),
  );
  return verdicts.flat();
}
