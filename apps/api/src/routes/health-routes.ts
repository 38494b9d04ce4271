import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { errorResponses, healthSchema, readySchema, routeSchema } from '../schemas/api-schemas.js';
import type { ApiServices } from '../services/api-services.js';

/** Probes and metrics: not rate-limited (orchestrators and scrapers call them on a schedule). */
export async function healthRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: { summary: 'The process is alive', tags: ['operations'], response: { 200: routeSchema(healthSchema) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Redis is reachable',
        tags: ['operations'],
        response: { 200: routeSchema(readySchema), ...errorResponses(503) },
      },
    },
    async () => {
      const started = performance.now();
      try {
        await services.redis.ping();
      } catch {
        throw new ApiError('redis_unavailable');
      }
      return { status: 'ready' as const, redisMs: Math.round((performance.now() - started) * 1000) / 1000 };
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['operations'],
        response: {
          200: { description: 'text/plain; version=0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    async (_request, reply) => {
      const body = await services.registry.metrics();
      return reply.type(services.registry.contentType).send(body);
    },
  );
}
