import { describeBound, type NumberBound } from '@mxv/probe/bounds';
import { UsageError } from './usage-error.js';

/**
 * A number flag checked against its bound (the table the engine's own schema
 * is built from): "--smtp-port must be a whole number from 1 to 65535, got "x"",
 * a UsageError (exit 2) when it is out of range or not a number.
 */
export function boundFlag(name: string, raw: string, bound: NumberBound): number {
  const text = raw.trim();
  const value = Number(text);
  const shape = bound.integer === false ? /^\d+(\.\d+)?$/ : /^\d+$/;
  const inRange = bound.minExclusive ? value > bound.min : value >= bound.min;
  if (!shape.test(text) || !Number.isFinite(value) || !Number.isSafeInteger(Math.ceil(value)) || !inRange || value > bound.max) {
    throw new UsageError(`${name} must be ${describeBound(bound)}, got "${raw}"`);
  }
  return value;
}

/** The default of a bound as commander shows and passes it (a string, like what a person types). */
export function boundDefault(bound: NumberBound): string {
  return String(bound.default);
}
