import type { HostObtained, HostProbe, HostProbeSource, HostTarget } from '@mxv/probe';
import type { Logger } from 'pino';
import { boundedLabel, CONNECT_LABELS, greetingLabel, STARTTLS_LABELS } from './metric-labels.js';
import type { WorkMetrics } from './work-metrics.js';

/** Context for the per-probe log line: the job (= the domain) the probe was made for. */
export interface ProbeLogContext {
  jobId: string;
  domain: string;
}

/**
 * Wraps the fleet's host source for one job run: counts cache hits and misses,
 * and for each probe this worker actually made (a miss) its outcome and phase
 * times. A cached probe is not counted again, so outcome counts and latencies
 * describe connections really opened, not how many domains share a host.
 */
export class MeteredHostSource implements HostProbeSource {
  readonly #inner: HostProbeSource;
  readonly #metrics: WorkMetrics;
  readonly #logger: Logger | null;
  readonly #context: ProbeLogContext | null;

  constructor(
    inner: HostProbeSource,
    metrics: WorkMetrics,
    logger: Logger | null = null,
    context: ProbeLogContext | null = null,
  ) {
    this.#inner = inner;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#context = context;
  }

  async obtain(target: HostTarget, signal?: AbortSignal): Promise<HostObtained> {
    const obtained = await this.#inner.obtain(target, signal);
    if (obtained.status === 'cached') this.#metrics.hostCacheHits.inc();
    if (obtained.status === 'probed') {
      this.#metrics.hostCacheMisses.inc();
      recordHostProbe(this.#metrics, obtained.probe);
      // A host that refuses or times out is the world's state, not our failure: debug, like every probe.
      // The worker's context last: a literal that starts with a spread and then adds keys makes new hidden
      // classes each time on V8 11 (Node 20), old-space garbage per probe.
      this.#logger?.debug(
        {
          ip: target.ip,
          port: target.port,
          exchange: target.exchange,
          connect: obtained.probe.connect,
          greeting: obtained.probe.banner?.code ?? null,
          starttls: obtained.probe.starttls,
          error: obtained.probe.error,
          ms: obtained.probe.timingsMs.total,
          ...this.#context,
        },
        'host probed',
      );
    }
    return obtained;
  }
}

/** One probe's outcome and phase times. Phases the conversation never reached have null timings and are not observed. */
export function recordHostProbe(
  metrics: WorkMetrics,
  probe: Pick<HostProbe, 'connect' | 'banner' | 'starttls' | 'timingsMs'>,
): void {
  metrics.hostProbes.inc({
    connect: boundedLabel(probe.connect, CONNECT_LABELS),
    greeting: greetingLabel(probe.banner),
    starttls: boundedLabel(probe.starttls, STARTTLS_LABELS),
  });
  const timings = probe.timingsMs;
  if (timings.connect !== null) metrics.phaseSeconds.observe({ phase: 'connect' }, timings.connect / 1000);
  if (timings.banner !== null) metrics.phaseSeconds.observe({ phase: 'greeting' }, timings.banner / 1000);
  if (timings.tls !== null) metrics.phaseSeconds.observe({ phase: 'tls_handshake' }, timings.tls / 1000);
  // A blocked address never opens a socket: no conversation to time.
  if (probe.connect !== 'blocked') metrics.phaseSeconds.observe({ phase: 'host' }, timings.total / 1000);
}
