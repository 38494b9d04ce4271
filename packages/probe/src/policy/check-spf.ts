import type { Spf } from '@mxv/schema';
import type { DnsAnswer, DnsQuestionType, DnsResolver } from '../dns/dns-types.js';
import { followCnameChain } from '../dns/follow-cname-chain.js';
import { digText } from '../display-text.js';
import { hasMacro, LOOKUP_MECHANISMS, parseSpfRecord, type SpfMechanism, type SpfMechanismKind } from './spf-record.js';
import { lookupTaggedTxt, type TxtBounds } from './txt-lookup.js';

/** RFC 7208 4.6.4: at most 10 terms that cause DNS lookups, and at most 2 lookups that find nothing. */
export const SPF_MAX_LOOKUPS = 10;
export const SPF_MAX_VOID_LOOKUPS = 2;
/** RFC 7208 4.6.4: an `mx` mechanism whose name has more than 10 MX records is a permerror. */
export const SPF_MAX_MX_RECORDS = 10;

export interface SpfBounds extends TxtBounds {
  maxSpfQuestions: number;
  maxSpfDepth: number;
}

/**
 * RFC 7208 4.5: a record is SPF when it is exactly `v=spf1` or begins `v=spf1 `,
 * case-insensitively; `v=spf1;...` or `v=spf1<tab>...` is some other record,
 * ignored, and not a second SPF record either.
 */
export function isSpfRecord(text: string): boolean {
  return /^v=spf1(?: |$)/i.test(text);
}

/** The domain's own questions, and those about the records it includes (a provider's, shared by its customers). */
interface Resolvers {
  own: DnsResolver;
  shared: DnsResolver;
}

/** What the walk over a record and everything it includes found: the counts, and the first error met in order. */
interface Walk {
  lookups: number;
  voids: number;
  questions: number;
  error: { status: 'permerror' | 'temperror'; reason: string } | null;
}

/**
 * Checks a domain's SPF record without a sender address (mxv has none): the
 * record is found and parsed, every `include` and `redirect` is followed, and
 * the DNS lookups an evaluation of the whole record would need are counted
 * (RFC 7208 4.6.4: include, a, mx, ptr, exists, redirect), and the void
 * lookups counted as an IPv4 sender's evaluation meets them, the family every
 * receiver speaks (Mail::SPF and pyspf count them so): `a` and `exists` ask A,
 * `mx` asks MX and then each exchange's A. A domain-spec with macros
 * (7.1) names a different domain per sender, so it is counted but not followed;
 * ptr needs the sender's address, so it is counted and not asked.
 */
export async function checkSpf(
  domain: string,
  resolver: DnsResolver,
  bounds: SpfBounds,
  signal?: AbortSignal,
  /** For the records of other domains (include and redirect targets): shared by many domains, so possibly cached. */
  shared: DnsResolver = resolver,
): Promise<Spf> {
  const top = await lookupTaggedTxt(resolver, domain, isSpfRecord, bounds, signal);
  const none: Spf = { status: 'none', record: null, error: null, lookups: null };
  if (top.status === 'absent') return none;
  if (top.status === 'dns_error') return { ...none, status: 'temperror', error: `dns_${top.dns.toLowerCase()}` };
  if (top.status === 'too_large') return { ...none, status: 'permerror', error: top.reason };
  if (top.records.length === 0) return none;
  const record = top.records[0] ?? '';
  // RFC 7208 4.5: more than one record is a permerror (there is no telling which one is meant).
  if (top.records.length > 1) return { status: 'permerror', record: digText(record), error: 'multiple_records', lookups: null };

  const walk: Walk = { lookups: 0, voids: 0, questions: 1, error: null };
  const ending = await walkRecord(record, domain, [domain.toLowerCase()], walk, { own: resolver, shared }, bounds, signal);
  const status = walk.error?.status ?? 'valid';
  const otherSenders = status === 'valid' && ending !== null ? OTHER_SENDERS[ending] : null;
  // As dig writes it: what breaks a record (a pasted no-break space, a control byte) shows, and cannot act on a terminal.
  return { status, record: digText(record), error: walk.error?.reason ?? null, lookups: walk.lookups, otherSenders };
}

