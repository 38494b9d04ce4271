import { Command, Option } from 'commander';
import { MAX_PRIORITY } from '@mxv/fleet/bounds';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';

export interface EnqueueFlags extends FleetFlagValues {
  file?: string;
  priority?: string;
  maxAge?: string;
  force?: boolean;
  invalidOut?: string;
  json?: boolean;
}

export function enqueueCommand(): Command {
  const command = new Command('enqueue')
    .summary("bulk-enqueue domains for the fleet's workers")
    .description(
      'Queue domains for `mxv worker` (BullMQ queue "verify" in Redis). Streams files of any size in constant memory.\nInvalid lines are counted (and written with their reason to --invalid-out), never queued; a domain already waiting or running is not queued twice; a domain with a stored result younger than --max-age is skipped unless --force.',
    )
    .argument('[domains...]', 'domains or e-mail addresses')
    .addOption(new Option('-f, --file <file>', 'read domains from FILE, one per line ("-" for stdin)'))
    .addOption(new Option('--priority <n>', `BullMQ priority, 1 (highest) to ${MAX_PRIORITY}; default: none (FIFO)`))
    .addOption(
      new Option('--max-age <duration>', 'skip domains whose stored result is younger than this (e.g. 12h, 7d)').env(
        'MXV_MAX_AGE',
      ),
    )
    .option('--force', 'enqueue even when a fresh result is stored')
    .addOption(new Option('--invalid-out <file>', 'write invalid lines there, as "line<TAB>reason"'))
    .option('--json', 'print the summary as JSON');
  addFleetFlags(command);
  return command.action(async (domains: string[], flags: EnqueueFlags) => {
    const { runEnqueue } = await import('./run-enqueue.js');
    await runEnqueue(domains, flags);
  });
}
