import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { isIpLiteralName } from './dns/ip-literal-name.js';
import { visibleInput } from './display-text.js';
import { brokenIdnaLabelRule, decodeALabel, hasNonAscii, type IdnaLabelRule } from './idna-label-rules.js';

export const INVALID_DOMAIN_REASONS = [
  'empty',
  'too_long',
  'label_too_long',
  'empty_label',
  'bad_character',
  'hyphen_edge',
  'ip_address',
  'idna_error',
] as const;
export type InvalidDomainReason = (typeof INVALID_DOMAIN_REASONS)[number];

export type NormalizedDomain =
  | { status: 'valid'; domain: string; input: string }
  | {
      status: 'invalid';
      input: string;
      /** Best effort (trimmed, lower case, cut to MAX_DISPLAY_CHARS, unsafe characters written \DDD), for display only. */
      domain: string;
      reason: InvalidDomainReason;
    };

/** RFC 1035 2.3.4 / RFC 5321 4.5.3.1.2: 255 octets on the wire is 253 in text without the trailing dot. */
const MAX_DOMAIN_OCTETS = 253;
const MAX_LABEL_OCTETS = 63;
/**
 * Longest input handed to IDNA processing. UTS #46 can map characters to nothing
 * (soft hyphen, joiners), so a Unicode input may shrink; past this size it
 * cannot be a name anyone meant, and it keeps the work per input bounded.
 */
const MAX_UNICODE_INPUT_CHARS = 1024;
/** The `domain` of an invalid result is for display; it must not echo a megabyte back. */
export const MAX_DISPLAY_CHARS = 256;

/** RFC 5321 4.1.2 (Domain = sub-domain *("." sub-domain), Let-dig / Ldh-str) and RFC 1123 2.1. */
const LDH_LABEL = /^[a-z0-9-]+$/;
/** A whole name in letters, digits, hyphens and dots, lower case: the A-label form normalizeDomain checks and gives. */
const LDH_NAME = /^[a-z0-9.-]+$/;
/**
 * An ASCII character no domain name holds, in a name that also holds non-ASCII ones. Those go through the
 * WHATWG URL host parser (domainToASCII), which drops tab, CR and LF, decodes %XX and stops at "/", "?", "#"
 * and "\\": "bücher.example/path" would be checked as bücher.example and "bücher.example<TAB>2024" as
 * xn--bcher-kva.example2024, where the same input in ASCII is bad_character. Postfix refuses them all.
 */
const NON_LDH_ASCII = /[\x00-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/;
/** Invisible direction marks a copy from right-to-left text leaves at a name's ends (LRM, RLM, ALM). */
const EDGE_MARKS: ReadonlySet<string> = new Set(['\u200e', '\u200f', '\u061c']);
/** A web address: a scheme, then "//" (RFC 3986 3). */
const WEB_ADDRESS = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A quoted local part ("odd@local"@example.com, RFC 5321 4.1.2), which may hold "@" of its own. */
const QUOTED_LOCAL_PART = /^"(?:[^"\\]|\\.)*"@/;

/**
 * The text without what String.prototype.trim removes and without direction marks, at either end. A loop,
 * not a regular expression: `[\s…]+$` retries from every blank inside the text, quadratic in a line of
 * spaces (65,000 took 5 s), and every search box and list line comes through here.
 */
function trimEdges(text: string): string {
  const edge = (char: string | undefined): boolean => char !== undefined && (EDGE_MARKS.has(char) || char.trim() === '');
  let start = 0;
  let end = text.length;
  while (start < end && edge(text[start])) start += 1;
  while (end > start && edge(text[end - 1])) end -= 1;
  return text.slice(start, end);
}

/**
 * What people paste, reduced to the A-label form the engine works with.
 *
 * URLs ("https://example.com/") are NOT unpacked: the host of a web address is
 * often not the mail domain (www.), and silently checking another name than the
 * one given would mislead; ":" and "/" are not LDH, so they come out as
 * `bad_character`. E-mail addresses are unpacked, because the mail domain is
 * unambiguous: the part after the last "@" (RFC 5321 4.1.2, the local part may
 * itself contain a quoted "@"), also from a mailbox as mail programs copy it ("Jane <jane@example.com>",
 * RFC 5322 3.4) and from a mailto: link with its ?subject=.
 */
