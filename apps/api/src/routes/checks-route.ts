import { enqueueDomains } from '@mxv/fleet';
import type { FastifyInstance } from 'fastify';
import { tokenAuth } from '../plugins/token-auth.js';
import {
  checksBodySchema,
  checksResponseSchema,
  errorResponses,
  routeSchema,
  type ChecksBody,
  type ChecksResponse,
} from '../schemas/api-schemas.js';
import type { ApiServices } from '../services/api-services.js';
import { zodBodyCompiler } from '../schemas/zod-body-validator.js';
import { splitDomainInputs } from './parse-domain.js';

export async function checksRoute(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.post<{ Body: ChecksBody }>(
    '/v1/checks',
    {
      onRequest: tokenAuth(services.token),
      // Strict JSON: no coercion of "a.test" into ["a.test"] (see zodBodyCompiler).
      validatorCompiler: zodBodyCompiler(checksBodySchema(services.limits)),
      schema: {
        summary: 'Bulk-enqueue domains (as mxv enqueue)',
        description: `At most ${services.limits.maxDomainsPerRequest} domains and ${services.limits.bodyLimitBytes} bytes per request. Invalid inputs are counted and listed, never queued; a domain already queued is a duplicate; with maxAge, a domain with a younger stored result is skipped as fresh.`,
        tags: ['fleet'],
        security: [{ bearer: [] }],
        body: routeSchema(checksBodySchema(services.limits)),
        response: {
          200: { description: 'counts, like mxv enqueue --json', ...routeSchema(checksResponseSchema) },
          ...errorResponses(400, 401, 403, 413, 415, 429, 503),
        },
      },
    },
    async (request): Promise<ChecksResponse> => {
      const { valid, invalidInputs } = splitDomainInputs(request.body.domains, services.limits.maxInputChars);
      const summary = await enqueueDomains(services, valid, {
        ...(request.body.maxAge !== undefined ? { maxAgeMs: request.body.maxAge * 1000 } : {}),
        ...(request.body.priority !== undefined ? { priority: request.body.priority } : {}),
        raiseDuplicates: true,
      });
      return {
        read: request.body.domains.length,
        invalid: invalidInputs.length,
        duplicates: summary.duplicates,
        fresh: summary.fresh,
        enqueued: summary.enqueued,
        invalidInputs,
      };
    },
  );
}
