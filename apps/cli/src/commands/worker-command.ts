import { Command, Option } from 'commander';
import {
  DEFAULT_HOST_TTL_MS,
  DEFAULT_RESULT_TTL_MS,
  RETRY_BOUNDS,
  VERIFY_WORKER_BOUNDS,
  WORKER_PROCESS_BOUNDS,
  HISTORY_MAX_BOUND,
  WATCH_TICK_BOUNDS,
  WEBHOOK_BOUNDS,
  EGRESS_BOUNDS,
  POLITENESS_GROUP_BOUNDS,
} from '@mxv/fleet/bounds';
import { POLITENESS_BOUNDS } from '@mxv/probe/bounds';
import { addLogFlags, type LogFlagValues } from '../options/log-flags.js';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';
import { boundDefault, boundFlag } from '../options/number-flag.js';
import { addProbeFlags, type ProbeFlagValues } from '../options/probe-flags.js';

export interface WorkerFlags extends FleetFlagValues, ProbeFlagValues, LogFlagValues {
  concurrency: string;
  ratePerIp: string;
  maxConnPerIp: string;
  ratePerProvider: string;
  maxConnPerProvider: string;
  ratePerNetwork: string;
  maxConnPerNetwork: string;
  hostTtl: string;
  resultTtl: string;
  attempts: string;
  retryBaseMs: string;
  errorRuns: string;
  drainTimeoutMs: string;
  redisWaitMs: string;
  heapGrowthPercent: string;
  youngGenerationMib: string;
  lockMs: string;
  stalledIntervalMs: string;
  jobDeadlineMs: string;
  /** false with --no-auto-pipelining. */
  autoPipelining: boolean;
  heartbeatMs: string;
  metricsPort?: string;
  metricsHost: string;
  historyMax: string;
  watchTickMs: string;
  watchClaimMs: string;
  webhookAttempts: string;
  webhookBackoffMs: string;
  webhookTimeoutMs: string;
  canary?: string;
  egressFailures: string;
  canaryRecheckMs: string;
}

