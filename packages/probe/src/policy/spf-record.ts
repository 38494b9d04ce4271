import { isIP } from 'node:net';

/** The mechanisms of RFC 7208 5; `include`, `a`, `mx`, `ptr` and `exists` cost a DNS lookup (4.6.4). */
export type SpfMechanismKind = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface SpfMechanism {
  kind: SpfMechanismKind;
  qualifier: '+' | '-' | '~' | '?';
  /** The domain-spec, when the mechanism has one (required for include and exists). */
  domain: string | null;
  /** `ip4:…/0`: every IPv4 sender matches it. */
  everyIpv4?: true;
}

export interface SpfTerms {
  mechanisms: SpfMechanism[];
  redirect: string | null;
  exp: string | null;
}

export type SpfSyntaxError =
  'syntax' | 'unknown_mechanism' | 'bad_domain_spec' | 'bad_ip_network' | 'duplicate_modifier' | 'bad_macro';

export type SpfParse = { status: 'ok'; terms: SpfTerms } | { status: 'invalid'; error: SpfSyntaxError; term: string };

/** The mechanisms whose evaluation asks DNS a question, each counting once against the limit of 10 (RFC 7208 4.6.4). */
export const LOOKUP_MECHANISMS: ReadonlySet<SpfMechanismKind> = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

const QUALIFIERS = new Set(['+', '-', '~', '?']);
/**
 * RFC 7208 7.1: %{ letter [digits] [r] [delimiters] }, or %% %_ %-; the letter is
 * captured to be checked by where the macro stands, the digits are nonzero (7.3).
 */
const MACRO = /%(?:\{([a-z])(?:[1-9][0-9]*)?r?[.\-+,/_=]*\}|%|_|-)/gi;
/** 7.3: c, r and t are for explanation text only; a domain-spec (exp= too: it names a domain) has the others. */
const DOMAIN_MACRO_LETTERS = 'slodiphv';
const ANY_MACRO_LETTERS = 'slodiphvcrt';
/** 12: a macro-string is visible ASCII (macro-literal = %x21-24 / %x26-7E, `%` only in a macro-expand). */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
/** 7.1: toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ). */
const TOPLABEL = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;
/** A domain-spec is expanded and truncated to 253 characters (7.3); a literal one this long is not a name. */
const MAX_DOMAIN_SPEC = 253 + 64;
const MODIFIER_NAME = /^[A-Za-z][A-Za-z0-9\-_.]*$/;

/** Whether a domain-spec (RFC 7208 7.1) has macros: it can then only be expanded for a given sender and address. */
export function hasMacro(spec: string): boolean {
  return spec.includes('%');
}

/**
 * A macro-string's literal text (each macro-expand replaced by `x`) and whether it
 * ends in a macro-expand, or null when a `%` stands outside a well-formed macro or a
 * macro letter is not one of `letters`.
 */
function scanMacroString(text: string, letters: string): { literal: string; endsInMacro: boolean } | null {
  let wrongLetter = false;
  let end = -1;
  const literal = text.replace(MACRO, (expand: string, letter: string | undefined, offset: number) => {
    if (letter !== undefined && !letters.includes(letter.toLowerCase())) wrongLetter = true;
    end = offset + expand.length;
    return 'x';
  });
  if (wrongLetter || literal.includes('%')) return null;
  return { literal, endsInMacro: end === text.length };
}

/**
 * RFC 7208 7.1: domain-spec = macro-string domain-end, domain-end = ( "." toplabel [ "." ] )
 * / macro-expand. Empty labels are refused too: no DNS question can be made of them.
 */
function validDomainSpec(spec: string): 'ok' | 'bad_macro' | 'bad_domain_spec' {
  if (spec === '' || spec.length > MAX_DOMAIN_SPEC || !VISIBLE_ASCII.test(spec)) return 'bad_domain_spec';
  const unrooted = spec.replace(/\.$/, '');
  const scan = scanMacroString(unrooted, DOMAIN_MACRO_LETTERS);
  if (scan === null) return 'bad_macro';
  const labels = scan.literal.split('.');
  if (labels.some((label) => label === '')) return 'bad_domain_spec';
  if (scan.endsInMacro) return 'ok';
  // A bare word is not a domain ("a:foo-bar", "a:museum."), nor a toplabel with ":" or "/" in it ("a:example.com:8080").
  return labels.length >= 2 && TOPLABEL.test(labels.at(-1) ?? '') ? 'ok' : 'bad_domain_spec';
}

function validCidr(text: string, max: number): boolean {
  return /^[0-9]{1,3}$/.test(text) && Number(text) <= max && !(text.length > 1 && text.startsWith('0'));
}

/** `a` and `mx` may end in a dual-cidr-length (`/24`, `//64`, `/24//64`); split it off and check it. */
function splitDualCidr(arg: string): { spec: string; ok: boolean } {
  const match = /^(.*?)(?:\/([0-9]+))?(?:\/\/([0-9]+))?$/.exec(arg);
  if (match === null) return { spec: arg, ok: false };
  const [, spec = '', v4, v6] = match;
  const ok = (v4 === undefined || validCidr(v4, 32)) && (v6 === undefined || validCidr(v6, 128));
  return { spec, ok };
}

