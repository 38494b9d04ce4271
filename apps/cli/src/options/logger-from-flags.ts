import { createFleetLogger, isLogLevel, LOG_LEVELS, type Logger } from '@mxv/fleet';
import type { LogFlagValues } from './log-flags.js';
import { UsageError } from './usage-error.js';

const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

export function loggerFromFlags(flags: LogFlagValues): Logger {
  if (!isLogLevel(flags.logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got "${flags.logLevel}"`);
  }
  if (!(LOG_FORMATS as readonly string[]).includes(flags.logFormat)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}; got "${flags.logFormat}"`);
  }
  const pretty = flags.logFormat === 'auto' ? undefined : flags.logFormat === 'pretty';
  return createFleetLogger(flags.logLevel, pretty === undefined ? {} : { pretty });
}
