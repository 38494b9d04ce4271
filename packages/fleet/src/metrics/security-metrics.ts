import { checkNameSchema, dnssecStatusSchema, securityDaneSchema, type CheckName, type CheckResult } from '@mxv/schema';
import { Counter, type Registry } from 'prom-client';
import { boundedLabel } from './metric-labels.js';

/**
 * `mxv_security_checks_total{check, status}`: each security check's outcomes
 * per stored result. Labels stay closed vocabularies: `check` a --checks name,
 * `status` a status of that check's schema (anything else counts as "other").
 * A check that did not run (null) is not counted.
 */
export type SecurityChecksCounter = Counter<'check' | 'status'>;

/** What one check came to in one result, or null when it did not run. */
type CheckOutcome = (result: CheckResult) => string | null;

/** One reader per check, each with the statuses it can yield; the other checks add theirs here. */
const OUTCOMES: Partial<Record<CheckName, { read: CheckOutcome; statuses: readonly string[] }>> = {
  // `?? null`: a result built by hand (tests, an older peer) may lack the fields the schema defaults.
  dnssec: { read: (result) => result.mx.dnssec ?? null, statuses: dnssecStatusSchema.options },
  dane: {
    read: (result) => (result.security as CheckResult['security'] | undefined)?.dane ?? null,
    statuses: securityDaneSchema.options,
  },
};

export function createSecurityChecksCounter(registry: Registry): SecurityChecksCounter {
  const counter = new Counter({
    name: 'mxv_security_checks_total',
    help: 'Security checks of stored results by check (dnssec: of the MX answer; dane: over the hosts) and status.',
    labelNames: ['check', 'status'],
    registers: [registry],
  });
  // Series that exist from the start at 0, so rate() sees the first one.
  for (const check of checkNameSchema.options) {
    for (const status of OUTCOMES[check]?.statuses ?? []) counter.inc({ check, status }, 0);
  }
  return counter;
}

export function recordSecurityChecks(counter: SecurityChecksCounter, result: CheckResult): void {
  for (const [check, outcome] of Object.entries(OUTCOMES)) {
    const status = outcome.read(result);
    if (status !== null) counter.inc({ check, status: boundedLabel(status, outcome.statuses) });
  }
}