function validNetwork(arg: string, family: 4 | 6): boolean {
  const slash = arg.indexOf('/');
  const address = slash >= 0 ? arg.slice(0, slash) : arg;
  // isIP takes a zone (`fe80::1%eth0`); ip6-network is an address only (RFC 7208 5.6, RFC 4291 2.2).
  if (isIP(address) !== family || address.includes('%')) return false;
  return slash < 0 || validCidr(arg.slice(slash + 1), family === 4 ? 32 : 128);
}

function parseMechanism(term: string): SpfMechanism | SpfSyntaxError {
  const qualifier = QUALIFIERS.has(term.charAt(0)) ? (term.charAt(0) as SpfMechanism['qualifier']) : '+';
  const body = QUALIFIERS.has(term.charAt(0)) ? term.slice(1) : term;
  const match = /^([A-Za-z0-9]+)(?:([:/])(.*))?$/s.exec(body);
  if (match === null) return 'syntax';
  const name = (match[1] ?? '').toLowerCase();
  const separator = match[2];
  const rest = match[3] ?? '';
  const arg = separator === ':' ? rest : separator === '/' ? `/${rest}` : null;
  switch (name) {
    case 'all':
      return arg === null ? { kind: 'all', qualifier, domain: null } : 'syntax';
    case 'include':
    case 'exists': {
      if (separator !== ':') return 'syntax';
      const valid = validDomainSpec(rest);
      return valid === 'ok' ? { kind: name, qualifier, domain: rest } : valid;
    }
    case 'ptr': {
      if (arg === null) return { kind: 'ptr', qualifier, domain: null };
      if (separator !== ':') return 'syntax';
      const valid = validDomainSpec(rest);
      return valid === 'ok' ? { kind: 'ptr', qualifier, domain: rest } : valid;
    }
    case 'a':
    case 'mx': {
      if (arg === null) return { kind: name, qualifier, domain: null };
      const { spec, ok } = splitDualCidr(arg);
      if (!ok) return 'bad_ip_network';
      // Without ":", only a dual-cidr-length may follow (5.3, 5.4): "a/24x" and "mx/24/16" are not one.
      if (separator === '/') return spec === '' ? { kind: name, qualifier, domain: null } : 'syntax';
      if (spec === '') return 'syntax';
      const valid = validDomainSpec(spec);
      return valid === 'ok' ? { kind: name, qualifier, domain: spec } : valid;
    }
    case 'ip4':
    case 'ip6':
      if (separator !== ':') return 'syntax';
      if (!validNetwork(rest, name === 'ip4' ? 4 : 6)) return 'bad_ip_network';
      return name === 'ip4' && /\/0+$/.test(rest)
        ? { kind: name, qualifier, domain: null, everyIpv4: true }
        : { kind: name, qualifier, domain: null };
    default:
      return 'unknown_mechanism';
  }
}

/**
 * The terms of one SPF record (RFC 7208 4.6.1, 12): `v=spf1`, then mechanisms
 * and modifiers separated by spaces. `redirect` and `exp` appear at most once
 * (6); unknown modifiers are ignored (6); an unknown mechanism is a permerror (5).
 */
export function parseSpfRecord(text: string): SpfParse {
  const [version, ...terms] = text.split(' ');
  if (version?.toLowerCase() !== 'v=spf1') return { status: 'invalid', error: 'syntax', term: version ?? '' };
  const out: SpfTerms = { mechanisms: [], redirect: null, exp: null };
  for (const term of terms) {
    if (term === '') continue; // 4.6.1: terms are separated by one or more spaces.
    const eq = term.indexOf('=');
    const colonOrSlash = term.search(/[:/]/);
    if (eq > 0 && (colonOrSlash < 0 || eq < colonOrSlash)) {
      const name = term.slice(0, eq);
      const value = term.slice(eq + 1);
      if (!MODIFIER_NAME.test(name)) return { status: 'invalid', error: 'syntax', term };
      const key = name.toLowerCase();
      if (key === 'redirect' || key === 'exp') {
        if (out[key] !== null) return { status: 'invalid', error: 'duplicate_modifier', term };
        const valid = validDomainSpec(value);
        if (valid !== 'ok') return { status: 'invalid', error: valid, term };
        out[key] = value;
      } else if (!VISIBLE_ASCII.test(value)) {
        return { status: 'invalid', error: 'syntax', term };
      } else if (scanMacroString(value, ANY_MACRO_LETTERS) === null) {
        // 12: an unknown modifier is ignored, but its value is still a macro-string.
        return { status: 'invalid', error: 'bad_macro', term };
      }
      continue;
    }
    const mechanism = parseMechanism(term);
    if (typeof mechanism === 'string') return { status: 'invalid', error: mechanism, term };
    out.mechanisms.push(mechanism);
  }
  return { status: 'ok', terms: out };
}