export function workerCommand(): Command {
  const command = new Command('worker')
    .summary('run one stateless fleet worker')
    .description(
      'Take domains from the queue and check them with the engine of `mxv check`, sharing host probes and politeness limits (per address, per provider, per /24 or /48) with every other worker through Redis. Results go to Redis (see mxv show).\nSIGTERM/SIGINT drain: no new jobs, running ones finish (up to --drain-timeout-ms, then they are handed back).\nEvery worker also moves due watches into the queue and, when MXV_WEBHOOK_SECRET is set, delivers webhooks.\nLogs are JSON lines on stderr.',
    )
    .addOption(
      new Option('-c, --concurrency <n>', 'jobs in flight in this process')
        .env('MXV_WORKER_CONCURRENCY')
        .default(boundDefault(VERIFY_WORKER_BOUNDS.concurrency)),
    )
    .addOption(
      new Option('--rate-per-ip <n>', 'new connections per second to one address, fleet-wide')
        .env('MXV_RATE_PER_IP')
        .default(boundDefault(POLITENESS_BOUNDS.connectionsPerSecond)),
    )
    .addOption(
      new Option('--max-conn-per-ip <n>', 'connections open at once to one address, fleet-wide')
        .env('MXV_MAX_CONN_PER_IP')
        .default(boundDefault(POLITENESS_BOUNDS.maxConcurrentPerIp)),
    )
    .addOption(
      new Option(
        '--rate-per-provider <n>',
        'new connections per second to all addresses of exchanges under one registrable domain, fleet-wide',
      )
        .env('MXV_RATE_PER_PROVIDER')
        .default(boundDefault(POLITENESS_GROUP_BOUNDS.providerConnectionsPerSecond)),
    )
    .addOption(
      new Option('--max-conn-per-provider <n>', 'connections open at once to one provider group, fleet-wide')
        .env('MXV_MAX_CONN_PER_PROVIDER')
        .default(boundDefault(POLITENESS_GROUP_BOUNDS.providerMaxConcurrent)),
    )
    .addOption(
      new Option('--rate-per-network <n>', 'new connections per second to one /24 (IPv4) or /48 (IPv6), fleet-wide')
        .env('MXV_RATE_PER_NETWORK')
        .default(boundDefault(POLITENESS_GROUP_BOUNDS.networkConnectionsPerSecond)),
    )
    .addOption(
      new Option('--max-conn-per-network <n>', 'connections open at once to one /24 or /48, fleet-wide')
        .env('MXV_MAX_CONN_PER_NETWORK')
        .default(boundDefault(POLITENESS_GROUP_BOUNDS.networkMaxConcurrent)),
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
        boundDefault(RETRY_BOUNDS.maxAttempts),
      ),
    )
    .addOption(
      new Option('--retry-base-ms <n>', 'delay before the first re-run of a transient result; doubles').default(
        boundDefault(RETRY_BOUNDS.retryBaseMs),
      ),
    )
    .addOption(
      new Option(
        '--error-runs <n>',
        'runs of a domain that end in an error instead of a result (Redis refused a command) before its job fails',
      )
        .env('MXV_ERROR_RUNS')
        .default(boundDefault(RETRY_BOUNDS.maxErrorRuns)),
    )
    .addOption(
      new Option('--redis-wait-ms <n>', 'at start, how long to wait for an unreachable Redis before giving up')
        .env('MXV_REDIS_WAIT_MS')
        .default(boundDefault(WORKER_PROCESS_BOUNDS.redisWaitMs)),
    )
    .addOption(
      new Option('--drain-timeout-ms <n>', 'on SIGTERM, how long running jobs may finish')
        .env('MXV_DRAIN_TIMEOUT_MS')
        .default(boundDefault(WORKER_PROCESS_BOUNDS.drainTimeoutMs)),
    )
    .addOption(
      new Option(
        '--heap-growth-percent <n>',
        "how far the V8 heap may grow past its live size after a full GC, in percent (0: V8's own heuristic)",
      )
        .env('MXV_HEAP_GROWTH_PERCENT')
        .default(boundDefault(WORKER_PROCESS_BOUNDS.heapGrowthPercent)),
    )
    .addOption(
      new Option('--young-generation-mib <n>', "the most V8's young generation (new space) may grow to, in MiB (0: V8's own 32)")
        .env('MXV_YOUNG_GENERATION_MIB')
        .default(boundDefault(WORKER_PROCESS_BOUNDS.youngGenerationMib)),
    )
    .addOption(
      new Option('--lock-ms <n>', "job lock; a killed worker's jobs run again after it lapses").default(
        boundDefault(VERIFY_WORKER_BOUNDS.lockDurationMs),
      ),
    )
    .addOption(
      new Option('--stalled-interval-ms <n>', 'how often to look for jobs of dead workers').default(
        boundDefault(VERIFY_WORKER_BOUNDS.stalledIntervalMs),
      ),
    )
    .addOption(
      new Option(
        '--job-deadline-ms <n>',
        'a domain still running after this is aborted and its job put back (an error run): catches hangs',
      )
        .env('MXV_JOB_DEADLINE_MS')
        .default(boundDefault(VERIFY_WORKER_BOUNDS.jobDeadlineMs)),
    )
    .addOption(
      new Option(
        '--no-auto-pipelining',
        "send each job's own Redis commands one by one instead of batched per event-loop turn (one Redis only)",
      ),
    )
    .addOption(
      new Option('--heartbeat-ms <n>', 'heartbeat period (mxv status counts workers by it)').default(
        boundDefault(VERIFY_WORKER_BOUNDS.heartbeatMs),
      ),
    )
    .addOption(
      new Option('--metrics-port <n>', 'serve /metrics, /healthz and /readyz on this port (0: any free port)').env(
        'MXV_METRICS_PORT',
      ),
    )
    .addOption(
      new Option('--metrics-host <host>', 'address the metrics server listens on').env('MXV_METRICS_HOST').default('127.0.0.1'),
    )
    .addOption(
      new Option('--history-max <n>', 'change records kept per domain (mxv history)')
        .env('MXV_HISTORY_MAX')
        .default(boundDefault(HISTORY_MAX_BOUND)),
    )
    .addOption(
      new Option('--watch-tick-ms <n>', 'how often this worker moves due watches into the queue').default(
        boundDefault(WATCH_TICK_BOUNDS.tickMs),
      ),
    )
    .addOption(
      new Option(
        '--watch-claim-ms <n>',
        'how late a watch may come due again when the worker that claimed it dies before rescheduling it',
      ).default(boundDefault(WATCH_TICK_BOUNDS.claimMs)),
    )
    .addOption(
      new Option('--webhook-attempts <n>', 'delivery attempts before a webhook becomes a dead letter').default(
        boundDefault(WEBHOOK_BOUNDS.attempts),
      ),
    )
    .addOption(
      new Option('--webhook-backoff-ms <n>', 'first webhook retry delay; doubles each attempt').default(
        boundDefault(WEBHOOK_BOUNDS.backoffMs),
      ),
    )
    .addOption(
      new Option('--webhook-timeout-ms <n>', 'budget of one webhook attempt (resolve, connect, send, read the answer)').default(
        boundDefault(WEBHOOK_BOUNDS.timeoutMs),
      ),
    )
    .addOption(
      new Option(
        '--canary <host[:port]>',
        'a mail server known to answer: checked at start and after many failed connections; while it cannot be reached the worker pauses',
      ).env('MXV_CANARY'),
    )
    .addOption(
      new Option('--egress-failures <n>', 'fresh host probes in a row without a connection before the canary is asked')
        .env('MXV_EGRESS_FAILURES')
        .default(boundDefault(EGRESS_BOUNDS.consecutiveFailures)),
    )
    .addOption(
      new Option('--canary-recheck-ms <n>', 'how often a worker paused for egress asks the canary again').default(
        boundDefault(EGRESS_BOUNDS.recheckMs),
      ),
    );
  addLogFlags(command);
  addProbeFlags(command, 'block');
  addFleetFlags(command);
  return command.action(async (flags: WorkerFlags) => {
    // V8's heap is tuned before the worker's modules load: loading them grows the new space to
    // V8's maximum within half a second, and nothing can shrink it back once it is there. The new
    // space is held where it is while they load (a bundled chunk is parsed in one turn), then
    // grown to the cap in watched steps before the first job (young-generation.ts).
    const [{ setHeapGrowthPercent }, { capYoungGeneration }] = await Promise.all([
      import('./heap-growth.js'),
      import('./young-generation.js'),
    ]);
    setHeapGrowthPercent(boundFlag('--heap-growth-percent', flags.heapGrowthPercent, WORKER_PROCESS_BOUNDS.heapGrowthPercent));
    const youngGeneration = capYoungGeneration(
      boundFlag('--young-generation-mib', flags.youngGenerationMib, WORKER_PROCESS_BOUNDS.youngGenerationMib),
      { holding: true },
    );
    // BullMQ, ioredis, pino and prom-client load only when the worker runs.
    const { runWorker } = await import('./run-worker.js');
    await youngGeneration.release();
    await runWorker(flags);
  });
}
