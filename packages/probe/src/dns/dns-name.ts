/**
 * Names as the engine compares them: lower case (RFC 4343: DNS names compare
 * case-insensitively) and without the trailing dot of the root. The root itself
 * becomes the empty string, which is also how a null MX exchange reads (RFC 7505).
 */
export function canonicalDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') && !endsInEscapedDot(lower) ? lower.slice(0, -1) : lower;
}

/** `a\.` ends in a label that holds a dot (the RFC 1035 5.1 escape), not in the root; `a\\.` ends in the root. */
function endsInEscapedDot(name: string): boolean {
  let backslashes = 0;
  for (let i = name.length - 2; i >= 0 && name[i] === '\\'; i--) backslashes += 1;
  return backslashes % 2 === 1;
}

/**
 * Whether a name can be put into a question at all: RFC 1035 2.3.4 limits a
 * label to 63 octets and a whole name to 255 octets on the wire. dns-packet does
 * not check this and would write a corrupt length byte, so it is checked here.
 * A name with a backslash is one read from the wire with a "." or a backslash
 * inside a label (decode-response escapes them, RFC 1035 5.1): no host name
 * (RFC 1123 2.1), and split on dots it would be another name, so it is not asked.
 */
export function isEncodableDnsName(name: string): boolean {
  const canonical = canonicalDnsName(name);
  if (canonical === '' || canonical.includes('\\')) return false;
  let wireLength = 1;
  for (const label of canonical.split('.')) {
    const bytes = Buffer.byteLength(label, 'utf8');
    if (bytes < 1 || bytes > 63) return false;
    wireLength += bytes + 1;
  }
  return wireLength <= 255;
}
