import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';

/**
 * A route's body validated by its zod schema itself rather than by Fastify's
 * Ajv: Ajv runs with `coerceTypes: 'array'` (the query string needs coercion),
 * which turned `{"domains": "a.test"}` into `["a.test"]` and `"60"` into 60. A
 * body is JSON and already typed: nothing is coerced, and numbers must be finite.
 * Failures are reported in Ajv's error shape, so the error handler treats both alike.
 */
export function zodBodyCompiler(schema: z.ZodType): FastifySchemaCompiler<unknown> {
  return ({ httpPart }) => {
    if (httpPart !== 'body') throw new Error(`zodBodyCompiler validates bodies only, not ${httpPart ?? 'this part'}`);
    return (data: unknown) => {
      const parsed = schema.safeParse(data);
      if (parsed.success) return { value: parsed.data };
      return {
        error: parsed.error.issues.slice(0, 1).map((issue) => ({
          keyword: ajvKeyword(issue),
          instancePath: issue.path.length > 0 ? `/${issue.path.map(String).join('/')}` : '',
          schemaPath: '',
          params: {},
          message: issue.message,
        })),
      };
    };
  };
}

function ajvKeyword(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big') return issue.origin === 'array' ? 'maxItems' : 'maximum';
  if (issue.code === 'too_small') return issue.origin === 'array' ? 'minItems' : 'minimum';
  if (issue.code === 'invalid_type') return 'type';
  return issue.code;
}
