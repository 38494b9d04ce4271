import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import {
  domainParamsSchema,
  domainQuerySchema,
  errorResponses,
  eventsQuerySchema,
  refreshQueuedSchema,
  routeSchema,
  storedResultSchema,
} from '../schemas/api-schemas.js';
import type { ApiServices } from '../services/api-services.js';
import { refreshCheck } from '../services/refresh-check.js';
import { streamNextResult } from './stream-next-result.js';
import { domainOrThrow } from './parse-domain.js';

interface DomainRoute {
  Params: { domain: string };
  Querystring: { refresh?: boolean; maxAge?: number };
}
interface EventsRoute {
  Params: { domain: string };
  Querystring: { after?: string };
}

export async function domainRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const params = routeSchema(domainParamsSchema(services.limits.maxInputChars));

  app.get<DomainRoute>(
    '/v1/domains/:domain',
    {
      schema: {
        summary: 'The latest result of a domain, with its age',
        description:
          'Any input form `mxv check` accepts (case, trailing dot, Unicode, an e-mail address). `refresh=true` enqueues a deduplicated check when the stored result is older than `maxAge` seconds (or missing) and answers 202.',
        tags: ['results'],
        params,
        querystring: routeSchema(domainQuerySchema),
        response: {
          200: { description: 'the stored result (schema 1) plus ageSeconds', ...routeSchema(storedResultSchema) },
          202: { description: 'a check is queued', ...routeSchema(refreshQueuedSchema) },
          ...errorResponses(400, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const domain = domainOrThrow(request.params.domain);
      const refreshing = request.query.refresh === true;
      if (refreshing) {
        const queued = await refreshCheck(services, domain, (request.query.maxAge ?? 0) * 1000);
        if (queued) return reply.code(202).send(queued);
      }
      // A refresh has just looked at Redis: answer from it too, not from the cache.
      const answer = await services.answers.latest(domain, Date.now(), { bypassCache: refreshing });
      if (answer.status === 'not_found') throw new ApiError('not_found', { message: `No result for ${domain} yet` });
      return reply
        .header('age', String(answer.ageSeconds))
        .header('cache-control', 'no-cache')
        .type('application/json; charset=utf-8')
        .send(answer.body);
    },
  );

  app.get<EventsRoute>(
    '/v1/domains/:domain/events',
    {
      schema: {
        summary: 'Wait for the next result of a domain (Server-Sent Events)',
        description:
          'Delivers one `result` event (data: the result JSON) as soon as a worker stores a result newer than `after` (or, without `after`, the next one), then closes. Ends with a `timeout` event when none comes in time. Comment lines keep an idle stream open.',
        tags: ['results'],
        params,
        querystring: routeSchema(eventsQuerySchema),
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses(400, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const domain = domainOrThrow(request.params.domain);
      await streamNextResult(request, reply, services, domain, request.query.after ?? null);
    },
  );
}
