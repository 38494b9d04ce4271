import { isIP } from 'node:net';

/**
 * WHATWG URL "ends in a number": a last label of decimal digits, or "0x" and hex
 * digits, makes URL parsers and inet_aton-style resolvers read the whole name as
 * an IPv4 address (127.1, 2130706433, 0x7f000001 all mean 127.0.0.1). No TLD is
 * all-numeric (RFC 3696 2), so such a name is an address in disguise.
 */
const NUMERIC_LAST_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/i;

/**
 * Whether a name is an IP address in any notation: dotted or numeric IPv4, an
 * IPv6 literal, or an RFC 5321 4.1.3 address literal in brackets. Never turns it
 * into an address: callers reject it, they do not connect to it.
 */
export function isIpLiteralName(name: string): boolean {
  let text = name.trim();
  if (text.startsWith('[') && text.endsWith(']')) return true;
  if (isIP(text) !== 0) return true;
  if (text.endsWith('.')) text = text.slice(0, -1);
  const lastDot = text.lastIndexOf('.');
  const lastLabel = text.slice(lastDot + 1);
  return lastLabel !== '' && NUMERIC_LAST_LABEL.test(lastLabel);
}
