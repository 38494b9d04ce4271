import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import type * as IpAddr from 'ipaddr.js';
import { organizationalDomain } from '../policy/organizational-domain.js';
import type { GateTarget } from './host-types.js';

// CommonJS, so required rather than imported: see dns/dns-query.ts (start-up time).
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr;

/** Prefix lengths of a network group: one /24 is one operator's block in practice, a /48 one site (RFC 6177). */
export const NETWORK_GROUP_PREFIX = { ipv4: 24, ipv6: 48 } as const;

/**
 * The groups a connection counts against besides its address (README "Politeness"):
 * many addresses of one operator, or of one block, are one destination to the
 * people who run them, and a per-address limit alone lets a fleet hit them as
 * hard as the number of addresses times that limit.
 */
export interface PolitenessGroups {
  /**
   * The registrable domain (Public Suffix List, A-label, lower case) of the
   * exchange name: `alt1.aspmx.l.google.com` and `aspmx.l.google.com` are both
   * `google.com`. null when the exchange is an address literal or a name with
   * no registrable domain (`localhost`, a bare public suffix): such a connection
   * has no provider group, only its address and network limits.
   */
  provider: string | null;
  /** The address's /24 (IPv4, IPv4-mapped IPv6 included) or /48 (IPv6), as `198.51.100.0/24`, `2001:db8:1::/48`. null when the address does not parse. */
  network: string | null;
}

export async function politenessGroups(target: GateTarget): Promise<PolitenessGroups> {
  return { provider: await providerGroup(target.exchange), network: networkGroup(target.ip) };
}

/**
 * The provider group of an exchange name. Names are taken to the A-label form
 * first, so a U-label and its punycode spelling are one group. A private
 * suffix of the PSL (a hosting platform's) makes each customer its own group,
 * as the DMARC organizational domain does: the platform's shared addresses are
 * still held together by the network group.
 */
export async function providerGroup(exchange: string): Promise<string | null> {
  const name = exchange.trim().replace(/\.$/, '');
  // An address literal ("[192.0.2.1]" or bare) names no provider; tldts says null for a bare one too.
  if (name === '' || name.startsWith('[') || isIPv4(name) || isIPv6(name)) return null;
  const ascii = domainToASCII(name);
  if (ascii === '') return null;
  const domain = await organizationalDomain(ascii);
  return domain === null || domain === '' ? null : domain.toLowerCase();
}

/**
 * The network group of an address. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`)
 * reaches the IPv4 host, so it is grouped with that host's /24; a zone id
 * (`fe80::1%eth0`) is dropped.
 */
export function networkGroup(ip: string): string | null {
  if (isIPv4(ip)) {
    return `${ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${NETWORK_GROUP_PREFIX.ipv4}`).toString()}/${NETWORK_GROUP_PREFIX.ipv4}`;
  }
  if (!isIPv6(ip)) return null;
  const address = ipaddr.IPv6.parse(ip);
  if (address.isIPv4MappedAddress()) return networkGroup(address.toIPv4Address().toString());
  const kept = NETWORK_GROUP_PREFIX.ipv6 / 16;
  const parts = address.parts.map((part, index) => (index < kept ? part : 0));
  return `${new ipaddr.IPv6(parts).toString()}/${NETWORK_GROUP_PREFIX.ipv6}`;
}
