import {
  createFleetWorker,
  jobsConnection,
  createMetricsRegistry,
  createVerifyQueue,
  createWorkMetrics,
  HEARTBEAT_LIVENESS_INTERVALS,
  readFleetGauges,
  registerFleetGauges,
  registerWorkerGauges,
  RESULT_TTL_BOUND,
  RETRY_BOUNDS,
  startMetricsServer,
  VERIFY_WORKER_BOUNDS,
  WORKER_PROCESS_BOUNDS,
  HISTORY_MAX_BOUND,
  WATCH_TICK_BOUNDS,
  WEBHOOK_BOUNDS,
  EGRESS_BOUNDS,
  POLITENESS_GROUP_BOUNDS,
  registerWatchGauges,
  webhookQueueCounts,
  type MetricsServer,
} from '@mxv/fleet';
import { parseCanary, POLITENESS_BOUNDS, SMTP_BOUNDS, type CanaryTarget } from '@mxv/probe';
import { connectFleet } from '../options/connect-fleet.js';
import { durationFlag } from '../options/fleet-flags.js';
import { LISTEN_PORT_BOUND } from '../options/cli-bounds.js';
import { loggerFromFlags } from '../options/logger-from-flags.js';
import { boundFlag } from '../options/number-flag.js';
import { guardOffWarning } from '../options/guard-off-warning.js';
import { noIpv6Warning } from '../options/no-ipv6-warning.js';
import { probeOptionsFromFlags } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';
import type { WorkerFlags } from './worker-command.js';

/** Beyond twice the drain time, the time left to close connections before a stuck shutdown gives up. */
const SHUTDOWN_GRACE_MS = 5_000;

