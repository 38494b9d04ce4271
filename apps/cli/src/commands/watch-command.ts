import { Command, Option } from 'commander';
import { WATCH_EVERY_BOUND } from '@mxv/fleet/bounds';
import { addFleetFlags, type FleetFlagValues } from '../options/fleet-flags.js';

export interface WatchFlags extends FleetFlagValues {
  file?: string;
  every: string;
  webhook?: string;
  json?: boolean;
  /** Hidden: a lower minimum for --every, for tests only (CONTRACT: 10 s at least for users). */
  minEvery?: string;
}

const DEFAULT_EVERY = `${WATCH_EVERY_BOUND.default / 3_600_000}h`;

function domainInputs(command: Command): Command {
  return command
    .argument('[domains...]', 'domains or e-mail addresses')
    .addOption(new Option('-f, --file <file>', 'read domains from FILE, one per line ("-" for stdin)'));
}

export function watchCommand(): Command {
  const watch = new Command('watch')
    .summary('re-check domains on a schedule; changes go to history, events and webhooks')
    .description(
      'Keep a watch list in the fleet: every worker moves due domains into the queue, and each change (see mxv history) is an event and, with --webhook, a signed POST (X-Mxv-Signature: sha256=HMAC of the body with MXV_WEBHOOK_SECRET, set on the workers). Deliveries that fail every attempt are dead letters: mxv status counts them, mxv watch replay sends them again.',
    );

  const add = domainInputs(new Command('add').summary('watch domains (or change their interval / webhook)'))
    .addOption(
      new Option('--every <duration>', `re-check interval, ${WATCH_EVERY_BOUND.min / 1000}s at least`).default(DEFAULT_EVERY),
    )
    .addOption(new Option('--webhook <url>', "POST each change there (http or https; obeys the workers' --allow-net)"))
    .addOption(new Option('--min-every <duration>').hideHelp())
    .option('--json', 'print the summary as JSON');
  addFleetFlags(add).action(async (domains: string[], flags: WatchFlags) => {
    const { runWatchAdd } = await import('./run-watch.js');
    await runWatchAdd(domains, flags);
  });

  const remove = domainInputs(new Command('remove').summary('stop watching domains')).option(
    '--json',
    'print the summary as JSON',
  );
  addFleetFlags(remove).action(async (domains: string[], flags: WatchFlags) => {
    const { runWatchRemove } = await import('./run-watch.js');
    await runWatchRemove(domains, flags);
  });

  const list = new Command('list').summary('print the watch list').option('--json', 'print NDJSON, one watch per line');
  addFleetFlags(list).action(async (flags: WatchFlags) => {
    const { runWatchList } = await import('./run-watch.js');
    await runWatchList(flags);
  });

  const replay = new Command('replay')
    .summary('send webhook dead letters again')
    .description('Put every webhook delivery that used up its attempts back in the delivery queue, with fresh attempts.')
    .option('--json', 'print the summary as JSON');
  addFleetFlags(replay).action(async (flags: WatchFlags) => {
    const { runWatchReplay } = await import('./run-watch.js');
    await runWatchReplay(flags);
  });

  for (const sub of [add, remove, list, replay]) watch.addCommand(sub);
  return watch;
}
