/**
 * Text that others chose (a server's greeting, a resolver's EDE text, a TXT record, a line of the
 * input list) is shown in terminals and on the lookup page and stored as JSON. Three ways of making
 * it safe to show, each for a kind of text.
 */

/**
 * Characters that act instead of showing: C0/C1 controls and DEL (Cc: a terminal's ESC and CSI
 * sequences, BEL, a CR that overwrites the line), format characters (Cf: bidi overrides and
 * isolates that make "KO" read "OK", zero-width characters, tag characters) and the line and
 * paragraph separators U+2028/2029.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Free text (a banner, a refusal, a certificate's subject, an EDE text, a block list's reason):
 * what acts instead of showing is removed, a tab becomes a space.
 */
export function stripControls(text: string): string {
  const spaced = text.includes('\t') ? text.replace(/\t/g, ' ') : text;
  return UNSAFE.test(spaced) ? spaced.replace(UNSAFE_ALL, '') : spaced;
}

/** Printable ASCII but the backslash: kept as it is by digText. */
const DIG_PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * The text of a TXT record as dig writes it (RFC 1035 5.1): printable ASCII as it is, "\" as "\\",
 * every other octet of its UTF-8 as \DDD. So a record shows exactly what is published, and what
 * breaks it is visible: a no-break space or a zero-width space pasted from a web page (\194\160,
 * \226\128\139), a control byte, a bidi override, none of which can act on a terminal.
 */
export function digText(text: string): string {
  if (DIG_PLAIN.test(text)) return text;
  let written = '';
  for (const octet of Buffer.from(text, 'utf8')) {
    if (octet === 0x5c) written += '\\\\';
    else if (octet >= 0x20 && octet <= 0x7e) written += String.fromCharCode(octet);
    else written += `\\${String(octet).padStart(3, '0')}`;
  }
  return written;
}

/**
 * A line someone gave (an input that is no domain name), shown back to them: letters of any script
 * stay readable, and only what acts instead of showing, other spaces than U+0020 (a no-break space
 * looks like one) and the backslash are written as \DDD octets, as dig writes a name's label.
 */
export function visibleInput(text: string): string {
  if (!/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\\]/u.test(text)) return text;
  let written = '';
  for (const char of text) {
    if (char === ' ') written += char;
    else if (char === '\\') written += '\\\\';
    else if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}]/u.test(char))
      for (const octet of Buffer.from(char, 'utf8')) written += `\\${String(octet).padStart(3, '0')}`;
    else written += char;
  }
  return written;
}
