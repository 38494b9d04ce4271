import { Command, Option } from 'commander';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';

export interface ShowFlags extends FleetFlagValues {
  file?: string;
  json?: boolean;
}

export function showCommand(): Command {
  const command = new Command('show')
    .summary("print the fleet's stored results")
    .description(
      'Print the latest stored result of each domain, in input order: the table of `mxv check`, or NDJSON (--json, or when piped).\nA domain with no stored result prints {"domain":…,"status":"not_found"} in JSON, a note on stderr in the table; an input that is not a domain prints {"input":…,"status":"invalid","error":reason}.',
    )
    .argument('[domains...]', 'domains or e-mail addresses')
    .addOption(new Option('-f, --file <file>', 'read domains from FILE, one per line ("-" for stdin)'))
    .option('--json', 'print NDJSON (the default when stdout is not a terminal)');
  addFleetFlags(command);
  return command.action(async (domains: string[], flags: ShowFlags) => {
    const { runShow } = await import('./run-show.js');
    await runShow(domains, flags);
  });
}
