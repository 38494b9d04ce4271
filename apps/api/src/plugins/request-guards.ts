import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';

/**
 * Two checks every route gets, both answered in the error registry's shape:
 *
 * - Query and path numbers must be finite. Ajv coerces "1e309" or "Infinity"
 *   to Infinity and its bounds then let it through (maxAge=1e309 was accepted).
 * - While the server closes, requests still arriving on open connections get
 *   503 shutting_down with `Connection: close` (Fastify's own return503OnClosing
 *   answers in its own shape, so it is turned off).
 */
export function installRequestGuards(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError('shutting_down', { headers: { connection: 'close' } });
  });
  app.addHook('preHandler', async (request) => {
    const where = nonFinite(request);
    if (where !== null) throw new ApiError('bad_request', { message: `${where} must be a finite number` });
  });
}

function nonFinite(request: FastifyRequest): string | null {
  for (const [part, values] of [
    ['querystring', request.query],
    ['params', request.params],
  ] as const) {
    if (typeof values !== 'object' || values === null) continue;
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      const list = Array.isArray(value) ? (value as unknown[]) : [value];
      if (list.some((item) => typeof item === 'number' && !Number.isFinite(item))) return `${part}/${key}`;
    }
  }
  return null;
}
