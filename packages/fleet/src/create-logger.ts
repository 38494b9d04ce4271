import pinoPretty from 'pino-pretty';
import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface FleetLoggerOptions {
  /** Human-readable lines (pino-pretty) instead of JSON; by default when stderr is a terminal. */
  pretty?: boolean;
}

/**
 * Structured logs on stderr (stdout is for results): one JSON object per event
 * for a log pipeline, or pretty lines when a person watches a terminal. Both
 * synchronous so nothing is lost at exit, and in-process (no transport
 * thread): a worker's log volume does not need one.
 */
export function createFleetLogger(
  level: string = process.env['MXV_LOG_LEVEL'] ?? 'info',
  options: FleetLoggerOptions = {},
): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const base = { level, base: { pid: process.pid } };
  if (pretty) {
    return pino(
      base,
      pinoPretty({
        destination: 2,
        sync: true,
        colorize: !process.env['NO_COLOR'],
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid',
      }),
    );
  }
  return pino(base, pino.destination({ fd: 2, sync: true }));
}
