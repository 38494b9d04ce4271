import { brokenUnicodeLabelRule, type IdnaLabelRule } from './idna-label-rules.js';
import { normalizeDomain, refusedIdnaRule, webAddressHost } from './normalize-domain.js';

const IDNA_RULE_WORDS: Record<IdnaLabelRule, string> = {
  a_label: 'an xn-- label is not the Punycode of an internationalized label (RFC 5891 5.4)',
  hyphen:
    'an internationalized label may not start or end with a hyphen, nor hold "--" in its third and fourth places (RFC 5891 4.2.3.1)',
  mark: 'an internationalized label may not start with a combining mark (RFC 5891 4.2.3.2)',
  bidi: 'a label mixes left-to-right and right-to-left writing, or its right-to-left text starts or ends with a character it may not (the Bidi rule, RFC 5893)',
};

/** Two or more dotted names separated by blanks, commas or semicolons; labels exclude the dot, so matching is linear. */
const SEVERAL_NAMES = /^[^\s,;.]+(?:\.[^\s,;.]+)+(?:[\s,;]+[^\s,;.]+(?:\.[^\s,;.]+)+)+$/;

/**
 * Why an input was refused, in words past its reason code, for the table and the lookup page; null when the
 * code says it all. A web address says so and names its host: mxv does not take the host of a URL for the mail
 * domain (it is often www.), and "bad_character" alone leaves the person guessing; so does "idna_error" alone
 * for a name that looks fine to them.
 */
export function refusalHint(input: string, reason: string): string | null {
  if (reason === 'ip_address') return "mxv checks a domain's mail route: give the domain whose MX points at this address";
  if (reason === 'bad_character') {
    const host = webAddressHost(input);
    if (host !== null)
      return `it is a web address; give the domain that receives the mail${host === '' ? '' : ` (its host is ${host})`}`;
    // "a.example,b.example" or "a.example b.example" in one argument or line: one domain each.
    if (SEVERAL_NAMES.test(input.trim())) return 'it holds several names: give one domain per argument or per line';
    return null;
  }
  if (reason !== 'idna_error') return null;
  const normalized = normalizeDomain(input);
  if (normalized.status === 'valid') return null;
  // Its A-labels: refused by mxv's own rules, which name themselves. Otherwise Node's conversion refused it, and
  // says not why: a guess from the text, unless the text shown was escaped.
  const rule =
    refusedIdnaRule(normalized.domain) ?? (normalized.domain.includes('\\') ? null : brokenUnicodeLabelRule(normalized.domain));
  return rule === null ? null : IDNA_RULE_WORDS[rule];
}
