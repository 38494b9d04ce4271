import type { DnsQuestionType } from '@mxv/probe';
import { connectStatusSchema, dnsStatusSchema, starttlsStatusSchema, verdictSchema, type SmtpReplySummary } from '@mxv/schema';

/*
 * Every label value comes from a closed vocabulary, so a series count is known
 * in advance: never a domain, an address or free text (a Prometheus series per
 * domain would be a memory leak in Prometheus, not a metric).
 */

export const VERDICT_LABELS: readonly string[] = verdictSchema.options;
/** Verdicts a transient result can have (isTransientResult): the ones a retry is counted under. */
export const RETRIED_VERDICT_LABELS: readonly string[] = [
  'dns_error',
  'unresolvable',
  'no_mail_host',
  'unreachable',
  'bad_banner',
  'ok',
];
export const CONNECT_LABELS: readonly string[] = connectStatusSchema.options;
export const STARTTLS_LABELS: readonly string[] = starttlsStatusSchema.options;
export const DNS_RCODE_LABELS: readonly string[] = dnsStatusSchema.options;
export const DNS_TYPE_LABELS: readonly DnsQuestionType[] = ['MX', 'A', 'AAAA', 'CNAME', 'TLSA', 'TXT', 'SOA'];

/** Why a job went back to the delayed set without a result (politeness gate reasons, host single-flight). */
export const DELAY_REASON_LABELS = [
  'politeness_rate',
  'politeness_concurrency',
  'politeness_provider_rate',
  'politeness_provider_concurrency',
  'politeness_network_rate',
  'politeness_network_concurrency',
  'host_probe_in_flight',
  'egress_in_doubt',
  /** The run threw (a Redis command refused or lost) and the job was put back (process-verify-job.ts). */
  'error',
  'other',
] as const;
export type DelayReasonLabel = (typeof DELAY_REASON_LABELS)[number];

/** Which limit of a politeness scope refused a connection (`mxv_politeness_waits_total{limit}`). */
export const POLITENESS_LIMIT_LABELS = ['rate', 'concurrency'] as const;

/** Why a job ended without a stored result: the processor threw, the job itself was unusable, or the store refused the result. */
export const FAILURE_REASON_LABELS = ['error', 'bad_job', 'invalid_result'] as const;
export type FailureReasonLabel = (typeof FAILURE_REASON_LABELS)[number];

/** Phases of the latency histogram. */
export const PHASE_LABELS = ['dns', 'connect', 'greeting', 'tls_handshake', 'host', 'domain'] as const;
export type PhaseLabel = (typeof PHASE_LABELS)[number];

/** The greeting as a class (RFC 5321 4.2.1: the first digit decides), not as a code or text. */
export const GREETING_LABELS = ['ok', 'tempfail', 'rejected', 'unexpected', 'none'] as const;
export type GreetingLabel = (typeof GREETING_LABELS)[number];

export function greetingLabel(banner: Pick<SmtpReplySummary, 'code'> | null): GreetingLabel {
  if (banner === null) return 'none';
  if (banner.code === 220) return 'ok';
  if (banner.code >= 400 && banner.code < 500) return 'tempfail';
  if (banner.code >= 500 && banner.code < 600) return 'rejected';
  return 'unexpected';
}

export function delayReasonLabel(reason: string): DelayReasonLabel {
  return (DELAY_REASON_LABELS as readonly string[]).includes(reason) ? (reason as DelayReasonLabel) : 'other';
}

/** A value outside its vocabulary (a newer peer, a bug) is counted as "other" rather than minting a series. */
export function boundedLabel(value: string, allowed: readonly string[]): string {
  return allowed.includes(value) ? value : 'other';
}
