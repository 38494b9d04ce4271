import type { DomainCheck, HostProbeSource, MailCheckEngine } from '@mxv/probe';
import type { Logger } from 'pino';
import type { RedisHostSource } from './redis-host-source.js';
import { MeteredHostSource } from './metrics/metered-host-source.js';
import type { WorkMetrics } from './metrics/work-metrics.js';

/**
 * Step 2 of a job (after VerifyWorker, before ResultStore): the engine of `mxv
 * check` run on one domain with the fleet's host cache (RedisHostSource, which
 * holds the politeness gate) in place of the in-memory one. The host source is
 * wrapped per run so that its metrics and log lines name the job.
 */
export class FleetDomainChecker {
  readonly #engine: MailCheckEngine;
  readonly #hosts: RedisHostSource;
  readonly #metrics: WorkMetrics;
  readonly #logger: Logger;

  constructor(engine: MailCheckEngine, hosts: RedisHostSource, metrics: WorkMetrics, logger: Logger) {
    this.#engine = engine;
    this.#hosts = hosts;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /** `domain` is the job id: already normalized by enqueue, normalized again by the engine (a no-op then). */
  async check(domain: string, signal?: AbortSignal, options: { maxHostAgeMs?: number } = {}): Promise<DomainCheck> {
    const { maxHostAgeMs } = options;
    // A watched re-check: a probe older than the watch's interval would hide the change the watch is for.
    const source: HostProbeSource =
      maxHostAgeMs === undefined
        ? this.#hosts
        : { obtain: (target, abort) => this.#hosts.obtain(target, abort, { maxAgeMs: maxHostAgeMs }) };
    const hosts = new MeteredHostSource(source, this.#metrics, this.#logger, { jobId: domain, domain });
    return this.#engine.check(domain, hosts, signal);
  }
}
