import {
  checkCanary,
  createEngineParts,
  MailCheckEngine,
  type CanaryTarget,
  type EngineOverrides,
  type EngineParts,
  type ProbeOptionsInput,
} from '@mxv/probe';
import { EgressGuard } from './egress/egress-guard.js';
import { egressDialer } from './egress/egress-dialer.js';
import type { FleetRedis } from './redis-connection.js';
import type { Logger } from 'pino';
import { FleetDomainChecker } from './fleet-domain-checker.js';
import { DEFAULT_RETRY_POLICY, VerifyJobProcessor, type RetryPolicy } from './process-verify-job.js';
import { DEFAULT_HOST_TTL_MS, RedisHostSource } from './redis-host-source.js';
import { RedisStsPolicySource } from './redis-sts-policy-source.js';
import { MeteredStsFetcher } from './metrics/metered-sts-fetcher.js';
import type { FleetKeys } from './redis-keys.js';
import { DEFAULT_POLITENESS, RedisPolitenessGate, type RedisPolitenessOptions } from './redis-politeness-gate.js';
import { DEFAULT_EVENTS_MAX_LEN, DEFAULT_RESULT_TTL_MS, ResultStore } from './result-store.js';
import { DEFAULT_VERIFY_WORKER, VerifyWorker, type VerifyWorkerOptions } from './verify-worker.js';
import { MeteredResolver } from './metrics/metered-resolver.js';
import { createMetricsRegistry } from './metrics/metrics-registry.js';
import { createWorkMetrics, type WorkMetrics } from './metrics/work-metrics.js';
import { reputationObserver } from './metrics/reputation-metrics.js';
import { DEFAULT_HISTORY_MAX } from './history/history-bounds.js';
import { WatchFollower } from './watch/watch-follower.js';
import { DEFAULT_WEBHOOK_OPTIONS, WatchRuntime, type WebhookOptions } from './watch/watch-runtime.js';
import { DEFAULT_WATCH_TICK, type WatchTickOptions } from './watch/watch-tick.js';

export interface FleetWorkerConfig {
  /** The connection for the jobs' own commands (gate, host cache, results, policies); default: the worker's. */
  jobsRedis?: FleetRedis;
  /** Engine options, as for `mxv check`; `politeness` holds the fleet-wide per-address limits. */
  probe: ProbeOptionsInput;
  /** Fleet-wide limits per provider and per network group (defaults: POLITENESS_GROUP_BOUNDS). */
  groups?: Partial<Pick<RedisPolitenessOptions, 'provider' | 'network'>>;
  engine?: EngineOverrides;
  hostTtlMs?: number;
  transientHostTtlMs?: number;
  resultTtlMs?: number;
  retry?: Partial<RetryPolicy>;
  worker?: Partial<VerifyWorkerOptions>;
  /** Where the work is counted (`mxv worker --metrics-port` serves its registry); a private registry when absent. */
  metrics?: WorkMetrics;
  /** Change records kept per domain. */
  historyMax?: number;
  /** The watch tick and webhook deliveries (README "Watching domains"). */
  watch?: Partial<{ tick: Partial<WatchTickOptions>; webhook: Partial<WebhookOptions>; webhookSecret: string | null }>;
  /** With a canary, the worker pauses while its own egress is broken (README "When the worker cannot see"). */
  egress?: { canary: CanaryTarget; consecutiveFailures: number; recheckMs: number } | null;
}

/**
 * Time a lease or lock outlives the host budget: a probe ends within its budget,
 * so only a dead holder's lapses. Up to one more budget (at most 10 s): enough
 * for event-loop stalls, short enough that a SIGKILLed worker's hosts free up soon.
 */
const MAX_HOLDER_MARGIN_MS = 10_000;
/** Shorter than the first retry of a transient result (5 s), so the retry probes afresh. */
const DEFAULT_TRANSIENT_HOST_TTL_MS = 3_000;
const LOCKED_RETRY_MS = 500;

export type FleetWorkerSetup =
  | {
      status: 'ok';
      worker: VerifyWorker;
      parts: EngineParts;
      gate: RedisPolitenessGate;
      hosts: RedisHostSource;
      store: ResultStore;
      metrics: WorkMetrics;
      /** Started and stopped by the caller around worker.run(). */
      watch: WatchRuntime;
      /** Started (the canary asked once) before worker.run(), stopped after; null without --canary. */
      egress: EgressGuard | null;
    }
  | { status: 'invalid'; reason: string };

/**
 * Wires one worker, in the order a job meets the pieces: VerifyWorker (BullMQ)
 * → VerifyJobProcessor (retries, delays) → FleetDomainChecker (the engine of
 * `mxv check` with RedisHostSource, which holds RedisPolitenessGate) →
 * ResultStore. Built here from the inside out.
 */
