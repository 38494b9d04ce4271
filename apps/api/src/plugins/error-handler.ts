import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { EXPECTED_UNAVAILABLE } from '../errors/error-codes.js';
import { toApiError } from '../errors/to-api-error.js';
import { html } from '../page/html.js';
import { pageCsp, renderLayout } from '../page/render-layout.js';
import { RouteMethods } from './route-methods.js';
import { sendApiError } from './send-api-error.js';

type ErrorLimits = { maxDomainsPerRequest: number };

/**
 * One error handler for the whole app: every error leaves as JSON with a
 * registry code (HTML for the lookup page's routes). 5xx answers carry the
 * registry's message only; the error itself goes to the log with the request id.
 * A path that exists under another method answers 405 with Allow.
 */
export function installErrorHandler(app: FastifyInstance, limits: ErrorLimits): void {
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  app.setErrorHandler((thrown, request, reply) => sendError(request, reply, toApiError(thrown, limits), thrown));
  app.setNotFoundHandler(async (request) => {
    const allowed = routes.allowed(pathOf(request.url));
    if (allowed.length > 0) {
      throw new ApiError('method_not_allowed', {
        message: `This route answers ${allowed.join(', ')}`,
        headers: { allow: allowed.join(', ') },
      });
    }
    throw new ApiError('route_not_found');
  });
  // Every answer, errors included: a JSON (or any) body is never sniffed into HTML by a browser.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
}

function pageHeading(error: ApiError): string {
  if (error.code === 'live_check_limited') return 'Too many checks right now';
  return error.code === 'invalid_domain' ? 'Not a domain name' : 'Something went wrong';
}

/**
 * Fastify's `frameworkErrors` option: errors raised before a route is found
 * (bad percent-encoding, a path parameter past maxParamLength). Fastify's own
 * answer echoes the raw URL; ours is the registry's message.
 */
export function frameworkErrorHandler(
  limits: ErrorLimits,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    void sendError(request, reply, toApiError(error, limits), error);
  };
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError, thrown: unknown): FastifyReply {
  if (EXPECTED_UNAVAILABLE.has(error.code)) {
    // Redis away or the server closing is an expected state, not a bug: one line, no stack.
    const cause = thrown instanceof Error && !(thrown instanceof ApiError) ? thrown.message : undefined;
    request.log.warn({ code: error.code, ...(cause ? { cause } : {}) }, 'answered 503');
  } else if (error.statusCode >= 500) {
    request.log.error({ err: thrown, code: error.code }, 'request failed');
  }
  if (isPageRequest(request)) {
    const nonce = randomBytes(16).toString('base64');
    const body = html`<main>
      <h1>${pageHeading(error)}</h1>
      <p class="sub">${error.message}</p>
      <p><a href="/">Search again</a></p>
    </main>`;
    return reply
      .code(error.statusCode)
      .headers(error.headers)
      .header('content-security-policy', pageCsp(nonce))
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(renderLayout({ title: `Error: ${pageHeading(error)} · mxv`, nonce, body }));
  }
  return sendApiError(request, reply, error);
}

/** The lookup page's paths (GET /, /lookup, /d/{domain}…): their errors are pages, before a route is even found. */
const PAGE_PATH = /^\/(?:$|lookup$|d\/)/;

function isPageRequest(request: FastifyRequest): boolean {
  // A request that failed before routing has no route options: its path decides.
  const config = (request.is404 ? undefined : safeRouteConfig(request)) as { page?: boolean } | undefined;
  if (config?.page === true) return true;
  return config === undefined && PAGE_PATH.test(pathOf(request.raw.url ?? ''));
}

function safeRouteConfig(request: FastifyRequest): unknown {
  try {
    return request.routeOptions.config;
  } catch {
    return undefined;
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query >= 0 ? url.slice(0, query) : url;
}
