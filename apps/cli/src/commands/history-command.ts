import { Command } from 'commander';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';

export interface HistoryFlags extends FleetFlagValues {
  json?: boolean;
}

export function historyCommand(): Command {
  const command = new Command('history')
    .summary('what changed, when, for one domain')
    .description(
      'Print the change records of a domain, newest first: each time a stored result differed from the one before (verdict, MX records, addresses, per host: connect, greeting, STARTTLS, TLS version and certificate), the fields that changed.\n--json prints {"domain":…,"changes":[{"at":…,"changes":[{"path","from","to"}]}]} (the API\'s shape).',
    )
    .argument('<domain>', 'a domain or e-mail address')
    .option('--json', 'print the history as one JSON object');
  addFleetFlags(command);
  return command.action(async (domain: string, flags: HistoryFlags) => {
    const { runHistory } = await import('./run-history.js');
    await runHistory(domain, flags);
  });
}
