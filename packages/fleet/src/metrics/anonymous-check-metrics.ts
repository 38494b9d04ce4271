import { Counter, type Registry } from 'prom-client';
import { ANONYMOUS_REFUSAL_REASONS, type AnonymousRefusalReason } from '../anonymous-checks.js';

export interface AnonymousCheckMetrics {
  /** A live check without a token was admitted (it queued a job). */
  admitted(): void;
  refused(reason: AnonymousRefusalReason): void;
}

/**
 * The API's anonymous live checks, admitted and refused by reason. Labels are
 * the closed reason vocabulary only, never a domain or a client address.
 */
export function registerAnonymousCheckMetrics(registry: Registry): AnonymousCheckMetrics {
  const admitted = new Counter({
    name: 'mxv_api_anonymous_checks_total',
    help: 'Live checks requested without a token that were admitted and queued by this API process.',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'mxv_api_anonymous_checks_refused_total',
    help: 'Live checks requested without a token that this API process refused (429), by budget: per_client or fleet_wide.',
    labelNames: ['reason'],
    registers: [registry],
  });
  admitted.inc(0);
  for (const reason of ANONYMOUS_REFUSAL_REASONS) refused.inc({ reason }, 0);
  return { admitted: () => admitted.inc(), refused: (reason) => refused.inc({ reason }) };
}
