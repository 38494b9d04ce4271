import { pino, type Logger } from 'pino';

/** Structured logs, one JSON object per event, on stderr (stdout is for results); synchronous so nothing is lost at exit. */
export function createFleetLogger(level: string = process.env['MXV_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
