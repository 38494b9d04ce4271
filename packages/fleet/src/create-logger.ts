import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

// pino-pretty (and its ~30 files) is loaded only when a person watches the logs: a
// worker logging JSON under an orchestrator, restarted often, should not pay for it.
const require = createRequire(import.meta.url);

export { LOG_LEVELS, isLogLevel, type LogLevel } from './log-levels.js';

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
    const pinoPretty = require('pino-pretty') as typeof import('pino-pretty');
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
