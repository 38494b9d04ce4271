import { resolveApiLimits, startApiServer, API_LIMIT_BOUNDS, MIN_TOKEN_CHARS, type ApiLimits } from '@mxv/api';
import {
  createMetricsRegistry,
  createVerifyQueue,
  DEFAULT_VERIFY_WORKER,
  HEARTBEAT_LIVENESS_INTERVALS,
  readFleetGauges,
  registerFleetGauges,
  createWebhookQueue,
  registerWatchGauges,
  webhookQueueCounts,
} from '@mxv/fleet';
import { LISTEN_PORT_BOUND } from '../options/cli-bounds.js';
import { connectFleet } from '../options/connect-fleet.js';
import { durationFlag } from '../options/fleet-flags.js';
import { loggerFromFlags } from '../options/logger-from-flags.js';
import { boundFlag } from '../options/number-flag.js';
import { UsageError } from '../options/usage-error.js';
import { Option } from 'commander';
import { trustProxyFlag } from '../options/trust-proxy-flag.js';
import { API_LIMIT_FLAGS, type ApiFlags } from './api-command.js';

export async function runApi(flags: ApiFlags): Promise<void> {
  const logger = loggerFromFlags(flags);
  const port = boundFlag('--port', flags.port, LISTEN_PORT_BOUND);
  const token = flags.token?.trim() || null;
  const trustProxy = trustProxyFlag(flags.trustProxy);
  const limits: Partial<ApiLimits> = {
    rateLimitPerMinute: boundFlag('--rate-limit', flags.rateLimit, API_LIMIT_BOUNDS.rateLimitPerMinute),
    maxDomainsPerRequest: boundFlag('--max-domains', flags.maxDomains, API_LIMIT_BOUNDS.maxDomainsPerRequest),
    bodyLimitBytes: boundFlag('--body-limit', flags.bodyLimit, API_LIMIT_BOUNDS.bodyLimitBytes),
    minRefreshAgeMs: durationFlag('--min-refresh-age', flags.minRefreshAge),
    resultCacheMs: boundFlag('--result-cache-ms', flags.resultCacheMs, API_LIMIT_BOUNDS.resultCacheMs),
    ...Object.fromEntries(
      API_LIMIT_FLAGS.map(([flag, limit]) => {
        const name = flag.split(' ')[0] ?? flag;
        // Commander stores a flag's value under its camel-cased name.
        return [limit, boundFlag(name, String(flags[new Option(flag).attributeName()]), API_LIMIT_BOUNDS[limit])];
      }),
    ),
  };
  // Limits that bound each other (headers within the request timeout, ...) are checked once, where the API checks them.
  const checked = resolveApiLimits({ redis: flags.redis, limits, ...(trustProxy ? { trustProxy } : {}) });
  if (checked.status === 'invalid') throw new UsageError(`mxv api: ${checked.reason}`);
  if (token !== null && token.length < MIN_TOKEN_CHARS) {
    throw new UsageError(`--token / MXV_API_TOKEN must be at least ${MIN_TOKEN_CHARS} characters`);
  }
  // Fail at start with a clear message rather than serve 503s from the first request.
  const { redis: gaugeRedis, keys } = await connectFleet(flags, { storesShards: true });
  // That connection stays open for the fleet gauges of /metrics (queue depth, workers, back-off), read at scrape time.
  const queue = createVerifyQueue(gaugeRedis, keys);
  queue.on('error', () => undefined);
  const registry = createMetricsRegistry();
  const livenessMs = DEFAULT_VERIFY_WORKER.heartbeatMs * HEARTBEAT_LIVENESS_INTERVALS;
  registerFleetGauges(registry, () => readFleetGauges(gaugeRedis, queue, keys, livenessMs));
  const webhooks = createWebhookQueue(gaugeRedis, keys);
  webhooks.on('error', () => undefined);
  registerWatchGauges(registry, gaugeRedis, keys, async () => (await webhookQueueCounts(webhooks)).failed);
  const closeGauges = async (): Promise<void> => {
    await webhooks.close();
    await queue.close();
    gaugeRedis.disconnect();
  };
  let server;
  try {
    server = await startApiServer({
      redis: flags.redis,
      redisCluster: flags.redisCluster === true,
      prefix: flags.prefix,
      shards: keys.shardCount,
      token,
      host: flags.host,
      port,
      logger,
      registry,
      ...(trustProxy ? { trustProxy } : {}),
      limits,
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