/**
 * RFC 7208 2.6 and 4.7: the result a sender gets from the term its evaluation ends at, or from the end
 * of the record (neutral). For a sender that no sender-dependent term matches (any host the record
 * does not list: what a forger gets), this says how well the record protects the domain.
 */
const OTHER_SENDERS: Readonly<Record<SpfEnding, NonNullable<Spf['otherSenders']>>> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
  end: 'neutral',
};

function fail(walk: Walk, status: 'permerror' | 'temperror', reason: string): void {
  walk.error ??= { status, reason };
}

/** One more lookup-costing term; the limit error is recorded where an evaluator would meet it. */
function countLookup(walk: Walk): void {
  walk.lookups += 1;
  if (walk.lookups > SPF_MAX_LOOKUPS) fail(walk, 'permerror', 'too_many_lookups');
}

async function ask(
  walk: Walk,
  resolver: DnsResolver,
  bounds: SpfBounds,
  name: string,
  type: DnsQuestionType,
  signal: AbortSignal | undefined,
): Promise<{ outcome: 'found' | 'void' | 'error' | 'limit'; answer: DnsAnswer | null }> {
  if (walk.questions >= bounds.maxSpfQuestions) {
    fail(walk, 'permerror', 'question_limit');
    return { outcome: 'limit', answer: null };
  }
  walk.questions += 1;
  const answer = await resolver.query(name, type, signal);
  if (answer.status === 'NOERROR') return { outcome: 'found', answer };
  if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') return { outcome: 'void', answer };
  fail(walk, 'temperror', `dns_${answer.status.toLowerCase()}`);
  return { outcome: 'error', answer };
}

/**
 * An `mx` term as an evaluator meets it (RFC 7208 5.4): the MX question (void
 * when there is none), then the address of each exchange, each one without an
 * address another void lookup, as Mail::SPF and pyspf count them. More than 10
 * exchanges is a permerror (4.6.4).
 */
async function walkMx(
  walk: Walk,
  resolver: DnsResolver,
  bounds: SpfBounds,
  name: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const asked = await ask(walk, resolver, bounds, name, 'MX', signal);
  if (asked.outcome === 'void') return countVoid(walk);
  if (asked.outcome !== 'found' || asked.answer === null) return;
  const owner = followCnameChain(asked.answer.records, name).target;
  const exchanges: string[] = [];
  for (const record of asked.answer.records) if (record.type === 'MX' && record.name === owner) exchanges.push(record.exchange);
  if (exchanges.length > SPF_MAX_MX_RECORDS) return fail(walk, 'permerror', 'too_many_mx_records');
  for (const exchange of exchanges) {
    if (!worthAsking(walk, 'mx')) return;
    // The null MX (RFC 7505, "." read as "") has no address: void, as the root's A answer would be.
    if (exchange === '' || (await ask(walk, resolver, bounds, exchange, 'A', signal)).outcome === 'void') countVoid(walk);
  }
}

function countVoid(walk: Walk): void {
  walk.voids += 1;
  if (walk.voids > SPF_MAX_VOID_LOOKUPS) fail(walk, 'permerror', 'too_many_void_lookups');
}

/**
 * Where the evaluation of a record ends for every (IPv4) sender that no sender-dependent term
 * matches: at a term each of them matches (`all`, `ip4:…/0`, `exists:` of a fixed name that has
 * an address, an include whose record passes everyone), as its qualifier; at the record's end
 * (`end`: neutral, RFC 7208 4.7); null when that cannot be told (a redirect with macros, an error).
 * The terms after such a term are never evaluated, so their lookups are not counted (RFC 7208
 * 4.6.4 counts "during evaluation"; Mail::SPF and pyspf stop there too).
 */
type SpfEnding = SpfMechanism['qualifier'] | 'end';

