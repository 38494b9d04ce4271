import { Command, Option } from 'commander';
import { startApiServer, DEFAULT_API_LIMITS } from '@mxv/api';
import {
  createMetricsRegistry,
  createVerifyQueue,
  DEFAULT_VERIFY_WORKER,
  HEARTBEAT_LIVENESS_INTERVALS,
  readFleetGauges,
  registerFleetGauges,
} from '@mxv/fleet';
import { addLogFlags, loggerFromFlags, type LogFlagValues } from '../options/log-flags.js';
import { addFleetFlags, connectFleet, durationFlag, type FleetFlagValues } from '../options/fleet-flags.js';
import { integerFlag } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';

interface ApiFlags extends FleetFlagValues, LogFlagValues {
  host: string;
  port: string;
  token?: string;
  rateLimit: string;
  maxDomains: string;
  bodyLimit: string;
  minRefreshAge: string;
  resultCacheMs: string;
  trustProxy?: boolean;
}

export function apiCommand(): Command {
  const command = new Command('api')
    .summary('serve the HTTP API and the lookup page')
    .description(
      "Serves the fleet's results: GET /v1/domains/{domain} (JSON), the lookup page at /, POST /v1/checks (bulk enqueue, needs the token), /admin/queues (queue dashboard, needs the token), /healthz, /readyz, /metrics and /openapi.json. Without a token the write routes answer 403. SIGTERM/SIGINT stop it. See docs/api.md.",
    )
    .addOption(new Option('--host <host>', 'address to listen on').env('MXV_API_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'port to listen on (0: a free one)').env('MXV_API_PORT').default('8080'))
    .addOption(new Option('--token <token>', 'bearer token of POST /v1/checks and /admin/queues').env('MXV_API_TOKEN'))
    .addOption(
      new Option('--rate-limit <n>', 'requests per minute per client address (0: none)').default(
        String(DEFAULT_API_LIMITS.rateLimitPerMinute),
      ),
    )
    .addOption(
      new Option('--max-domains <n>', 'domains per POST /v1/checks').default(String(DEFAULT_API_LIMITS.maxDomainsPerRequest)),
    )
    .addOption(new Option('--body-limit <bytes>', 'largest request body').default(String(DEFAULT_API_LIMITS.bodyLimitBytes)))
    .addOption(
      new Option('--min-refresh-age <duration>', 'a refresh never re-checks a result younger than this').default(
        `${DEFAULT_API_LIMITS.minRefreshAgeMs / 1000}s`,
      ),
    )
    .addOption(
      new Option(
        '--result-cache-ms <n>',
        'GET /v1/domains/{domain} may answer from memory this long after reading Redis (0: off)',
      ).default(String(DEFAULT_API_LIMITS.resultCacheMs)),
    )
    .option('--trust-proxy', 'take the client address from X-Forwarded-For (behind a reverse proxy)');
  addLogFlags(command);
  addFleetFlags(command);
  return command.action(async (flags: ApiFlags) => {
    await runApi(flags);
  });
}

async function runApi(flags: ApiFlags): Promise<void> {
  const logger = loggerFromFlags(flags);
  const port = integerFlag('--port', flags.port, 0, 65_535);
  const token = flags.token?.trim() || null;
  if (token !== null && token.length < 8) throw new UsageError('--token / MXV_API_TOKEN must be at least 8 characters');
  // Fail at start with a clear message rather than serve 503s from the first request.
  const { redis: gaugeRedis, keys } = await connectFleet(flags);
  // That connection stays open for the fleet gauges of /metrics (queue depth, workers, back-off), read at scrape time.
  const queue = createVerifyQueue(gaugeRedis, keys);
  queue.on('error', () => undefined);
  const registry = createMetricsRegistry();
  const livenessMs = DEFAULT_VERIFY_WORKER.heartbeatMs * HEARTBEAT_LIVENESS_INTERVALS;
  registerFleetGauges(registry, () => readFleetGauges(gaugeRedis, queue, keys, livenessMs));
  const closeGauges = async (): Promise<void> => {
    await queue.close();
    gaugeRedis.disconnect();
  };
  let server;
  try {
    server = await startApiServer({
      redis: flags.redis,
      prefix: flags.prefix,
      token,
      host: flags.host,
      port,
      logger,
      registry,
      trustProxy: flags.trustProxy === true,
      limits: {
        rateLimitPerMinute: integerFlag('--rate-limit', flags.rateLimit, 0, 10_000_000),
        maxDomainsPerRequest: integerFlag('--max-domains', flags.maxDomains, 1, 100_000),
        bodyLimitBytes: integerFlag('--body-limit', flags.bodyLimit, 1_024, 64 * 1024 * 1024),
        minRefreshAgeMs: durationFlag('--min-refresh-age', flags.minRefreshAge),
        resultCacheMs: integerFlag('--result-cache-ms', flags.resultCacheMs, 0, 60_000),
      },
    });
  } catch (error) {
    await closeGauges();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UsageError(`cannot listen on ${flags.host}:${port} (${code}); choose another --host/--port`);
    }
    throw error;
  }
  logger.info({ url: server.url, writeApi: token !== null }, 'api listening');
  process.stderr.write(
    `mxv api: ${server.url}/ (lookup page), ${server.url}/openapi.json${token === null ? '; no token: POST /v1/checks and /admin/queues are disabled' : ''}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await closeGauges();
}
