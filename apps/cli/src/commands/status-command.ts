import { Command, Option } from 'commander';
import { createVerifyQueue, readFleetStatus, type FleetStatus } from '@mxv/fleet';
import { addFleetFlags, connectFleet, type FleetFlagValues } from '../options/fleet-flags.js';
import { integerFlag } from '../options/probe-flags.js';

interface StatusFlags extends FleetFlagValues {
  json?: boolean;
  watch?: string | true;
  heartbeatMs: string;
}

export function statusCommand(): Command {
  const command = new Command('status')
    .summary('queue depth, completion rate, workers, back-off, host cache')
    .description(
      'Show the fleet at a glance: jobs per queue state, results written per minute, workers alive (by heartbeat),\naddresses in back-off, host cache size and hit ratio. --watch refreshes until interrupted.',
    )
    .option('--json', 'print one JSON object (per refresh with --watch)')
    .addOption(new Option('-w, --watch [seconds]', 'refresh every N seconds (default 2)'))
    .addOption(new Option('--heartbeat-ms <n>', "the workers' heartbeat period").default('5000'));
  addFleetFlags(command);
  return command.action(async (flags: StatusFlags) => {
    await runStatus(flags);
  });
}

async function runStatus(flags: StatusFlags): Promise<void> {
  const heartbeatMs = integerFlag('--heartbeat-ms', flags.heartbeatMs, 100, 3_600_000);
  const watchSeconds = flags.watch === undefined ? null : flags.watch === true ? 2 : integerFlag('--watch', flags.watch, 1, 3600);
  const { redis, keys } = await connectFleet(flags);
  const queue = createVerifyQueue(redis, keys);
  const interactive = process.stdout.isTTY === true;
  try {
    for (;;) {
      const status = await readFleetStatus(redis, queue, keys, heartbeatMs);
      if (flags.json) process.stdout.write(`${JSON.stringify(status)}\n`);
      else
        process.stdout.write(
          `${watchSeconds !== null && interactive ? '\u001b[H\u001b[2J' : ''}${renderStatus(status, keys.prefix)}\n`,
        );
      if (watchSeconds === null) break;
      const interrupted = await sleepUnlessInterrupted(watchSeconds * 1000);
      if (interrupted) break;
    }
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

function renderStatus(s: FleetStatus, prefix: string): string {
  const q = s.queue;
  const ratio = s.hostCache.hitRatio === null ? 'n/a' : `${(s.hostCache.hitRatio * 100).toFixed(1)}%`;
  const lines = [
    `mxv fleet "${prefix}" at ${s.at}`,
    `queue     waiting ${q.waiting + q.prioritized}  active ${q.active}  delayed ${q.delayed}  failed ${q.failed}  completed ${q.completed}`,
    `results   ${s.completedPerMinute.lastMinute} in the last 60 s, ${s.completedPerMinute.lastFiveMinutesAvg}/min over the 5 minutes before`,
    `workers   ${s.workers.alive} alive`,
    ...s.workers.list.map(
      (w) =>
        `          ${String(w['id'] ?? '?')}  in flight ${String(w['inFlight'] ?? '?')}/${String(w['concurrency'] ?? '?')}  done ${String(w['processed'] ?? '?')}`,
    ),
    `back-off  ${s.hostsInBackoff} address(es) slowed down`,
    `hosts     ${s.hostCache.entries} cached, hit ratio ${ratio} (${s.hostCache.hits} hits, ${s.hostCache.misses} probes)`,
  ];
  return lines.join('\n');
}

function sleepUnlessInterrupted(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(false);
    }, ms);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
