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
  // Label by label without splitting (every question passes here): UTF-8 octets counted per UTF-16 unit.
  let wireLength = 1;
  let labelBytes = 0;
  for (let i = 0; i <= canonical.length; i++) {
    const unit = i === canonical.length ? DOT : canonical.charCodeAt(i);
    if (unit === DOT) {
      if (labelBytes < 1 || labelBytes > 63) return false;
      wireLength += labelBytes + 1;
      labelBytes = 0;
    } else if (unit < 0x80) {
      labelBytes += 1;
    } else if (unit < 0x800) {
      labelBytes += 2;
    } else if (isHighSurrogate(unit) && isLowSurrogate(canonical.charCodeAt(i + 1))) {
      // A surrogate pair is one character of 4 octets.
      labelBytes += 4;
      i += 1;
    } else {
      // The rest of the BMP, and a lone surrogate (written as U+FFFD), are 3 octets.
      labelBytes += 3;
    }
  }
  return wireLength <= 255;
}

/** A label of a host name as Postfix's valid_hostname() takes it: letters, digits, "-" and "_", no "-" at either end. */
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Whether a canonical name read from DNS data is a host name a sender would use (RFC 1123 2.1, and the
 * underscore real zones use): Postfix skips an MX whose exchange is not ("malformed domain name in resource
 * data of MX record") and delivers to the others. A space, raw UTF-8 or a terminal's control bytes in a
 * label (written \DDD by decode-response), an escaped dot, "*" or a misplaced hyphen all make it malformed.
 */
export function isHostName(name: string): boolean {
  if (name === '' || name.length > 253) return false;
  let start = 0;
  for (;;) {
    const dot = name.indexOf('.', start);
    const label = dot === -1 ? name.slice(start) : name.slice(start, dot);
    if (!HOST_LABEL.test(label)) return false;
    if (dot === -1) return true;
    start = dot + 1;
  }
}

const DOT = 0x2e;

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
