import type { VerifyJobOutcome } from '../process-verify-job.js';
import { boundedLabel, delayReasonLabel, VERDICT_LABELS } from './metric-labels.js';
import { recordSecurityChecks } from './security-metrics.js';
import type { WorkMetrics } from './work-metrics.js';

/**
 * The job-level counters from what one run of a job came to. The whole-domain
 * latency is taken from the stored result's own `durationMs` (the engine's
 * clock), not from the job's wall time, which also holds Redis writes.
 */
export function recordJobOutcome(metrics: WorkMetrics, outcome: VerifyJobOutcome): void {
  switch (outcome.status) {
    case 'stored': {
      const verdict = boundedLabel(outcome.result.verdict, VERDICT_LABELS);
      metrics.jobsCompleted.inc({ verdict });
      metrics.phaseSeconds.observe({ phase: 'domain' }, outcome.result.durationMs / 1000);
      recordSecurityChecks(metrics.security, outcome.result);
      return;
    }
    case 'delayed': {
      if (outcome.why === 'handed_back') {
        metrics.jobsHandedBack.inc();
        return;
      }
      if (outcome.why === 'transient') {
        metrics.jobsRetried.inc({ verdict: boundedLabel(outcome.reason, VERDICT_LABELS) });
        return;
      }
      // An error's reason is its message: free text, counted under its own label.
      const reason = outcome.why === 'error' ? 'error' : delayReasonLabel(outcome.reason);
      metrics.jobsDelayed.inc({ reason });
      metrics.jobsDelayedSeconds.inc({ reason }, outcome.delayMs / 1000);
      return;
    }
    case 'followed_up':
      // The domain was counted when its result was stored; this run only finished what followed.
      return;
    case 'bad_job':
      metrics.jobsFailed.inc({ reason: 'bad_job' });
      return;
    case 'rejected':
      metrics.jobsFailed.inc({ reason: 'invalid_result' });
      return;
  }
}