async function walkRecord(
  record: string,
  domain: string,
  path: string[],
  walk: Walk,
  resolvers: Resolvers,
  bounds: SpfBounds,
  signal: AbortSignal | undefined,
): Promise<SpfEnding | null> {
  const resolver = path.length > 1 ? resolvers.shared : resolvers.own;
  const parsed = parseSpfRecord(record);
  if (parsed.status === 'invalid') {
    fail(walk, 'permerror', parsed.error);
    return null;
  }
  const { mechanisms, redirect } = parsed.terms;
  for (const mechanism of mechanisms) {
    // RFC 7208 5.1: evaluation ends at `all`; the terms after it are never tested (their syntax was checked above).
    if (mechanism.kind === 'all' || mechanism.everyIpv4 === true) return mechanism.qualifier;
    if (!LOOKUP_MECHANISMS.has(mechanism.kind)) continue;
    countLookup(walk);
    const target = mechanism.domain ?? domain;
    if (mechanism.kind === 'ptr' || hasMacro(target) || !worthAsking(walk, mechanism.kind)) continue;
    if (mechanism.kind === 'include') {
      // RFC 7208 5.2: include matches when the included record passes.
      if ((await follow(target, 'include', path, walk, resolvers, bounds, signal)) === '+') return mechanism.qualifier;
    } else if (mechanism.kind === 'mx') {
      await walkMx(walk, resolver, bounds, target, signal);
    } else {
      // `a` and `exists` ask A: `a` as an IPv4 sender's evaluation asks it (see checkSpf), `exists` always.
      const asked = await ask(walk, resolver, bounds, target, 'A', signal);
      if (asked.outcome === 'void') countVoid(walk);
      // exists matches when the name has an address, whoever sends: a fixed name does for everyone.
      if (mechanism.kind === 'exists' && asked.outcome === 'found') return mechanism.qualifier;
    }
  }
  // RFC 7208 6.1: redirect is ignored when the record has an `all` mechanism (the loop has returned then).
  if (redirect === null) return 'end';
  countLookup(walk);
  if (hasMacro(redirect) || !worthAsking(walk, 'redirect')) return null;
  return follow(redirect, 'redirect', path, walk, resolvers, bounds, signal);
}

/**
 * Whether a term's DNS question can still change what the walk reports. After a
 * temperror nothing can: an evaluator stops there (RFC 7208 5.2), and asking on,
 * each question maybe timing out, only spends time. After a permerror the records
 * an include or redirect names are still read, to count the lookups of a record
 * over the limit; the answers for a, mx and exists, which only count void lookups, are not.
 */
function worthAsking(walk: Walk, kind: 'include' | 'redirect' | SpfMechanismKind): boolean {
  if (walk.error === null) return true;
  return walk.error.status === 'permerror' && (kind === 'include' || kind === 'redirect');
}

/** Follows an include or redirect to the record it names (RFC 7208 5.2, 6.1): that record must exist and be unique. */
async function follow(
  target: string,
  how: 'include' | 'redirect',
  path: string[],
  walk: Walk,
  resolvers: Resolvers,
  bounds: SpfBounds,
  signal: AbortSignal | undefined,
): Promise<SpfEnding | null> {
  const name = target.toLowerCase().replace(/\.$/, '');
  if (path.includes(name)) return failed(walk, 'permerror', `${how}_loop`);
  if (path.length > bounds.maxSpfDepth) return failed(walk, 'permerror', `${how}_too_deep`);
  if (walk.questions >= bounds.maxSpfQuestions) return failed(walk, 'permerror', 'question_limit');
  walk.questions += 1;
  const found = await lookupTaggedTxt(resolvers.shared, name, isSpfRecord, bounds, signal);
  if (found.status === 'dns_error') return failed(walk, 'temperror', `dns_${found.dns.toLowerCase()}`);
  if (found.status === 'too_large') return failed(walk, 'permerror', found.reason);
  // RFC 7208 4.6.4: a name that does not exist counts as a void lookup too.
  if (found.status === 'absent') countVoid(walk);
  if (found.status === 'absent' || found.records.length === 0) return failed(walk, 'permerror', `${how}_none`);
  if (found.records.length > 1) return failed(walk, 'permerror', `${how}_multiple_records`);
  return walkRecord(found.records[0] ?? '', name, [...path, name], walk, resolvers, bounds, signal);
}

/** `fail`, for a term whose result is then unknown for every sender. */
function failed(walk: Walk, status: 'permerror' | 'temperror', reason: string): null {
  fail(walk, status, reason);
  return null;
}