export function normalizeDomain(input: string): NormalizedDomain {
  let text = trimEdges(input);
  const angle = /<([^<>]*)>$/.exec(text);
  if (angle?.[1] !== undefined && angle[1].includes('@')) text = trimEdges(angle[1]);
  if (/^mailto:/i.test(text)) text = text.slice('mailto:'.length).split('?')[0] ?? '';
  // Refused whole rather than cut at the last "@": a web address (https://mastodon.example/@someone would be
  // "someone"), and more than one "@" outside a quoted local part (two addresses, "a@x.test?cc=b@y.test").
  const quoted = QUOTED_LOCAL_PART.exec(text);
  const address = quoted ? text.slice(quoted[0].length - 1) : text;
  const refusedWhole = WEB_ADDRESS.test(text) || address.indexOf('@') !== address.lastIndexOf('@');
  if (!refusedWhole && address.includes('@')) text = address.slice(address.lastIndexOf('@') + 1);
  text = trimEdges(text);
  const display = text.toLowerCase().slice(0, MAX_DISPLAY_CHARS);
  const invalid = (reason: InvalidDomainReason, domain: string = display): NormalizedDomain => ({
    status: 'invalid',
    input,
    // Shown back in a table or a page: what would act on a terminal or hide (ESC, bidi, a zero-width space) is written \DDD.
    domain: visibleInput(domain.slice(0, MAX_DISPLAY_CHARS)),
    reason,
  });

  if (refusedWhole) return invalid('bad_character');
  if (text === '') return invalid('empty');

  // Address literals: "[192.0.2.1]", "[IPv6:2001:db8::1]" (RFC 5321 4.1.3), and bare addresses.
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1);
    return /^ipv6:/i.test(inner) || isIP(inner) !== 0 ? invalid('ip_address') : invalid('bad_character');
  }
  if (isIP(text) !== 0) return invalid('ip_address');

  // One trailing dot is the root (a fully qualified name); a second would be an empty label.
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (text === '') return invalid('empty');

  let ascii: string;
  // Only UTS #46 processing for non-ASCII input: WHATWG domainToASCII also turns
  // numeric hosts into dotted quads, which must be caught below as ip_address.
  if (hasNonAscii(text)) {
    if (text.length > MAX_UNICODE_INPUT_CHARS) return invalid('too_long');
    if (NON_LDH_ASCII.test(text)) return invalid('bad_character');
    ascii = domainToASCII(text);
    if (ascii === '') return invalid('idna_error');
    // Mapping can produce a trailing dot from a full-width one (U+3002 maps to ".").
    if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
    if (ascii === '') return invalid('empty');
  } else {
    ascii = text.toLowerCase();
  }
  return validateAscii(ascii, input, invalid);
}

function validateAscii(
  domain: string,
  input: string,
  invalid: (reason: InvalidDomainReason, domain?: string) => NormalizedDomain,
): NormalizedDomain {
  if (domain.length > MAX_DOMAIN_OCTETS) return invalid('too_long', domain);
  const labels = domain.split('.');
  for (const label of labels) {
    if (label === '') return invalid('empty_label', domain);
    if (label.length > MAX_LABEL_OCTETS) return invalid('label_too_long', domain);
  }
  for (const label of labels) {
    if (!LDH_LABEL.test(label)) return invalid('bad_character', domain);
    // RFC 952 / RFC 1123 2.1: a label starts and ends with a letter or digit.
    if (label.startsWith('-') || label.endsWith('-')) return invalid('hyphen_edge', domain);
  }
  // 127.1, 2130706433, 0x7f000001: an address in disguise (no TLD is all-numeric, RFC 3696 2).
  if (isIpLiteralName(domain)) return invalid('ip_address', domain);
  // An A-label must be valid Punycode that decodes to a valid U-label (RFC 5891 5.4);
  // round-tripping through UTS #46 checks most of that, brokenIdnaLabelRule what Node's leaves out.
  if (
    labels.some((label) => label.startsWith('xn--')) &&
    (domainToASCII(domain) !== domain || brokenIdnaLabelRule(domain) !== null)
  ) {
    return invalid('idna_error', domain);
  }
  return { status: 'valid', domain, input };
}

/**
 * For removing what was stored: normalizeDomain's answer, except that a name refused only by the hyphen,
 * leading-mark or Bidi rule of U-labels (idna_error, brokenIdnaLabelRule), which earlier releases did not
 * apply, is taken in the A-label form they stored, so that a watch stored for it stays removable. Never for
 * checking or storing: those keep the refusal.
 */
export function normalizeStoredDomain(input: string): NormalizedDomain {
  const normalized = normalizeDomain(input);
  if (normalized.status === 'valid' || normalized.reason !== 'idna_error') return normalized;
  // The A-label Node produced, which a release before these rules stored (given as typed, in A-labels or as an address).
  const rule = refusedIdnaRule(normalized.domain);
  const stored = rule === 'hyphen' || rule === 'mark' || rule === 'bidi';
  return stored ? { status: 'valid', domain: normalized.domain, input } : normalized;
}

/**
 * The IDNA rule an invalid result's name breaks, when that name is in A-label form (the refusal was mxv's own,
 * brokenIdnaLabelRule); null for any other text (Node's conversion refused it, or it is no name at all).
 */
export function refusedIdnaRule(invalidDomain: string): IdnaLabelRule | null {
  return LDH_NAME.test(invalidDomain) ? brokenIdnaLabelRule(invalidDomain) : null;
}

/**
 * For an input that is a web address ("https://www.example.com/contact"), the domain its host names ('' when
 * the host is no domain name, an address say); null for any other input. normalizeDomain refuses such input
 * (bad_character) rather than take the host for the mail domain; this lets the refusal say what it was.
 */
export function webAddressHost(input: string): string | null {
  const text = trimEdges(input);
  if (!WEB_ADDRESS.test(text)) return null;
  let host: string;
  try {
    host = new URL(text).hostname;
  } catch {
    return '';
  }
  const named = normalizeDomain(host);
  return named.status === 'valid' ? named.domain : '';
}

/**
 * How a domain with A-labels reads (xn--bcher-kva.example is bücher.example), for showing beside it; null
 * when it has none. Beside, never instead: the A-label is what was checked, and a look-alike in another
 * script (а Cyrillic "а" in аpple.example) shows as what it is next to its xn-- form. What would act on a
 * terminal or hide is written as \DDD, as for any input shown back.
 */
export function unicodeForm(domain: string): string | null {
  // Only a name in A-label form: other text decoded as a host could read as another name (a %6f, a "/").
  if (!LDH_NAME.test(domain)) return null;
  const labels = domain.split('.');
  if (!labels.some((label) => label.startsWith('xn--'))) return null;
  const unicode = labels.map((label) => (label.startsWith('xn--') ? decodeALabel(label) : label));
  return unicode.includes(null) ? null : visibleInput(unicode.join('.'));
}