export async function runWorker(flags: WorkerFlags): Promise<void> {
  const probe = {
    ...probeOptionsFromFlags(flags),
    politeness: {
      connectionsPerSecond: boundFlag('--rate-per-ip', flags.ratePerIp, POLITENESS_BOUNDS.connectionsPerSecond),
      maxConcurrentPerIp: boundFlag('--max-conn-per-ip', flags.maxConnPerIp, POLITENESS_BOUNDS.maxConcurrentPerIp),
    },
  };
  const groups = {
    provider: {
      connectionsPerSecond: boundFlag(
        '--rate-per-provider',
        flags.ratePerProvider,
        POLITENESS_GROUP_BOUNDS.providerConnectionsPerSecond,
      ),
      maxConcurrent: boundFlag(
        '--max-conn-per-provider',
        flags.maxConnPerProvider,
        POLITENESS_GROUP_BOUNDS.providerMaxConcurrent,
      ),
    },
    network: {
      connectionsPerSecond: boundFlag(
        '--rate-per-network',
        flags.ratePerNetwork,
        POLITENESS_GROUP_BOUNDS.networkConnectionsPerSecond,
      ),
      maxConcurrent: boundFlag('--max-conn-per-network', flags.maxConnPerNetwork, POLITENESS_GROUP_BOUNDS.networkMaxConcurrent),
    },
  };
  const config = {
    probe,
    groups,
    hostTtlMs: durationFlag('--host-ttl', flags.hostTtl),
    resultTtlMs: durationFlag('--result-ttl', flags.resultTtl),
    retry: {
      maxAttempts: boundFlag('--attempts', flags.attempts, RETRY_BOUNDS.maxAttempts),
      retryBaseMs: boundFlag('--retry-base-ms', flags.retryBaseMs, RETRY_BOUNDS.retryBaseMs),
      maxErrorRuns: boundFlag('--error-runs', flags.errorRuns, RETRY_BOUNDS.maxErrorRuns),
    },
    worker: {
      concurrency: boundFlag('--concurrency', flags.concurrency, VERIFY_WORKER_BOUNDS.concurrency),
      lockDurationMs: boundFlag('--lock-ms', flags.lockMs, VERIFY_WORKER_BOUNDS.lockDurationMs),
      stalledIntervalMs: boundFlag('--stalled-interval-ms', flags.stalledIntervalMs, VERIFY_WORKER_BOUNDS.stalledIntervalMs),
      jobDeadlineMs: boundFlag('--job-deadline-ms', flags.jobDeadlineMs, VERIFY_WORKER_BOUNDS.jobDeadlineMs),
      heartbeatMs: boundFlag('--heartbeat-ms', flags.heartbeatMs, VERIFY_WORKER_BOUNDS.heartbeatMs),
    },
  };
  const watch = {
    tick: {
      tickMs: boundFlag('--watch-tick-ms', flags.watchTickMs, WATCH_TICK_BOUNDS.tickMs),
      claimMs: boundFlag('--watch-claim-ms', flags.watchClaimMs, WATCH_TICK_BOUNDS.claimMs),
    },
    webhook: {
      attempts: boundFlag('--webhook-attempts', flags.webhookAttempts, WEBHOOK_BOUNDS.attempts),
      backoffMs: boundFlag('--webhook-backoff-ms', flags.webhookBackoffMs, WEBHOOK_BOUNDS.backoffMs),
      timeoutMs: boundFlag('--webhook-timeout-ms', flags.webhookTimeoutMs, WEBHOOK_BOUNDS.timeoutMs),
    },
    // Read from the environment only: a secret on the command line would show in `ps`.
    webhookSecret: process.env['MXV_WEBHOOK_SECRET'] || null,
  };
  let canary: CanaryTarget | null = null;
  if (flags.canary !== undefined) {
    const parsed = parseCanary(flags.canary);
    if (parsed.status === 'invalid') throw new UsageError(`--canary: ${parsed.reason}`);
    canary = parsed.canary;
  }
  const egress = canary && {
    canary,
    consecutiveFailures: boundFlag('--egress-failures', flags.egressFailures, EGRESS_BOUNDS.consecutiveFailures),
    recheckMs: boundFlag('--canary-recheck-ms', flags.canaryRecheckMs, EGRESS_BOUNDS.recheckMs),
  };
  const historyMax = boundFlag('--history-max', flags.historyMax, HISTORY_MAX_BOUND);
  if (config.resultTtlMs < RESULT_TTL_BOUND.min)
    throw new UsageError(`--result-ttl must be at least ${RESULT_TTL_BOUND.min / 1000}s`);
  const drainTimeoutMs = boundFlag('--drain-timeout-ms', flags.drainTimeoutMs, WORKER_PROCESS_BOUNDS.drainTimeoutMs);
  const metricsPort = flags.metricsPort === undefined ? null : boundFlag('--metrics-port', flags.metricsPort, LISTEN_PORT_BOUND);
  const logger = loggerFromFlags(flags);
  const guardOff = guardOffWarning(probe.allowNet ?? []);
  if (guardOff !== null) logger.warn({ allowNet: probe.allowNet }, guardOff);
  const noIpv6 = noIpv6Warning(probe.ipFamilies);
  if (noIpv6 !== null) logger.warn({ ipFamilies: probe.ipFamilies }, noIpv6);
  const hostBudgetMs = probe.smtp?.hostBudgetMs ?? SMTP_BOUNDS.hostBudgetMs.default;
  if (config.worker.jobDeadlineMs <= hostBudgetMs) {
    // Allowed (a test, a hard cap on a slow world), but a domain with one slow host then ends as a failed job, not a result.
    logger.warn(
      { jobDeadlineMs: config.worker.jobDeadlineMs, hostBudgetMs },
      '--job-deadline-ms is not above --timeout-ms: a domain with a slow host is aborted instead of reported',
    );
  }
  const { redis, keys } = await connectFleet(flags, {
    waitMs: boundFlag('--redis-wait-ms', flags.redisWaitMs, WORKER_PROCESS_BOUNDS.redisWaitMs),
    storesShards: true,
  });
  if (config.worker.concurrency < keys.shardCount) {
    redis.disconnect();
    // Each shard's BullMQ Worker takes at least one job at a time (verify-worker.ts concurrencyShares).
    throw new UsageError(
      `--concurrency ${config.worker.concurrency} is below the fleet's ${keys.shardCount} shards: give at least ${keys.shardCount}`,
    );
  }
  const registry = createMetricsRegistry();
  const jobsRedis = await jobsConnection(redis, flags.autoPipelining);
  const disconnect = (): void => {
    if (jobsRedis !== redis) jobsRedis.disconnect();
    redis.disconnect();
  };
  const setup = createFleetWorker(
    redis,
    keys,
    { ...config, historyMax, watch, egress, metrics: createWorkMetrics(registry), jobsRedis },
    logger,
  );
  if (setup.status === 'invalid') {
    disconnect();
    throw new UsageError(setup.reason);
  }
  const { worker } = setup;
  const queue = createVerifyQueue(redis, keys);
  let metricsServer: MetricsServer | null = null;
  if (metricsPort !== null) {
    registerWorkerGauges(registry, () => worker.load());
    const livenessMs = config.worker.heartbeatMs * HEARTBEAT_LIVENESS_INTERVALS;
    registerFleetGauges(registry, () => readFleetGauges(redis, queue, keys, livenessMs));
    registerWatchGauges(registry, redis, keys, async () => (await webhookQueueCounts(setup.watch.webhookQueue)).failed);
    const started = await startMetricsServer({
      registry,
      host: flags.metricsHost,
      port: metricsPort,
      ready: () => worker.isTakingJobs() && redis.status === 'ready' && jobsRedis.status === 'ready',
    });
    if (started.status === 'failed') {
      await queue.close();
      disconnect();
      throw new UsageError(`--metrics-port ${metricsPort} on ${flags.metricsHost}: ${started.reason}`);
    }
    metricsServer = started.server;
    logger.info({ host: metricsServer.host, port: metricsServer.port }, 'metrics served');
  }
  let stopping: Promise<unknown> | null = null;
  const stop = (signal: string): void => {
    if (stopping) {
      // A second signal means "now": whatever still runs is recovered as stalled by another worker.
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(0);
    }
    logger.info({ signal, drainTimeoutMs }, 'draining');
    stopping = worker.close(drainTimeoutMs);
    // The drain is bounded even when Redis is gone: closing BullMQ and the
    // heartbeat wait on Redis commands that ioredis would retry forever. Past
    // this deadline the jobs still held are re-run by stalled-job recovery.
    setTimeout(
      () => {
        logger.warn({ redis: redis.status }, 'shutdown still waiting (Redis unreachable?): exiting');
        process.exit(0);
      },
      2 * drainTimeoutMs + SHUTDOWN_GRACE_MS,
    ).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  setup.watch.start();
  try {
    // The canary is asked before the first job: a worker that cannot reach it starts paused.
    await setup.egress?.start();
    await worker.run();
    if (stopping) await stopping;
  } finally {
    setup.egress?.stop();
    await setup.watch.stop();
    // Served until the drain is over, so the last scrape sees the last jobs.
    await metricsServer?.close();
    await queue.close();
    disconnect();
  }
}
