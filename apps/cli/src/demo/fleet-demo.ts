import { randomBytes } from 'node:crypto';
import { startApiServer, type ApiServer } from '@mxv/api';
import {
  connectRedis,
  createFleetLogger,
  createFleetWorker,
  createVerifyQueue,
  enqueueDomains,
  ResultStore,
  type FleetKeys,
  type FleetRedis,
  type VerifyWorker,
} from '@mxv/fleet';
import type { CheckResult } from '@mxv/schema';
import { expectationMismatches, type World } from '@mxv/testkit';
import type pc from 'picocolors';
import { ProgressLine } from '../output/progress-line.js';
import { terminalSafeJson } from '../output/terminal-safe-json.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * The demo's resolver answers at once or never (dns-timeout.test): one attempt, and a timeout that is
 * still generous for a loaded machine (1 s once gave club.example a dns_error beside a browser test).
 */
export const DEMO_DNS = { queryTimeoutMs: 2000, attemptsPerServer: 1 } as const;

export interface FleetDemoOptions {
  world: World;
  redisUrl: string;
  /** A fresh prefix: the demo may share a Redis with real work. */
  keys: FleetKeys;
  workers: number;
  hostBudgetMs: number;
  host: string;
  port: number;
  json: boolean;
  colors: Colors;
  /** How long to wait for every domain's result before reporting the missing ones. */
  waitMs: number;
}

export interface RunningFleetDemo {
  api: ApiServer;
  token: string;
  /** Stops the API and the workers (the caller stops Redis and the world). */
  stop(): Promise<void>;
}

