import { domainHistorySchema, readHistory } from '@mxv/fleet';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { domainParamsSchema, errorResponses, routeSchema } from '../schemas/api-schemas.js';
import type { ApiServices } from '../services/api-services.js';
import { domainOrThrow } from './parse-domain.js';

/** A domain's change records (CONTRACT "History"): what `mxv history --json` prints. */
export async function historyRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.get<{ Params: { domain: string } }>(
    '/v1/domains/:domain/history',
    {
      schema: {
        summary: 'What changed, when: the change records of a domain, newest first',
        description:
          'Each record is a stored result that differed from the one before it: `at` is its checkedAt, `changes` the paths that changed (`verdict`, `mx.records`, `hosts[mx1.example.com 192.0.2.1:25].tls.notAfter`, …) with `from` and `to`. Timings and check times are never changes. At most the last 50 records by default. 404 when the domain has no stored result.',
        tags: ['results'],
        params: routeSchema(domainParamsSchema),
        response: {
          200: { description: 'the history', ...routeSchema(domainHistorySchema) },
          ...errorResponses(400, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const domain = domainOrThrow(request.params.domain, services.limits.maxInputChars);
      const [[checkedAt], history] = await Promise.all([
        services.store.checkedAtMany([domain]),
        readHistory(services.redis, services.keys, domain),
      ]);
      if ((checkedAt === null || checkedAt === undefined) && history.changes.length === 0) {
        throw new ApiError('not_found', { message: `No result for ${domain} yet` });
      }
      return history;
    },
  );
}
