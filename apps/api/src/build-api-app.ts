import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { resolveApiLimits, type ApiOptions, type TrustProxy } from './api-options.js';
import { ApiError } from './errors/api-error.js';
import { answerClientError } from './plugins/client-error.js';
import { frameworkErrorHandler, installErrorHandler } from './plugins/error-handler.js';
import { installRequestGuards } from './plugins/request-guards.js';
import { adminQueues, ADMIN_QUEUES_PATH } from './routes/admin-queues.js';
import { checksRoute } from './routes/checks-route.js';
import { domainRoutes } from './routes/domain-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { historyRoutes } from './routes/history-routes.js';
import { watchRoutes } from './routes/watch-routes.js';
import { pageRoutes } from './routes/page-routes.js';
import { createApiServices, type ApiServices } from './services/api-services.js';
import { clientKey } from './services/client-key.js';

export const API_VERSION = '1.0.0';

/**
 * Fastify's trustProxy for our setting. A hop count is a function: Fastify 5
 * turns a bare number into "trust nothing" (it cannot tell a proxy from a
 * direct client), so we say what the count means, as proxy-addr does: the
 * socket's peer and the N-1 addresses before it in X-Forwarded-For are proxies.
 */
function trustProxyOption(trust: TrustProxy): string[] | ((address: string, hop: number) => boolean) {
  if ('ranges' in trust) return [...trust.ranges];
  const hops = trust.hops;
  return (_address, hop) => hop < hops;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Redis, the result store, the queue and the event feed the routes use. */
    mxv: ApiServices;
  }
  // What @fastify/swagger reads from a route schema (its own augmentation
  // targets a `fastify` its folder cannot resolve under pnpm).
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
    hide?: boolean;
    security?: ReadonlyArray<Record<string, readonly string[]>>;
  }
  interface FastifyContextConfig {
    /** A lookup-page route: its errors are rendered as HTML. */
    page?: boolean;
  }
}

/**
 * The API and the lookup page as one Fastify instance, not listening yet
 * (tests use `inject`, `startApiServer` listens). Plugins first (errors, rate
 * limit, OpenAPI), then the services, then the routes; closing the app closes
 * what it opened.
 */
export async function buildApiApp(options: ApiOptions): Promise<FastifyInstance> {
  const checked = resolveApiLimits(options);
  if (checked.status === 'invalid') throw new Error(`API options: ${checked.reason}`);
  const limits = checked.limits;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: limits.bodyLimitBytes,
    // A hop count or our proxies' ranges, never `true`: trusting every hop lets a client pick its own rate-limit key.
    ...(options.trustProxy ? { trustProxy: trustProxyOption(options.trustProxy) } : {}),
    // Slow clients (slowloris, trickled bodies) are cut: whole request, headers, idle socket, idle keep-alive.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckIntervalMs },
    // A domain in a path may be percent-encoded Unicode: up to 9 bytes per character.
    routerOptions: { maxParamLength: limits.maxInputChars * 3 },
    // SSE streams would hold close() open until they time out.
    forceCloseConnections: true,
    // Answered by installRequestGuards in our error shape instead.
    return503OnClosing: false,
    // Errors Fastify and Node raise before a route runs, answered in our shape without echoing the URL.
    frameworkErrors: frameworkErrorHandler(limits),
    // Called only once listening, so `app` is set by then.
    clientErrorHandler: (error, socket) => answerClientError(app.log, error, socket),
  }) as unknown as FastifyInstance;

  // Plugins.
  installErrorHandler(app, limits);
  installRequestGuards(app);
  // Bodies are JSON (the page's form parser is its own): text/plain is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  if (limits.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      max: limits.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => clientKey(request.ip),
      errorResponseBuilder: (_request, context) =>
        new ApiError('rate_limited', {
          message: `More than ${context.max} requests a minute from this client; retry in ${Math.ceil(context.ttl / 1000)} s`,
        }),
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'mxv API',
        version: API_VERSION,
        description:
          'Live SMTP/MX verification results from the fleet. Every error is JSON `{"error":{"code","message","reason?"}}` with a stable code.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // The dashboard's own routes are no part of the API.
    transform: ({ schema, url }) => ({
      schema: url.startsWith(ADMIN_QUEUES_PATH) ? { ...(schema ?? {}), hide: true } : schema,
      url,
    }),
  });

  // Services.
  const services = createApiServices(options, limits);
  app.decorate('mxv', services);
  app.addHook('onClose', async () => services.close());

  // Routes.
  await app.register(async (scope) => healthRoutes(scope, services));
  await app.register(async (scope) => domainRoutes(scope, services));
  await app.register(async (scope) => checksRoute(scope, services));
  await app.register(async (scope) => historyRoutes(scope, services));
  await app.register(async (scope) => watchRoutes(scope, services));
  await app.register(async (scope) => pageRoutes(scope, services));
  await app.register(async (scope) => adminQueues(scope, services));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