/** Workers and the API in this process, the world's domains through the queue, the summary when they are all stored. */
export async function runFleetDemo(options: FleetDemoOptions): Promise<RunningFleetDemo> {
  const { world, keys, colors } = options;
  const connections: FleetRedis[] = [];
  const connect = async (): Promise<FleetRedis> => {
    const connected = await connectRedis(options.redisUrl);
    if (connected.status === 'failed') throw new Error(connected.reason);
    connections.push(connected.redis);
    return connected.redis;
  };
  const logger = createFleetLogger(process.env['MXV_LOG_LEVEL'] ?? 'error');
  const workers: VerifyWorker[] = [];
  const running: Array<Promise<void>> = [];
  const budget = options.hostBudgetMs;
  for (let i = 0; i < options.workers; i++) {
    const setup = createFleetWorker(
      await connect(),
      keys,
      {
        probe: {
          dnsServers: [world.dns],
          allowNet: world.allowNet,
          smtp: { port: world.smtpPort, hostBudgetMs: budget, greetingTimeoutMs: budget, replyTimeoutMs: budget },
          dns: DEMO_DNS,
          policy: { mtaStsPort: world.httpsPort },
          politeness: { connectionsPerSecond: 20, maxConcurrentPerIp: 4 },
        },
        // The simulated world's hosts all sit in one /24 under a few names: its groups as loose as its addresses.
        groups: { provider: DEMO_GROUP_LIMITS, network: DEMO_GROUP_LIMITS },
        engine: { extraCaPem: [world.caCertPem] },
        // One run per domain: the demo shows results, not the retry schedule of transient ones.
        retry: { maxAttempts: 1 },
        worker: { concurrency: 16, heartbeatMs: 1_000 },
      },
      logger,
    );
    if (setup.status === 'invalid') throw new Error(`demo worker: ${setup.reason}`);
    workers.push(setup.worker);
    running.push(setup.worker.run());
  }

  const token = randomBytes(18).toString('base64url');
  const apiOptions = {
    redis: options.redisUrl,
    prefix: keys.prefix,
    token,
    host: options.host,
    limits: { minRefreshAgeMs: 0, rateLimitPerMinute: 0 },
  };
  let api: ApiServer;
  try {
    api = await startApiServer({ ...apiOptions, port: options.port });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    process.stderr.write(colors.dim(`port ${options.port} is taken; using a free one\n`));
    api = await startApiServer({ ...apiOptions, port: 0 });
  }

  const stop = async (): Promise<void> => {
    await api.close();
    await Promise.all(workers.map((worker) => worker.close(2_000)));
    await Promise.allSettled(running);
    for (const connection of connections) connection.disconnect();
  };

  try {
    const redis = await connect();
    const store = new ResultStore(redis, keys);
    const queue = createVerifyQueue(redis, keys);
    const started = performance.now();
    const invalid: Array<{ input: string; reason: string }> = [];
    const summary = await enqueueDomains({ queue, redis, keys, store }, world.domains, {
      onInvalid: (input, reason) => {
        invalid.push({ input, reason });
      },
    });
    await queue.close();
    const queued = world.domains.filter((d) => !invalid.some((i) => i.input === d));
    process.stderr.write(
      colors.dim(
        `${summary.enqueued} domains queued for ${options.workers} workers (${invalid.length} invalid input, not queued)\n`,
      ),
    );
    const results = await waitForResults(store, queued, options.waitMs, started);
    printSummary(options, results, invalid, (performance.now() - started) / 1000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { api, token, stop };
}

async function waitForResults(
  store: ResultStore,
  domains: string[],
  waitMs: number,
  started: number,
): Promise<Map<string, CheckResult>> {
  const progress = new ProgressLine();
  const deadline = Date.now() + waitMs;
  const found = new Map<string, CheckResult>();
  while (Date.now() < deadline) {
    const missing = domains.filter((d) => !found.has(d));
    if (missing.length === 0) break;
    for (const entry of await store.getMany(missing)) {
      if (entry.status === 'found') found.set(entry.result.domain, entry.result);
    }
    const seconds = (performance.now() - started) / 1000;
    progress.update(`checked ${found.size}/${domains.length} domains  (${seconds.toFixed(1)} s)`, true);
    if (found.size < domains.length) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  progress.clear();
  return found;
}

/** The demo's group limits (the per-address ones are 20/s and 4 open): the world is one /24, so they only must not bind. */
const DEMO_GROUP_LIMITS = { connectionsPerSecond: 1_000, maxConcurrent: 1_000 };

const MARKS: Array<keyof CheckResult['checks']> = ['mxExists', 'mxResolves', 'smtpReachable', 'bannerValid', 'tlsSupported'];

function printSummary(
  options: FleetDemoOptions,
  results: Map<string, CheckResult>,
  invalid: Array<{ input: string; reason: string }>,
  seconds: number,
): void {
  const { world, colors } = options;
  let agreed = 0;
  const lines: string[] = [];
  const width = Math.max(...world.domains.map((d) => d.length), 6) + 2;
  lines.push(colors.bold(`${'domain'.padEnd(width)}${'verdict'.padEnd(14)}MX  res tcp 220 TLS`));
  for (const domain of world.domains) {
    const expected = world.expectations.get(domain);
    const bad = invalid.find((i) => i.input === domain);
    if (bad) {
      const ok = expected?.verdict === undefined || expected.verdict === 'invalid';
      if (ok) agreed += 1;
      lines.push(
        `${domain.padEnd(width)}${'invalid'.padEnd(14)}${colors.dim(`not queued (${bad.reason})`)}${ok ? '' : colors.red('  UNEXPECTED')}`,
      );
      continue;
    }
    const result = results.get(domain);
    if (!result) {
      lines.push(`${domain.padEnd(width)}${colors.red('no result in time')}`);
      continue;
    }
    if (options.json) process.stdout.write(`${terminalSafeJson(result)}\n`);
    const mismatches = expected ? expectationMismatches(result, expected) : [];
    if (mismatches.length === 0) agreed += 1;
    const marks = MARKS.map((key) => (result.checks[key] ? colors.green('✓') : colors.red('✗'))).join('   ');
    const tone = result.verdict === 'ok' ? colors.green : result.verdict === 'null_mx' ? colors.yellow : colors.red;
    lines.push(
      `${domain.padEnd(width)}${tone(result.verdict.padEnd(14))}${marks}${mismatches.length > 0 ? colors.red(`  UNEXPECTED: ${mismatches.join('; ')}`) : ''}`,
    );
  }
  // The table is for people: on stderr with --json, so stdout stays NDJSON.
  const out = options.json ? process.stderr : process.stdout;
  out.write(`${lines.join('\n')}\n`);
  process.stderr.write(
    `${results.size + invalid.length}/${world.domains.length} domains done in ${seconds.toFixed(1)} s by ${options.workers} workers through Redis; ${agreed} as the world expects, ${world.domains.length - agreed} not\n`,
  );
}
