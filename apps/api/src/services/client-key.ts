import ipaddr from 'ipaddr.js';

/**
 * The key one client's limits count under (requests a minute, event streams, anonymous live checks): its
 * IPv4 address, or the /64 of its IPv6 address. One IPv6 subscriber or server holds a whole /64 (RFC 6177,
 * RIPE-690), so keyed by the full address one machine would be 2^64 clients. An IPv4-mapped address
 * counts as its IPv4 one. `ip` is request.ip, which honours --trust-proxy.
 */
export function clientKey(ip: string): string {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(ip);
  } catch {
    return ip;
  }
  if (address.kind() === 'ipv4') return address.toString();
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const prefix = v6.parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
