import type { FastifyInstance, FastifyReply } from 'fastify';
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
import { sameOriginGuard } from '../plugins/same-origin-guard.js';
import { refreshCheck } from '../services/refresh-check.js';
import type { ResultAnswer } from '../services/result-answers.js';
import { liveCheckCaller } from './live-check-caller.js';
import { streamNextResult } from './stream-next-result.js';
import { domainOrThrow } from './parse-domain.js';

interface DomainRoute {
  Params: { domain: string };
  Querystring: { refresh?: boolean; maxAge?: number };
}
interface RefreshRoute {
  Params: { domain: string };
  Querystring: { maxAge?: number };
}
interface EventsRoute {
  Params: { domain: string };
  Querystring: { after?: string };
}

/**
 * A domain's stored result with its age (RFC 9111 5.1), never served from a shared cache unchecked; 404 without
 * one. The result is named by when it was checked: a weak ETag (the body differs only in ageSeconds) and
 * Last-Modified, so a lookup site polling a domain gets 304 and no body until a newer check is stored
 * (RFC 9110 13.1.2, 13.1.3), given `conditional` (GET; a POST answers in full).
 */
function sendStoredResult(
  reply: FastifyReply,
  domain: string,
  answer: ResultAnswer,
  conditional: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined } | null,
): FastifyReply {
  if (answer.status === 'not_found') throw new ApiError('not_found', { message: `No result for ${domain} yet` });
  reply.header('age', String(answer.ageSeconds)).header('cache-control', 'no-cache');
  if (Number.isFinite(answer.checkedAtMs)) {
    const etag = `W/"${answer.checkedAtMs.toString(36)}"`;
    reply.header('etag', etag).header('last-modified', new Date(answer.checkedAtMs).toUTCString());
    if (conditional !== null && notModified(conditional, etag, answer.checkedAtMs)) return reply.code(304).send();
  }
  return reply.type('application/json; charset=utf-8').send(answer.body);
}

/** RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept too. */
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/** RFC 9110 13.2.2: If-None-Match (weak comparison) decides when present; else If-Modified-Since, to the second. */
function notModified(
  conditional: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
  etag: string,
  checkedAtMs: number,
): boolean {
  if (conditional.ifNoneMatch !== undefined) {
    const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
    return conditional.ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
  }
  // RFC 9110 13.1.3: a value that is no HTTP-date is ignored (Date.parse alone takes "2099" or a local time).
  if (conditional.ifModifiedSince === undefined || !HTTP_DATE.test(conditional.ifModifiedSince.trim())) return false;
  const since = Date.parse(conditional.ifModifiedSince);
  return Number.isFinite(since) && Math.floor(checkedAtMs / 1000) * 1000 <= since;
}

export async function domainRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const params = routeSchema(domainParamsSchema);

  app.get<DomainRoute>(
    '/v1/domains/:domain',
    {
      schema: {
        summary: 'The latest result of a domain, with its age',
        description:
          'Any input form `mxv check` accepts (case, trailing dot, Unicode, an e-mail address). A GET never changes anything: `refresh=true` answers 400 `refresh_needs_post` (use POST /v1/domains/{domain}/refresh).',
        tags: ['results'],
        params,
        querystring: routeSchema(domainQuerySchema),
        response: {
          200: { description: 'the stored result (schema 1) plus ageSeconds', ...routeSchema(storedResultSchema) },
          304: {
            description: 'not modified: If-None-Match names the ETag, or If-Modified-Since is not older than the check',
            type: 'null',
          },
          ...errorResponses(400, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const domain = domainOrThrow(request.params.domain, services.limits.maxInputChars);
      // GET is safe (RFC 9110 9.2.1): a link, a prefetch or another site's <img> must not make the fleet connect anywhere.
      if (request.query.refresh === true) throw new ApiError('refresh_needs_post');
      return sendStoredResult(reply, domain, await services.answers.latest(domain, Date.now()), {
        ifNoneMatch: request.headers['if-none-match'],
        ifModifiedSince: request.headers['if-modified-since'],
      });
    },
  );

  app.post<RefreshRoute>(
    '/v1/domains/:domain/refresh',
    {
      onRequest: sameOriginGuard(['application/json']),
      schema: {
        summary: 'Check a domain now (when its stored result is older than maxAge)',
        description: `Queues a deduplicated check when the stored result is older than \`maxAge\` seconds (never younger than ${Math.round(services.limits.minRefreshAgeMs / 1000)} s) or missing, and answers 202; otherwise answers 200 with the stored result. Without a token, checks that queue a job are limited to ${services.limits.anonymousChecksPerMinute} a minute per client and ${services.limits.anonymousChecksFleetPerMinute} a minute for all clients (429 \`live_check_limited\` with Retry-After) and wait behind other work; \`Authorization: Bearer <token>\` lifts that. No body, or a JSON one (ignored); requests from other sites are refused (403 \`cross_origin\`).`,
        tags: ['results'],
        params,
        querystring: routeSchema(domainQuerySchema.pick({ maxAge: true })),
        response: {
          200: { description: 'the stored result is young enough: it, plus ageSeconds', ...routeSchema(storedResultSchema) },
          202: { description: 'a check is queued', ...routeSchema(refreshQueuedSchema) },
          ...errorResponses(400, 403, 404, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const domain = domainOrThrow(request.params.domain, services.limits.maxInputChars);
      const outcome = await refreshCheck(
        services,
        domain,
        (request.query.maxAge ?? 0) * 1000,
        liveCheckCaller(request, services),
      );
      if (outcome.status === 'refused') throw outcome.error;
      if (outcome.status === 'queued') return reply.code(202).send(outcome.queued);
      // The refresh has just looked at Redis: answer from it too, not from the cache.
      return sendStoredResult(reply, domain, await services.answers.latest(domain, Date.now(), { bypassCache: true }), null);
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
      const domain = domainOrThrow(request.params.domain, services.limits.maxInputChars);
      await streamNextResult(request, reply, services, domain, request.query.after ?? null);
    },
  );
}
