import { checkResultSchema } from '@mxv/schema';
import { MAX_DURATION_MS, MAX_PRIORITY } from '@mxv/fleet/bounds';
import { z } from 'zod';
import { ERROR_CODE_LIST } from '../errors/error-codes.js';

/**
 * The API's own shapes, in zod like the result contract; route schemas are
 * generated from these (and from @mxv/schema's result) so the OpenAPI document,
 * request validation and the TypeScript types cannot drift apart.
 */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODE_LIST as [string, ...string[]]),
    message: z.string(),
    reason: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

export const storedResultSchema = checkResultSchema.extend({
  /** Seconds since checkedAt when the API answered. */
  ageSeconds: z.number().int(),
});

export const jobStateSchema = z.enum([
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
  'unknown',
]);

export const refreshQueuedSchema = z.object({
  domain: z.string(),
  status: z.literal('queued'),
  /** False when a job for the domain was already waiting or running (deduplicated). */
  enqueued: z.boolean(),
  job: z.object({ id: z.string(), state: jobStateSchema }),
  /** checkedAt of the result stored now (the one being replaced), null when none. */
  checkedAt: z.string().nullable(),
  /** Where to wait for the new result (Server-Sent Events). */
  events: z.string(),
});
export type RefreshQueued = z.infer<typeof refreshQueuedSchema>;

/**
 * No length here: an input past the input bound is invalid_domain (too_long), as a name past 253 octets is
 * (domainOrThrow); the router's maxParamLength bounds the path itself (414).
 */
export const domainParamsSchema = z.object({ domain: z.string() });

export const domainQuerySchema = z.object({
  /** Enqueue a check when the stored result is older than maxAge, or missing. */
  refresh: z.boolean().optional(),
  /** Seconds; with refresh: a result younger than this is served as it is. */
  maxAge: z
    .number()
    .int()
    .min(0)
    .max(10 * 365 * 86_400)
    .optional(),
});

export const eventsQuerySchema = z.object({
  /** checkedAt the caller already has: a stored result newer than it is delivered at once. */
  after: z.string().max(64).optional(),
});

export const checksBodySchema = (limits: { maxDomainsPerRequest: number }) =>
  z.object({
    // Not each string's length: one too long is listed as invalid (too_long), not a refusal of the request.
    domains: z.array(z.string()).min(1).max(limits.maxDomainsPerRequest),
    /** Seconds: skip domains whose stored result is younger (as `mxv enqueue --max-age`). */
    maxAge: z
      .number()
      .int()
      .min(0)
      .max(MAX_DURATION_MS / 1000)
      .optional(),
    /** BullMQ priority, 1 (highest) to MAX_PRIORITY (2097151). */
    priority: z.number().int().min(1).max(MAX_PRIORITY).optional(),
  });
export type ChecksBody = z.infer<ReturnType<typeof checksBodySchema>>;

export const checksResponseSchema = z.object({
  read: z.number().int(),
  invalid: z.number().int(),
  duplicates: z.number().int(),
  fresh: z.number().int(),
  enqueued: z.number().int(),
  invalidInputs: z.array(z.object({ input: z.string(), reason: z.string() })),
});
export type ChecksResponse = z.infer<typeof checksResponseSchema>;

export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.object({ status: z.enum(['ready']), redisMs: z.number() });

/** JSON Schema (draft 7, what Fastify's Ajv speaks) of a zod schema, for a route's inline schema. */
export function routeSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
}

/** The 4xx/5xx responses every JSON route can give. */
export function errorResponses(...statuses: number[]): Record<number, Record<string, unknown>> {
  const body = routeSchema(apiErrorSchema);
  return Object.fromEntries(statuses.map((status) => [status, { description: 'error', ...body }]));
}
