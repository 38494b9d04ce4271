import type { DnssecStatus, ExtendedDnsError } from '@mxv/schema';
import type { DnsAnswer, DnsQuestionType, DnsResolver } from './dns-types.js';
import type { ResolverValidation } from './resolver-validation.js';

export interface AnswerDnssec {
  status: DnssecStatus;
  /** The resolver's Extended DNS Error (RFC 8914) about this answer, when it sent one. */
  ede: ExtendedDnsError | null;
}

const GOOD: ReadonlySet<DnsAnswer['status']> = new Set(['NOERROR', 'NODATA', 'NXDOMAIN']);

/**
 * The DNSSEC state of one answer, read from the resolver (mxv validates no
 * signature itself). The rule:
 * - secure: the answer has AD (RFC 4035 3.2.3), a denial of existence included;
 * - bogus: SERVFAIL, but the same question with CD=1 (RFC 4035 3.2.2: "do not
 *   validate") gets an answer: the data is there and failed validation. CD is
 *   asked only after a SERVFAIL, so a good answer costs no second question;
 * - insecure: a good answer without AD, from a resolver seen to validate (it
 *   authenticates the name's TLD, see ResolverValidation);
 * - unknown: anything else: no AD from a resolver not seen validating (it may
 *   not validate at all), a SERVFAIL that CD does not cure (a broken zone or
 *   server, not a signature), a timeout or a refusal.
 */
export async function answerDnssec(
  answer: DnsAnswer,
  question: { name: string; type: DnsQuestionType },
  resolver: DnsResolver,
  validation: ResolverValidation,
  signal?: AbortSignal,
): Promise<AnswerDnssec> {
  const ede = answer.ede ?? null;
  if (answer.authenticated && GOOD.has(answer.status)) return { status: 'secure', ede };
  if (GOOD.has(answer.status)) {
    return { status: (await validation.validatesFor(question.name)) ? 'insecure' : 'unknown', ede };
  }
  if (answer.status !== 'SERVFAIL') return { status: 'unknown', ede };
  let unchecked: DnsAnswer | null;
  try {
    unchecked = await resolver.query(question.name, question.type, signal, { checkingDisabled: true });
  } catch {
    unchecked = null;
  }
  const bogus = unchecked !== null && GOOD.has(unchecked.status);
  return { status: bogus ? 'bogus' : 'unknown', ede: ede ?? unchecked?.ede ?? null };
}
