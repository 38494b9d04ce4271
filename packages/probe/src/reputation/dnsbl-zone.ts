import { isEncodableDnsName } from '../dns/dns-name.js';

/**
 * Letters, digits and hyphens, at least two labels (a list is a zone under
 * someone's domain, never a TLD), room left for the 32 nibble labels of an
 * IPv6 query (RFC 5782 2.4: 64 octets) within the 255 of a name.
 */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV6_QUERY_PREFIX_OCTETS = 64;

export type DnsblZoneCheck = { status: 'ok'; zone: string } | { status: 'invalid'; reason: string };

/** A block-list zone as given to --dnsbl, canonical (lower case, no trailing dot), or why it is not one. */
export function checkDnsblZone(raw: string): DnsblZoneCheck {
  const zone = raw.trim().toLowerCase().replace(/\.$/, '');
  const labels = zone.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)))
    return { status: 'invalid', reason: `"${raw.slice(0, 80)}" is not a DNS zone name (like zen.example.org)` };
  if (zone.length + IPV6_QUERY_PREFIX_OCTETS > 253 || !isEncodableDnsName(zone))
    return { status: 'invalid', reason: `"${raw.slice(0, 80)}" is too long for an RFC 5782 query under it` };
  return { status: 'ok', zone };
}