export function createFleetWorker(
  redis: FleetRedis,
  keys: FleetKeys,
  config: FleetWorkerConfig,
  logger: Logger,
): FleetWorkerSetup {
  const metrics = config.metrics ?? createWorkMetrics(createMetricsRegistry({ defaultMetrics: false }));
  const setup = createEngineParts(config.probe, { reputationObserver: reputationObserver(metrics.reputation), ...config.engine });
  if (setup.status === 'invalid') return setup;
  const parts = setup.parts;
  const jobsRedis = config.jobsRedis ?? redis;
  const holderTtlMs = parts.options.smtp.hostBudgetMs + Math.min(MAX_HOLDER_MARGIN_MS, parts.options.smtp.hostBudgetMs);
  const gate = new RedisPolitenessGate(jobsRedis, keys, {
    ...DEFAULT_POLITENESS,
    connectionsPerSecond: parts.options.politeness.connectionsPerSecond,
    maxConcurrentPerIp: parts.options.politeness.maxConcurrentPerIp,
    ...config.groups,
    leaseTtlMs: holderTtlMs,
    waits: metrics.politenessWaits,
  });
  const hosts = new RedisHostSource(jobsRedis, keys, parts.prober, gate, {
    hostTtlMs: config.hostTtlMs ?? DEFAULT_HOST_TTL_MS,
    transientHostTtlMs: config.transientHostTtlMs ?? DEFAULT_TRANSIENT_HOST_TTL_MS,
    lockTtlMs: holderTtlMs,
    lockedRetryMs: LOCKED_RETRY_MS,
    invalidEntries: metrics.hostCacheInvalidEntries,
  });
  // Metrics are taken at the engine's interfaces (resolver, host source), so the engine itself knows nothing of them.
  const stsPolicies = new RedisStsPolicySource(jobsRedis, keys, new MeteredStsFetcher(parts.stsFetcher, metrics.security), {
    maxCacheSeconds: parts.options.policy.mtaStsMaxCacheSeconds,
  });
  const engine = new MailCheckEngine({ ...parts, resolver: new MeteredResolver(parts.resolver, metrics) }, { stsPolicies });
  const checker = new FleetDomainChecker(engine, hosts, metrics, logger);
  const store = new ResultStore(jobsRedis, keys, {
    resultTtlMs: config.resultTtlMs ?? DEFAULT_RESULT_TTL_MS,
    eventsMaxLen: DEFAULT_EVENTS_MAX_LEN,
    historyMax: config.historyMax ?? DEFAULT_HISTORY_MAX,
  });
  const webhook = { ...DEFAULT_WEBHOOK_OPTIONS, ...config.watch?.webhook };
  const watch = new WatchRuntime(
    redis,
    keys,
    parts,
    { tick: { ...DEFAULT_WATCH_TICK, ...config.watch?.tick }, webhook, webhookSecret: config.watch?.webhookSecret ?? null },
    logger,
  );
  const follower = new WatchFollower(
    jobsRedis,
    keys,
    watch.webhookQueue,
    { attempts: webhook.attempts, backoffMs: webhook.backoffMs },
    DEFAULT_EVENTS_MAX_LEN,
    logger,
  );
  // The worker is told of the guard's verdicts once it exists; the guard asks the canary the way the prober connects.
  let worker: VerifyWorker | null = null;
  const egressConfig = config.egress ?? null;
  const egress = egressConfig
    ? new EgressGuard({
        checkCanary: () =>
          checkCanary(egressConfig.canary, {
            dialer: egressDialer(parts.options.proxy, config.engine?.dialer),
            resolver: parts.resolver,
            connectTimeoutMs: parts.options.smtp.connectTimeoutMs,
            greetingTimeoutMs: parts.options.smtp.greetingTimeoutMs,
          }),
        consecutiveFailures: egressConfig.consecutiveFailures,
        recheckMs: egressConfig.recheckMs,
        onChange: (ok, detail) => worker?.setEgress(ok, detail),
      })
    : null;
  const processor = new VerifyJobProcessor(
    checker,
    store,
    { ...DEFAULT_RETRY_POLICY, ...config.retry },
    { now: Date.now, random: Math.random },
    follower,
    egress,
  );
  // A job's lock must outlive the longest quiet stretch of its run; BullMQ renews it every half lock.
  worker = new VerifyWorker(redis, keys, processor, { ...DEFAULT_VERIFY_WORKER, ...config.worker }, logger, metrics);
  return { status: 'ok', worker, parts, gate, hosts, store, metrics, watch, egress };
}
