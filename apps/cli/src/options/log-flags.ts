import { Option, type Command } from 'commander';
import { LOG_LEVELS } from '@mxv/fleet/bounds';

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
