import { checkWebhookUrl, MAX_WEBHOOK_URL_CHARS, WATCH_EVERY_BOUND, WatchList } from '@mxv/fleet';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import { tokenAuth } from '../plugins/token-auth.js';
import { errorResponses, routeSchema } from '../schemas/api-schemas.js';
import type { ApiServices } from '../services/api-services.js';
import { zodBodyCompiler } from '../schemas/zod-body-validator.js';
import { splitDomainInputs } from './parse-domain.js';

const watchesBodySchema = (limits: { maxDomainsPerRequest: number }) =>
  z.object({
    domains: z.array(z.string()).min(1).max(limits.maxDomainsPerRequest),
    /** Seconds between re-checks (as `mxv watch add --every`). */
    every: z
      .number()
      .int()
      .min(WATCH_EVERY_BOUND.min / 1000)
      .max(WATCH_EVERY_BOUND.max / 1000)
      .optional(),
    /** POST each change there (CONTRACT "Fleet"). */
    webhook: z.string().max(MAX_WEBHOOK_URL_CHARS).optional(),
  });
type WatchesBody = z.infer<ReturnType<typeof watchesBodySchema>>;

const removeBodySchema = (limits: { maxDomainsPerRequest: number }) =>
  z.object({ domains: z.array(z.string()).min(1).max(limits.maxDomainsPerRequest) });

const invalidInputsSchema = z.array(z.object({ input: z.string(), reason: z.string() }));
const addResponseSchema = z.object({ added: z.number().int(), updated: z.number().int(), invalidInputs: invalidInputsSchema });
const removeResponseSchema = z.object({ removed: z.number().int(), invalidInputs: invalidInputsSchema });
const listResponseSchema = z.object({
  watches: z.array(
    z.object({ domain: z.string(), every: z.number().int(), webhook: z.string().nullable(), due: z.string().nullable() }),
  ),
});

/** Most watches GET /v1/watches lists (the CLI's `mxv watch list` streams any number). */
const LIST_LIMIT = 10_000;

/** The watch list over HTTP (as `mxv watch add|remove|list`); every route needs the token. */
export async function watchRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const auth = tokenAuth(services.token);
  const list = new WatchList(services.redis, services.keys);

  app.post<{ Body: WatchesBody }>(
    '/v1/watches',
    {
      onRequest: auth,
      // Strict JSON, as POST /v1/checks: no coercion of "a.test" into ["a.test"] nor of "3600" into 3600.
      validatorCompiler: zodBodyCompiler(watchesBodySchema(services.limits)),
      schema: {
        summary: 'Watch domains (as mxv watch add)',
        description: `Re-check each domain every \`every\` seconds (at least ${WATCH_EVERY_BOUND.min / 1000}, default ${WATCH_EVERY_BOUND.default / 1000}); with \`webhook\`, each change is POSTed there, signed. An existing watch gets the new interval and webhook.`,
        tags: ['watches'],
        security: [{ bearer: [] }],
        body: routeSchema(watchesBodySchema(services.limits)),
        response: {
          200: { description: 'counts', ...routeSchema(addResponseSchema) },
          ...errorResponses(400, 401, 403, 413, 415, 429, 503),
        },
      },
    },
    async (request) => {
      let webhook: string | null = null;
      if (request.body.webhook !== undefined) {
        const checked = checkWebhookUrl(request.body.webhook);
        if (checked.status === 'invalid') throw new ApiError('bad_request', { message: `webhook: ${checked.reason}` });
        webhook = checked.url;
      }
      const { valid, invalidInputs } = splitDomainInputs(request.body.domains, services.limits.maxInputChars);
      const everyMs = (request.body.every ?? WATCH_EVERY_BOUND.default / 1000) * 1000;
      const summary = await list.add(valid, { everyMs, webhook });
      return { ...summary, invalidInputs };
    },
  );

  app.delete<{ Body: { domains: string[] } }>(
    '/v1/watches',
    {
      onRequest: auth,
      validatorCompiler: zodBodyCompiler(removeBodySchema(services.limits)),
      schema: {
        summary: 'Stop watching domains (as mxv watch remove)',
        tags: ['watches'],
        security: [{ bearer: [] }],
        body: routeSchema(removeBodySchema(services.limits)),
        response: {
          200: { description: 'counts', ...routeSchema(removeResponseSchema) },
          ...errorResponses(400, 401, 403, 413, 415, 429, 503),
        },
      },
    },
    async (request) => {
      const { valid, invalidInputs } = splitDomainInputs(request.body.domains, services.limits.maxInputChars, true);
      return { removed: await list.remove(valid), invalidInputs };
    },
  );

  app.get(
    '/v1/watches',
    {
      onRequest: auth,
      schema: {
        summary: 'The watch list (as mxv watch list)',
        description: `At most ${LIST_LIMIT} watches; \`every\` in seconds, \`due\` the next check (null while one is being queued).`,
        tags: ['watches'],
        security: [{ bearer: [] }],
        response: { 200: { description: 'watches', ...routeSchema(listResponseSchema) }, ...errorResponses(401, 403, 429, 503) },
      },
    },
    async () => {
      const watches: z.infer<typeof listResponseSchema>['watches'] = [];
      for await (const watch of list.list()) {
        watches.push({
          domain: watch.domain,
          every: Math.round(watch.everyMs / 1000),
          webhook: watch.webhook,
          due: watch.dueAt === null ? null : new Date(watch.dueAt).toISOString(),
        });
        if (watches.length >= LIST_LIMIT) break;
      }
      return { watches };
    },
  );
}
