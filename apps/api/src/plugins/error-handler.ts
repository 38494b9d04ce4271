import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { toApiError } from '../errors/to-api-error.js';
import { html } from '../page/html.js';
import { pageCsp, renderLayout } from '../page/render-layout.js';
import { sendApiError } from './send-api-error.js';

/**
 * One error handler for the whole app: every error leaves as JSON with a
 * registry code (HTML for the lookup page's routes). 5xx answers carry the
 * registry's message only; the error itself goes to the log with the request id.
 */
export function installErrorHandler(app: FastifyInstance, limits: { maxDomainsPerRequest: number }): void {
  app.setErrorHandler((thrown, request, reply) => {
    const error = toApiError(thrown, limits);
    if (error.statusCode >= 500) request.log.error({ err: thrown, code: error.code }, 'request failed');
    if (isPageRoute(request)) {
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
        .type('text/html; charset=utf-8')
        .send(renderLayout({ title: 'mxv', nonce, body }));
    }
    return sendApiError(request, reply, error);
  });
  app.setNotFoundHandler(async () => {
    throw new ApiError('route_not_found');
  });
}

function pageHeading(error: ApiError): string {
  if (error.code === 'live_check_limited') return 'Too many checks right now';
  return error.statusCode === 400 ? 'Not a domain name' : 'Something went wrong';
}

function isPageRoute(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { page?: boolean } | undefined;
  return config?.page === true;
}
