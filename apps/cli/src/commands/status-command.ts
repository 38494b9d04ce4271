import { Command, Option } from 'commander';
import { VERIFY_WORKER_BOUNDS } from '@mxv/fleet/bounds';
import { STATUS_BOUNDS } from '../options/cli-bounds.js';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';
import { boundDefault } from '../options/number-flag.js';

export interface StatusFlags extends FleetFlagValues {
  json?: boolean;
  watch?: string | true;
  heartbeatMs: string;
}

export function statusCommand(): Command {
  const command = new Command('status')
    .summary('queue depth, completion rate, workers, back-off, busiest groups, host cache')
    .description(
      'Show the fleet at a glance: jobs per queue state, results written per minute, workers alive (by heartbeat), addresses and groups in back-off, the busiest provider and network groups, host cache size and hit ratio. --watch refreshes until interrupted.',
    )
    .option('--json', 'print one JSON object (per refresh with --watch)')
    .addOption(
      new Option(
        '-w, --watch [seconds]',
        `refresh every N seconds, or a duration such as 5s or 1m (default ${STATUS_BOUNDS.watchSeconds.default})`,
      ),
    )
    .addOption(
      new Option('--heartbeat-ms <n>', "the workers' heartbeat period").default(boundDefault(VERIFY_WORKER_BOUNDS.heartbeatMs)),
    );
  addFleetFlags(command);
  return command.action(async (flags: StatusFlags) => {
    const { runStatus } = await import('./run-status.js');
    await runStatus(flags);
  });
}
