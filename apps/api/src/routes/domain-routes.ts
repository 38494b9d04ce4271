import { checkedAtOfBytes, readResultBytes, requestCheck } from '@mxv/fleet';
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
  type RefreshQueued,
} from '../schemas/api-schemas.js';
import type { ApiServices } from '../services/api-services.js';
import type { CachedResult } from '../services/result-cache.js';
import { streamNextResult } from './stream-next-result.js';
import { domainOrThrow } from './parse-domain.js';

const CLOSING_BRACE = 0x7d;

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
        const queued = await refresh(services, domain, (request.query.maxAge ?? 0) * 1000);
        if (queued) return reply.code(202).send(queued);
      }
      const now = Date.now();
      // A refresh has just looked at Redis: answer from it too, not from the cache.
      const stored = (!refreshing && services.results.get(domain, now)) || (await readStored(services, domain, now));
      if (stored.bytes === null) throw new ApiError('not_found', { message: `No result for ${domain} yet` });
      const ageSeconds = Number.isFinite(stored.checkedAtMs) ? Math.max(0, Math.floor((now - stored.checkedAtMs) / 1000)) : 0;
      // The stored bytes are served as they are (the worker validated them against
      // the schema): splicing one field in is far cheaper than a parse and a
      // serialization, and keeps this route within reach of a constant answer.
      return reply
        .header('age', String(ageSeconds))
        .header('cache-control', 'no-cache')
        .type('application/json; charset=utf-8')
        .send(answerBody(stored, stored.bytes, ageSeconds));
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

/** The stored JSON with ageSeconds spliced in; built once per second of age for a hot domain. */
function answerBody(stored: CachedResult, bytes: Buffer, ageSeconds: number): Buffer {
  if (stored.answer?.ageSeconds === ageSeconds) return stored.answer.body;
  const body = Buffer.concat([bytes.subarray(0, -1), Buffer.from(`,"ageSeconds":${ageSeconds}}`)]);
  stored.answer = { ageSeconds, body };
  return body;
}

async function readStored(services: ApiServices, domain: string, now: number): Promise<CachedResult> {
  const raw = await readResultBytes(services.redis, services.keys, domain);
  const bytes = raw !== null && raw.at(-1) === CLOSING_BRACE ? raw : null;
  const checkedAtMs = bytes === null ? Number.NaN : Date.parse(checkedAtOfBytes(bytes) ?? '');
  services.results.set(domain, bytes, checkedAtMs, now);
  return { bytes, checkedAtMs, expiresAt: now };
}

/** Enqueues when needed; null when the stored result is fresh enough to serve as it is. */
export async function refresh(services: ApiServices, domain: string, maxAgeMs: number): Promise<RefreshQueued | null> {
  const outcome = await requestCheck(services, domain, { maxAgeMs: Math.max(maxAgeMs, services.limits.minRefreshAgeMs) });
  if (outcome.status === 'fresh') return null;
  const after = outcome.checkedAt ? `?after=${encodeURIComponent(outcome.checkedAt)}` : '';
  return {
    domain,
    status: 'queued',
    enqueued: outcome.enqueued,
    job: { id: domain, state: outcome.state },
    checkedAt: outcome.checkedAt,
    events: `/v1/domains/${encodeURIComponent(domain)}/events${after}`,
  };
}
