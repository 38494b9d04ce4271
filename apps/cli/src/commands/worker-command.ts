import { Command, Option } from 'commander';
import {
  createFleetWorker,
  createMetricsRegistry,
  createVerifyQueue,
  createWorkMetrics,
  DEFAULT_HOST_TTL_MS,
  DEFAULT_RESULT_TTL_MS,
  DEFAULT_RETRY_POLICY,
  DEFAULT_VERIFY_WORKER,
  HEARTBEAT_LIVENESS_INTERVALS,
  readFleetGauges,
  registerFleetGauges,
  registerWorkerGauges,
  startMetricsServer,
  type MetricsServer,
} from '@mxv/fleet';
import { addLogFlags, loggerFromFlags, type LogFlagValues } from '../options/log-flags.js';
import { addFleetFlags, connectFleet, durationFlag, type FleetFlagValues } from '../options/fleet-flags.js';
import { addProbeFlags, integerFlag, probeOptionsFromFlags, type ProbeFlagValues } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';

interface WorkerFlags extends FleetFlagValues, ProbeFlagValues, LogFlagValues {
  concurrency: string;
  ratePerIp: string;
  maxConnPerIp: string;
  hostTtl: string;
  resultTtl: string;
  attempts: string;
  retryBaseMs: string;
  drainTimeoutMs: string;
  redisWaitMs: string;
  lockMs: string;
  stalledIntervalMs: string;
  heartbeatMs: string;
  metricsPort?: string;
  metricsHost: string;
}

/** Beyond twice the drain time, the time left to close connections before a stuck shutdown gives up. */
const SHUTDOWN_GRACE_MS = 5_000;

