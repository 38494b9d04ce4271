import { z } from 'zod';
import type { NumberBound } from './bounds.js';

/** The zod schema of one bound: its range, whole or not, and its default. */
export function boundSchema(bound: NumberBound) {
  let schema = bound.integer === false ? z.number() : z.number().int();
  schema = bound.minExclusive ? schema.gt(bound.min) : schema.min(bound.min);
  return schema.max(bound.max).default(bound.default);
}

/** A zod object of a whole table of bounds, each key with its range and default. */
export function boundsSchema<T extends Record<string, NumberBound>>(table: T) {
  const shape = {} as { [K in keyof T]: ReturnType<typeof boundSchema> };
  for (const key of Object.keys(table) as (keyof T)[]) shape[key] = boundSchema(table[key] as NumberBound);
  return z.object(shape);
}
