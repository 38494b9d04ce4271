/**
 * Names as the engine compares them: lower case (RFC 4343: DNS names compare
 * case-insensitively) and without the trailing dot of the root. The root itself
 * becomes the empty string, which is also how a null MX exchange reads (RFC 7505).
 */
export function canonicalDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Whether a name can be put into a question at all: RFC 1035 2.3.4 limits a
 * label to 63 octets and a whole name to 255 octets on the wire. dns-packet does
 * not check this and would write a corrupt length byte, so it is checked here.
 */
export function isEncodableDnsName(name: string): boolean {
  const canonical = canonicalDnsName(name);
  if (canonical === '') return false;
  let wireLength = 1;
  for (const label of canonical.split('.')) {
    const bytes = Buffer.byteLength(label, 'utf8');
    if (bytes < 1 || bytes > 63) return false;
    wireLength += bytes + 1;
  }
  return wireLength <= 255;
}
