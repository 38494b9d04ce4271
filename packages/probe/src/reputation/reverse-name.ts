import { isIP } from 'node:net';

/**
 * The labels of an address in reverse order, as both the PTR owner (RFC 1035
 * 3.5, RFC 3596 2.5) and the DNS block-list query (RFC 5782 2.1, 2.4) write
 * it: IPv4 octets reversed, IPv6 every nibble reversed. null: not an address.
 */
export function reversedAddressLabels(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return ip.split('.').reverse().join('.');
  if (family !== 6) return null;
  const nibbles = expandIpv6(ip);
  return nibbles === null ? null : [...nibbles].reverse().join('.');
}

/** `4.3.2.1.in-addr.arpa` / `<32 nibbles>.ip6.arpa`: where an address's PTR lives. */
export function reverseDnsName(ip: string): string | null {
  const labels = reversedAddressLabels(ip);
  if (labels === null) return null;
  return `${labels}.${isIP(ip) === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

/** The 32 hex nibbles of an IPv6 address (embedded IPv4 tails included), lower case. */
function expandIpv6(ip: string): string | null {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // An IPv4 tail (::ffff:192.0.2.1) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.map((group) => group.padStart(4, '0')).join('');
}
