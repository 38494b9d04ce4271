import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { NETWORK_BUCKETS_SECONDS } from './metric-buckets.js';
import { createReputationMetrics, type ReputationMetrics } from './reputation-metrics.js';
import {
  DELAY_REASON_LABELS,
  FAILURE_REASON_LABELS,
  PHASE_LABELS,
  POLITENESS_LIMIT_LABELS,
  RETRIED_VERDICT_LABELS,
  VERDICT_LABELS,
  type DelayReasonLabel,
  type FailureReasonLabel,
  type PhaseLabel,
} from './metric-labels.js';
import { POLITENESS_SCOPES } from '@mxv/probe';
import { createSecurityMetrics, type SecurityMetrics } from './security-metrics.js';

/** What a worker counts about the work it does (metric names in docs/operations.md). */
export interface WorkMetrics {
  jobsCompleted: Counter<'verdict'>;
  jobsRetried: Counter<'verdict'>;
  jobsDelayed: Counter<'reason'>;
  jobsDelayedSeconds: Counter<'reason'>;
  /** Refusals of the politeness gate, by the scope and the limit that refused (one job run may be refused once). */
  politenessWaits: Counter<'scope' | 'limit'>;
  jobsHandedBack: Counter;
  jobsFailed: Counter<'reason'>;
  hostProbes: Counter<'connect' | 'greeting' | 'starttls'>;
  hostCacheHits: Counter;
  hostCacheMisses: Counter;
  hostCacheInvalidEntries: Counter;
  dnsAnswers: Counter<'type' | 'rcode'>;
  phaseSeconds: Histogram<'phase'>;
  /** Mail security checks and MTA-STS policy fetches (security-metrics.ts). */
  security: SecurityMetrics;
  reputation: ReputationMetrics;
  /** 1 while the worker's egress works (or is not guarded), 0 while it is paused for egress. */
  egressOk: Gauge;
}

export function createWorkMetrics(registry: Registry): WorkMetrics {
  const registers = [registry];
  const metrics: WorkMetrics = {
    jobsCompleted: new Counter({
      name: 'mxv_jobs_completed_total',
      help: 'Domains whose result was stored, by verdict (a domain that is down is a completed job).',
      labelNames: ['verdict'],
      registers,
    }),
    jobsRetried: new Counter({
      name: 'mxv_jobs_retried_total',
      help: 'Transient results (DNS failure, timeouts, 4xx greetings) scheduled to run again, by the verdict of the run.',
      labelNames: ['verdict'],
      registers,
    }),
    jobsDelayed: new Counter({
      name: 'mxv_jobs_delayed_total',
      help: 'Job runs put back in the delayed set because a destination address was busy (politeness) or being probed by another worker.',
      labelNames: ['reason'],
      registers,
    }),
    jobsDelayedSeconds: new Counter({
      name: 'mxv_jobs_delayed_seconds_total',
      help: 'Sum of the delays given to jobs put back in the delayed set, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    politenessWaits: new Counter({
      name: 'mxv_politeness_waits_total',
      help: 'Connections the politeness gate made wait, by the scope whose limit refused (address, provider, network) and the limit (rate, concurrency).',
      labelNames: ['scope', 'limit'],
      registers,
    }),
    jobsHandedBack: new Counter({
      name: 'mxv_jobs_handed_back_total',
      help: 'Running jobs aborted at the end of a drain and handed back to the queue.',
      registers,
    }),
    jobsFailed: new Counter({
      name: 'mxv_jobs_failed_total',
      help: 'Jobs that ended without a result through a fault of ours (processor error, unusable job).',
      labelNames: ['reason'],
      registers,
    }),
    hostProbes: new Counter({
      name: 'mxv_host_probes_total',
      help: 'SMTP conversations held by this worker (host cache misses), by TCP connect status, greeting class and STARTTLS outcome.',
      labelNames: ['connect', 'greeting', 'starttls'],
      registers,
    }),
    hostCacheHits: new Counter({
      name: 'mxv_host_cache_hits_total',
      help: 'Host probes taken from the fleet-wide host cache.',
      registers,
    }),
    hostCacheMisses: new Counter({
      name: 'mxv_host_cache_misses_total',
      help: 'Host probes made because the host cache had none.',
      registers,
    }),
    hostCacheInvalidEntries: new Counter({
      name: 'mxv_host_cache_invalid_entries_total',
      help: 'Host cache entries that did not parse as a host probe (another version of mxv wrote them): treated as misses, probed again and overwritten.',
      registers,
    }),
    dnsAnswers: new Counter({
      name: 'mxv_dns_answers_total',
      help: 'DNS questions asked, by question type and answer status (NOERROR, NXDOMAIN, NODATA, SERVFAIL, TIMEOUT, REFUSED).',
      labelNames: ['type', 'rcode'],
      registers,
    }),
    phaseSeconds: new Histogram({
      name: 'mxv_phase_duration_seconds',
      help: 'Time per phase: dns (one question), connect (TCP), greeting (connect to 220), tls_handshake, host (one SMTP conversation), domain (a whole check).',
      labelNames: ['phase'],
      buckets: [...NETWORK_BUCKETS_SECONDS],
      registers,
    }),
    security: createSecurityMetrics(registry),
    reputation: createReputationMetrics(registry),
    egressOk: new Gauge({
      name: 'mxv_worker_egress_ok',
      help: 'Whether this worker can reach its --canary mail server (1) or is paused because its own egress is broken (0).',
      registers,
    }),
  };
  // Series that exist from the start at 0: rate() then sees the first increment instead of starting from it.
  for (const verdict of VERDICT_LABELS) metrics.jobsCompleted.inc({ verdict }, 0);
  for (const verdict of RETRIED_VERDICT_LABELS) metrics.jobsRetried.inc({ verdict }, 0);
  for (const reason of DELAY_REASON_LABELS) {
    metrics.jobsDelayed.inc({ reason } satisfies Record<'reason', DelayReasonLabel>, 0);
    metrics.jobsDelayedSeconds.inc({ reason }, 0);
  }
  for (const scope of POLITENESS_SCOPES)
    for (const limit of POLITENESS_LIMIT_LABELS) metrics.politenessWaits.inc({ scope, limit }, 0);
  for (const reason of FAILURE_REASON_LABELS)
    metrics.jobsFailed.inc({ reason } satisfies Record<'reason', FailureReasonLabel>, 0);
  for (const phase of PHASE_LABELS) metrics.phaseSeconds.zero({ phase } satisfies Record<'phase', PhaseLabel>);
  metrics.hostCacheHits.inc(0);
  metrics.hostCacheMisses.inc(0);
  metrics.hostCacheInvalidEntries.inc(0);
  metrics.jobsHandedBack.inc(0);
  metrics.egressOk.set(1);
  return metrics;
}
