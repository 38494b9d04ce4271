import { Option, type Command } from 'commander';
import { createFleetLogger, isLogLevel, LOG_LEVELS, type Logger } from '@mxv/fleet';
import { UsageError } from './usage-error.js';

const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** Flags of the long-running commands (worker, api): how much to log and in which form. */
export function addLogFlags(command: Command): Command {
  return command
    .addOption(new Option('--log-level <level>', `pino level: ${LOG_LEVELS.join(', ')}`).env('MXV_LOG_LEVEL').default('info'))
    .addOption(
      new Option('--log-format <format>', 'json (one object per line), pretty, or auto: pretty on a terminal, json otherwise')
        .env('MXV_LOG_FORMAT')
        .default('auto'),
    );
}

export interface LogFlagValues {
  logLevel: string;
  logFormat: string;
}

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