export function workerCommand(): Command {
  const command = new Command('worker')
    .summary('run one stateless fleet worker')
    .description(
      'Take domains from the queue and check them with the engine of `mxv check`, sharing host probes and\nper-address politeness limits with every other worker through Redis. Results go to Redis (see mxv show).\nSIGTERM/SIGINT drain: no new jobs, running ones finish (up to --drain-timeout-ms, then they are handed back).\nLogs are JSON lines on stderr.',
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'jobs in flight in this process')
        .env('MXV_WORKER_CONCURRENCY')
        .default(String(DEFAULT_VERIFY_WORKER.concurrency)),
    )
    .addOption(
      new Option('--rate-per-ip <n>', 'new connections per second to one address, fleet-wide')
        .env('MXV_RATE_PER_IP')
        .default('1'),
    )
    .addOption(
      new Option('--max-conn-per-ip <n>', 'connections open at once to one address, fleet-wide')
        .env('MXV_MAX_CONN_PER_IP')
        .default('2'),
    )
    .addOption(
      new Option('--host-ttl <duration>', 'how long a host probe is shared')
        .env('MXV_HOST_TTL')
        .default(`${DEFAULT_HOST_TTL_MS / 3_600_000}h`),
    )
    .addOption(
      new Option('--result-ttl <duration>', 'how long a stored result lives')
        .env('MXV_RESULT_TTL')
        .default(`${DEFAULT_RESULT_TTL_MS / 86_400_000}d`),
    )
    .addOption(
      new Option('--attempts <n>', 'runs of a domain whose result is transient (DNS failure, tempfail, timeout)').default(
        String(DEFAULT_RETRY_POLICY.maxAttempts),
      ),
    )
    .addOption(
      new Option('--retry-base-ms <n>', 'delay before the first re-run of a transient result; doubles').default(
        String(DEFAULT_RETRY_POLICY.retryBaseMs),
      ),
    )
    .addOption(
      new Option('--redis-wait-ms <n>', 'at start, how long to wait for an unreachable Redis before giving up')
        .env('MXV_REDIS_WAIT_MS')
        .default('60000'),
    )
    .addOption(
      new Option('--drain-timeout-ms <n>', 'on SIGTERM, how long running jobs may finish')
        .env('MXV_DRAIN_TIMEOUT_MS')
        .default('30000'),
    )
    .addOption(
      new Option('--lock-ms <n>', "job lock; a killed worker's jobs run again after it lapses").default(
        String(DEFAULT_VERIFY_WORKER.lockDurationMs),
      ),
    )
    .addOption(
      new Option('--stalled-interval-ms <n>', 'how often to look for jobs of dead workers').default(
        String(DEFAULT_VERIFY_WORKER.stalledIntervalMs),
      ),
    )
    .addOption(
      new Option('--heartbeat-ms <n>', 'heartbeat period (mxv status counts workers by it)').default(
        String(DEFAULT_VERIFY_WORKER.heartbeatMs),
      ),
    )
    .addOption(
      new Option('--metrics-port <n>', 'serve /metrics, /healthz and /readyz on this port (0: any free port)').env(
        'MXV_METRICS_PORT',
      ),
    )
    .addOption(
      new Option('--metrics-host <host>', 'address the metrics server listens on').env('MXV_METRICS_HOST').default('127.0.0.1'),
    );
  addLogFlags(command);
  addProbeFlags(command);
  addFleetFlags(command);
  return command.action(async (flags: WorkerFlags) => {
    await runWorker(flags);
  });
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  const rate = Number(flags.ratePerIp);
  if (!/^\d+(\.\d+)?$/.test(flags.ratePerIp.trim()) || !(rate > 0 && rate <= 1000)) {
    throw new UsageError(`--rate-per-ip must be a number above 0 and at most 1000, got "${flags.ratePerIp}"`);
  }
  const probe = {
    ...probeOptionsFromFlags(flags),
    politeness: { connectionsPerSecond: rate, maxConcurrentPerIp: integerFlag('--max-conn-per-ip', flags.maxConnPerIp, 1, 1000) },
  };
  const config = {
    probe,
    hostTtlMs: durationFlag('--host-ttl', flags.hostTtl),
    resultTtlMs: durationFlag('--result-ttl', flags.resultTtl),
    retry: {
      maxAttempts: integerFlag('--attempts', flags.attempts, 1, 20),
      retryBaseMs: integerFlag('--retry-base-ms', flags.retryBaseMs, 1, 3_600_000),
    },
    worker: {
      concurrency: integerFlag('--concurrency', flags.concurrency, 1, 10_000),
      lockDurationMs: integerFlag('--lock-ms', flags.lockMs, 1_000, 3_600_000),
      stalledIntervalMs: integerFlag('--stalled-interval-ms', flags.stalledIntervalMs, 500, 3_600_000),
      heartbeatMs: integerFlag('--heartbeat-ms', flags.heartbeatMs, 100, 3_600_000),
    },
  };
  if (config.resultTtlMs < 1_000) throw new UsageError('--result-ttl must be at least 1s');
  const drainTimeoutMs = integerFlag('--drain-timeout-ms', flags.drainTimeoutMs, 0, 3_600_000);
  const metricsPort = flags.metricsPort === undefined ? null : integerFlag('--metrics-port', flags.metricsPort, 0, 65_535);
  const logger = loggerFromFlags(flags);
  const { redis, keys } = await connectFleet(flags, { waitMs: integerFlag('--redis-wait-ms', flags.redisWaitMs, 0, 3_600_000) });
  const registry = createMetricsRegistry();
  const setup = createFleetWorker(redis, keys, { ...config, metrics: createWorkMetrics(registry) }, logger);
  if (setup.status === 'invalid') {
    redis.disconnect();
    throw new UsageError(setup.reason);
  }
  const { worker } = setup;
  const queue = createVerifyQueue(redis, keys);
  let metricsServer: MetricsServer | null = null;
  if (metricsPort !== null) {
    registerWorkerGauges(registry, () => worker.load());
    const livenessMs = config.worker.heartbeatMs * HEARTBEAT_LIVENESS_INTERVALS;
    registerFleetGauges(registry, () => readFleetGauges(redis, queue, keys, livenessMs));
    const started = await startMetricsServer({
      registry,
      host: flags.metricsHost,
      port: metricsPort,
      ready: () => worker.isTakingJobs() && redis.status === 'ready',
    });
    if (started.status === 'failed') {
      await queue.close();
      redis.disconnect();
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
  try {
    await worker.run();
    if (stopping) await stopping;
  } finally {
    // Served until the drain is over, so the last scrape sees the last jobs.
    await metricsServer?.close();
    await queue.close();
    redis.disconnect();
  }
}
