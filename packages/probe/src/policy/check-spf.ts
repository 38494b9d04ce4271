import type { Spf } from '@mxv/schema';
import type { DnsQuestionType, DnsResolver } from '../dns/dns-types.js';
import { hasMacro, LOOKUP_MECHANISMS, parseSpfRecord, type SpfMechanismKind } from './spf-record.js';
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
 * (RFC 7208 4.6.4: include, a, mx, ptr, exists, redirect), the targets of a,
 * mx and exists asked once to count void lookups. A domain-spec with macros
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
  if (top.records.length > 1) return { status: 'permerror', record, error: 'multiple_records', lookups: null };

  const walk: Walk = { lookups: 0, voids: 0, questions: 1, error: null };
  await walkRecord(record, domain, [domain.toLowerCase()], walk, { own: resolver, shared }, bounds, signal);
  const status = walk.error?.status ?? 'valid';
  return { status, record, error: walk.error?.reason ?? null, lookups: walk.lookups };
}

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
): Promise<'found' | 'void' | 'error' | 'limit'> {
  if (walk.questions >= bounds.maxSpfQuestions) {
    fail(walk, 'permerror', 'question_limit');
    return 'limit';
  }
  walk.questions += 1;
  const answer = await resolver.query(name, type, signal);
  if (answer.status === 'NOERROR') {
    if (type === 'MX' && answer.records.filter((record) => record.type === 'MX').length > SPF_MAX_MX_RECORDS) {
      fail(walk, 'permerror', 'too_many_mx_records');
    }
    return 'found';
  }
  if (answer.status === 'NXDOMAIN' || answer.status === 'NODATA') return 'void';
  fail(walk, 'temperror', `dns_${answer.status.toLowerCase()}`);
  return 'error';
}

function countVoid(walk: Walk): void {
  walk.voids += 1;
  if (walk.voids > SPF_MAX_VOID_LOOKUPS) fail(walk, 'permerror', 'too_many_void_lookups');
}

async function walkRecord(
  record: string,
  domain: string,
  path: string[],
  walk: Walk,
  resolvers: Resolvers,
  bounds: SpfBounds,
  signal: AbortSignal | undefined,
): Promise<void> {
  const resolver = path.length > 1 ? resolvers.shared : resolvers.own;
  const parsed = parseSpfRecord(record);
  if (parsed.status === 'invalid') {
    fail(walk, 'permerror', parsed.error);
    return;
  }
  const { mechanisms, redirect } = parsed.terms;
  // RFC 7208 5.1: evaluation ends at `all`; the terms after it are never tested (their syntax was checked above).
  const all = mechanisms.findIndex((mechanism) => mechanism.kind === 'all');
  const evaluated = all < 0 ? mechanisms : mechanisms.slice(0, all + 1);
  for (const mechanism of evaluated) {
    if (!LOOKUP_MECHANISMS.has(mechanism.kind)) continue;
    countLookup(walk);
    const target = mechanism.domain ?? domain;
    if (mechanism.kind === 'ptr' || hasMacro(target) || !worthAsking(walk, mechanism.kind)) continue;
    if (mechanism.kind === 'include') {
      await follow(target, 'include', path, walk, resolvers, bounds, signal);
    } else if (mechanism.kind === 'mx') {
      if ((await ask(walk, resolver, bounds, target, 'MX', signal)) === 'void') countVoid(walk);
    } else if (mechanism.kind === 'exists') {
      if ((await ask(walk, resolver, bounds, target, 'A', signal)) === 'void') countVoid(walk);
    } else {
      // `a` matches A or AAAA, by the sender's family; without one, the name is void only when it has neither.
      const v4 = await ask(walk, resolver, bounds, target, 'A', signal);
      if (v4 === 'void' && (await ask(walk, resolver, bounds, target, 'AAAA', signal)) === 'void') countVoid(walk);
    }
  }
  // RFC 7208 6.1: redirect is ignored when the record has an `all` mechanism.
  if (redirect !== null && all < 0) {
    countLookup(walk);
    if (!hasMacro(redirect) && worthAsking(walk, 'redirect')) {
      await follow(redirect, 'redirect', path, walk, resolvers, bounds, signal);
    }
  }
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
): Promise<void> {
  const name = target.toLowerCase().replace(/\.$/, '');
  if (path.includes(name)) return fail(walk, 'permerror', `${how}_loop`);
  if (path.length > bounds.maxSpfDepth) return fail(walk, 'permerror', `${how}_too_deep`);
  if (walk.questions >= bounds.maxSpfQuestions) return fail(walk, 'permerror', 'question_limit');
  walk.questions += 1;
  const found = await lookupTaggedTxt(resolvers.shared, name, isSpfRecord, bounds, signal);
  if (found.status === 'dns_error') return fail(walk, 'temperror', `dns_${found.dns.toLowerCase()}`);
  if (found.status === 'too_large') return fail(walk, 'permerror', found.reason);
  // RFC 7208 4.6.4: a name that does not exist counts as a void lookup too.
  if (found.status === 'absent') countVoid(walk);
  if (found.status === 'absent' || found.records.length === 0) return fail(walk, 'permerror', `${how}_none`);
  if (found.records.length > 1) return fail(walk, 'permerror', `${how}_multiple_records`);
  await walkRecord(found.records[0] ?? '', name, [...path, name], walk, resolvers, bounds, signal);
}
