import type { Command } from 'commander';

/**
 * The flags of the running command whose value came from an environment variable, by long name. A usage
 * error names the flag ("--concurrency must be ..."); someone who never typed it looks for it in vain on the
 * command line, so the message names the variable too.
 */
export function envSourcedFlags(command: Command): Map<string, string> {
  const sourced = new Map<string, string>();
  for (const option of command.options) {
    if (option.long === undefined || option.envVar === undefined) continue;
    if (command.getOptionValueSource(option.attributeName()) === 'env') sourced.set(option.long, option.envVar);
  }
  return sourced;
}

/** A usage message with "--flag" followed by "(from MXV_FLAG)" where that flag's value came from the environment. */
export function nameEnvSources(message: string, sourced: ReadonlyMap<string, string>): string {
  if (sourced.size === 0) return message;
  return message.replace(/--[a-z0-9][a-z0-9-]*(?![a-z0-9-])/g, (flag) => {
    const envVar = sourced.get(flag);
    // Some messages name both already ("--ip-families / MXV_IP_FAMILIES").
    return envVar === undefined || message.includes(envVar) ? flag : `${flag} (from ${envVar})`;
  });
}
