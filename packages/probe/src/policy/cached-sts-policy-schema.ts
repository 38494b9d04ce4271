import { z } from 'zod';
import { STS_MAX_AGE_LIMIT } from './sts-policy.js';

/**
 * A policy as a cache holds it: parsed, valid, for one (domain, id). A schema,
 * not only a type: the fleet keeps these as JSON in Redis, which another
 * version of mxv (or something else) may have written; what does not parse is a miss.
 */
export const cachedStsPolicySchema = z.object({
  id: z.string().min(1).max(32),
  mode: z.enum(['enforce', 'testing', 'none']),
  mx: z.array(z.string().max(255)).max(1000),
  maxAge: z.number().int().min(0).max(STS_MAX_AGE_LIMIT),
  fetchedAt: z.string(),
});
