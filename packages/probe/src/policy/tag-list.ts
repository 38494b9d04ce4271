/**
 * The `tag=value; tag=value` lists of DMARC (RFC 7489 6.4), MTA-STS's TXT
 * record (RFC 8461 3.1) and TLS-RPT (RFC 8460 3), all after DKIM's tag-list
 * (RFC 6376 3.2): whitespace around tags and values is allowed, a trailing `;`
 * too, a tag without `=` or a repeated tag is not.
 */
export type TagList =
  | { status: 'ok'; tags: ReadonlyArray<readonly [name: string, value: string]> }
  | { status: 'invalid'; error: 'tag_syntax' | 'duplicate_tag' };

/** DKIM's tag-name (RFC 6376 3.2), which DMARC's tag-list follows (RFC 7489 6.4). */
const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The extension field names of TLS-RPT (RFC 8460 3 tlsrpt-ext-name) and MTA-STS (RFC 8461 3.1
 * sts-ext-name): `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`, wider than DKIM's.
 */
export const EXTENSION_TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/**
 * `lenient` reads a list as DMARC receivers do (OpenDMARC; RFC 7489 6.3: unknown tags "MUST be
 * ignored"): an empty tag-spec (`;;`), a part without `=` or with a name outside the grammar is
 * an unknown tag and skipped. A repeated tag still invalidates the list (RFC 6376 3.2, whose
 * tag-value syntax DMARC records follow, RFC 7489 6.4): receivers disagree on which value wins.
 * The first part is never skipped: it is the version tag that makes the record what it is.
 */
export function parseTagList(text: string, names: RegExp = TAG_NAME, lenient = false): TagList {
  const tags: Array<readonly [string, string]> = [];
  const seen = new Set<string>();
  const parts = text.split(';');
  for (const [index, raw] of parts.entries()) {
    const part = raw.trim();
    const skippable = lenient && index > 0;
    if (part === '') {
      // Only the last part may be empty: "v=DMARC1; p=none;" is fine, "v=DMARC1;; p=none" is not.
      if ((index === parts.length - 1 && index > 0) || skippable) continue;
      return { status: 'invalid', error: 'tag_syntax' };
    }
    const eq = part.indexOf('=');
    const name = eq <= 0 ? '' : part.slice(0, eq).trim();
    if (eq <= 0 || !names.test(name)) {
      if (skippable) continue;
      return { status: 'invalid', error: 'tag_syntax' };
    }
    const key = name.toLowerCase();
    if (seen.has(key)) return { status: 'invalid', error: 'duplicate_tag' };
    seen.add(key);
    tags.push([key, part.slice(eq + 1).trim()]);
  }
  return { status: 'ok', tags };
}

/** The value of a tag (names are lower case in a parsed list), or undefined. */
export function tagValue(list: Extract<TagList, { status: 'ok' }>, name: string): string | undefined {
  return list.tags.find(([key]) => key === name)?.[1];
}

/** RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * One report URI: a scheme, `:` and something after it. `schemes` names the ones
 * allowed, or 'any' for any scheme RFC 3986 can spell (DMARC, RFC 7489 6.3).
 */
export function isReportUri(uri: string, schemes: readonly string[] | 'any'): boolean {
  const colon = uri.indexOf(':');
  if (colon <= 0 || uri.length === colon + 1) return false;
  const scheme = uri.slice(0, colon);
  if (!URI_SCHEME.test(scheme)) return false;
  return schemes === 'any' || schemes.includes(scheme.toLowerCase());
}

/**
 * A list of report URIs (DMARC rua/ruf, TLS-RPT rua): comma-separated, each a
 * URI with a scheme. DMARC allows a size suffix after `!` (RFC 7489 6.2), kept as written.
 */
export function parseUriList(value: string, schemes: readonly string[] | 'any'): string[] | null {
  const uris = value.split(',').map((uri) => uri.trim());
  if (uris.length === 0 || uris.some((uri) => !isReportUri(uri, schemes))) return null;
  return uris;
}
