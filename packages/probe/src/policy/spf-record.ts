import { isIP } from 'node:net';

/** The mechanisms of RFC 7208 5; `include`, `a`, `mx`, `ptr` and `exists` cost a DNS lookup (4.6.4). */
export type SpfMechanismKind = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface SpfMechanism {
  kind: SpfMechanismKind;
  qualifier: '+' | '-' | '~' | '?';
  /** The domain-spec, when the mechanism has one (required for include and exists). */
  domain: string | null;
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
// RFC 7208 7.1: %{ letter [digits] [r] [delimiters] }, or %% %_ %-.
const MACRO = /%(?:\{[slodiphcrtv]\d*r?[.\-+,/_=]*\}|%|_|-)/gi;
const MODIFIER_NAME = /^[A-Za-z][A-Za-z0-9\-_.]*$/;

/** Whether a domain-spec (RFC 7208 7.1) has macros: it can then only be expanded for a given sender and address. */
export function hasMacro(spec: string): boolean {
  return spec.includes('%');
}

/** A domain-spec is a macro-string ending in a domain; mxv checks its macros are well formed and its literal labels sane. */
function validDomainSpec(spec: string): 'ok' | 'bad_macro' | 'bad_domain_spec' {
  if (spec === '' || spec.length > 253 + 64) return 'bad_domain_spec';
  const stripped = spec.replace(MACRO, 'x');
  if (stripped.includes('%')) return 'bad_macro';
  if (!/^[\x21-\x7e]+$/.test(stripped)) return 'bad_domain_spec';
  const labels = stripped.replace(/\.$/, '').split('.');
  // 7.1: the toplabel is not all digits, and a bare word is not a domain.
  if (labels.length < 2 || labels.some((label) => label === '')) return 'bad_domain_spec';
  if (!hasMacro(spec) && /^[0-9]+$/.test(labels.at(-1) ?? '')) return 'bad_domain_spec';
  return 'ok';
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
  if (isIP(address) !== family) return false;
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
      const { spec, ok } = splitDualCidr(separator === ':' ? rest : arg);
      if (!ok) return 'bad_ip_network';
      if (separator === '/' || spec === '') return separator === '/' ? { kind: name, qualifier, domain: null } : 'syntax';
      const valid = validDomainSpec(spec);
      return valid === 'ok' ? { kind: name, qualifier, domain: spec } : valid;
    }
    case 'ip4':
    case 'ip6':
      if (separator !== ':') return 'syntax';
      return validNetwork(rest, name === 'ip4' ? 4 : 6) ? { kind: name, qualifier, domain: null } : 'bad_ip_network';
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
      } else if (value.replace(MACRO, '').includes('%')) {
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
