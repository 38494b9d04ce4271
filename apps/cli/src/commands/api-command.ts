import { Command, Option } from 'commander';
import { API_LIMIT_BOUNDS, DEFAULT_API_HOST, DEFAULT_API_PORT } from '@mxv/api/bounds';
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
  trustProxy?: boolean;
}

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
    .option('--trust-proxy', 'take the client address from X-Forwarded-For (behind a reverse proxy)');
  addLogFlags(command);
  addFleetFlags(command);
  return command.action(async (flags: ApiFlags) => {
    // Fastify, bull-board, BullMQ and Redis load only when the API runs.
    const { runApi } = await import('./run-api.js');
    await runApi(flags);
  });
}
