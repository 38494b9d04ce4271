import type { DnsAnswer, DnsQueryOptions, DnsQuestionType, DnsResolver } from '@mxv/probe';
import { boundedLabel, DNS_RCODE_LABELS, DNS_TYPE_LABELS } from './metric-labels.js';
import type { WorkMetrics } from './work-metrics.js';

/**
 * Counts every DNS answer by type and status and times it. A decorator at the
 * resolver interface rather than something read back from the result: the
 * result keeps the MX status but no DNS timings, and the A/AAAA questions of
 * every exchange are asked whether or not they make it into the result.
 */
export class MeteredResolver implements DnsResolver {
  readonly #inner: DnsResolver;
  readonly #metrics: WorkMetrics;

  constructor(inner: DnsResolver, metrics: WorkMetrics) {
    this.#inner = inner;
    this.#metrics = metrics;
  }

  async query(name: string, type: DnsQuestionType, signal?: AbortSignal, options?: DnsQueryOptions): Promise<DnsAnswer> {
    const answer = await this.#inner.query(name, type, signal, options);
    this.#metrics.dnsAnswers.inc({
      type: boundedLabel(type, DNS_TYPE_LABELS),
      rcode: boundedLabel(answer.status, DNS_RCODE_LABELS),
    });
    this.#metrics.phaseSeconds.observe({ phase: 'dns' }, answer.elapsedMs / 1000);
    return answer;
  }
}
