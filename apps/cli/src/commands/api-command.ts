import { Command, Option } from 'commander';
import { API_LIMIT_BOUNDS, DEFAULT_API_HOST, DEFAULT_API_PORT, type ApiLimits } from '@mxv/api/bounds';
import { addLogFlags, type LogFlagValues } from '../options/log-flags.js';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';
import { boundDefault } from '../options/number-flag.js';

export interface ApiFlags extends FleetFlagValues, LogFlagValues {
  host: string;
  port: string;
  token?: string;
  rateLimit: string;
  maxDomains: string;
  bodyLimit: string;
  minRefreshAge: string;
  resultCacheMs: string;
  trustProxy?: string | boolean;
  /** The values of API_LIMIT_FLAGS, under commander's name for each flag. */
  [flag: string]: string | boolean | undefined;
}

/**
 * Flags that set one API limit each, as whole numbers checked against its
 * bound (issue 14: live-check budgets, stream caps, slow-client timeouts).
 */
export const API_LIMIT_FLAGS = [
  [
    '--anonymous-checks <n>',
    'anonymousChecksPerMinute',
    'live checks without a token that queue a job, per client address per minute (0: none)',
  ],
  [
    '--anonymous-checks-fleet <n>',
    'anonymousChecksFleetPerMinute',
    'the same for all clients of all API processes together, per minute (0: none)',
  ],
  ['--max-streams <n>', 'maxEventStreams', 'live-update (SSE) streams open at once'],
  ['--max-streams-per-client <n>', 'maxEventStreamsPerClient', 'live-update streams one client address may hold open'],
  ['--stream-timeout-ms <n>', 'eventStreamTimeoutMs', 'a live-update stream with no result ends after this long'],
  ['--request-timeout-ms <n>', 'requestTimeoutMs', 'time to receive a whole request (headers and body)'],
  ['--headers-timeout-ms <n>', 'headersTimeoutMs', 'time to receive the request headers (at most --request-timeout-ms)'],
  ['--connection-timeout-ms <n>', 'connectionTimeoutMs', 'a connection silent both ways this long is closed'],
  ['--keep-alive-timeout-ms <n>', 'keepAliveTimeoutMs', 'an idle keep-alive connection is closed after this long'],
  ['--timeout-check-interval-ms <n>', 'timeoutCheckIntervalMs', 'how often requests are checked against the two timeouts above'],
] as const satisfies ReadonlyArray<readonly [string, keyof ApiLimits, string]>;

export function apiCommand(): Command {
  const command = new Command('api')
    .summary('serve the HTTP API and the lookup page')
    .description(
      "Serves the fleet's results: GET /v1/domains/{domain} (JSON), the lookup page at /, POST /v1/checks (bulk enqueue, needs the token), /admin/queues (queue dashboard, needs the token), /healthz, /readyz, /metrics and /openapi.json. Without a token the write routes answer 403. SIGTERM/SIGINT stop it. See docs/api.md.",
    )
    .addOption(new Option('--host <host>', 'address to listen on').env('MXV_API_HOST').default(DEFAULT_API_HOST))
    .addOption(
      new Option('--port <n>', 'port to listen on (0: a free one)').env('MXV_API_PORT').default(String(DEFAULT_API_PORT)),
    )
    .addOption(new Option('--token <token>', 'bearer token of POST /v1/checks and /admin/queues').env('MXV_API_TOKEN'))
    .addOption(
      new Option('--rate-limit <n>', 'requests per minute per client address (0: none)').default(
        boundDefault(API_LIMIT_BOUNDS.rateLimitPerMinute),
      ),
    )
    .addOption(
      new Option('--max-domains <n>', 'domains per POST /v1/checks').default(boundDefault(API_LIMIT_BOUNDS.maxDomainsPerRequest)),
    )
    .addOption(new Option('--body-limit <bytes>', 'largest request body').default(boundDefault(API_LIMIT_BOUNDS.bodyLimitBytes)))
    .addOption(
      new Option('--min-refresh-age <duration>', 'a refresh never re-checks a result younger than this').default(
        `${API_LIMIT_BOUNDS.minRefreshAgeMs.default / 1000}s`,
      ),
    )
    .addOption(
      new Option(
        '--result-cache-ms <n>',
        'GET /v1/domains/{domain} may answer from memory this long after reading Redis (0: off)',
      ).default(boundDefault(API_LIMIT_BOUNDS.resultCacheMs)),
    )
    .addOption(
      new Option(
        '--trust-proxy [hops|cidrs]',
        'take the client address from X-Forwarded-For, set by this many proxies in front (bare: 1) or by proxies in these ranges (CIDR,...)',
      ).env('MXV_API_TRUST_PROXY'),
    );
  for (const [flag, limit, description] of API_LIMIT_FLAGS) {
    command.addOption(new Option(flag, description).default(boundDefault(API_LIMIT_BOUNDS[limit])));
  }
  addLogFlags(command);
  addFleetFlags(command);
  return command.action(async (flags: ApiFlags) => {
    // Fastify, bull-board, BullMQ and Redis load only when the API runs.
    const { runApi } = await import('./run-api.js');
    await runApi(flags);
  });
}
