import { createVerifyQueue, readFleetStatus, VERIFY_WORKER_BOUNDS, type FleetStatus } from '@mxv/fleet';
import { readWatchStatus, renderWatchStatus } from './watch-status.js';
import { STATUS_BOUNDS } from '../options/cli-bounds.js';
import { connectFleet } from '../options/connect-fleet.js';
import { durationFlag } from '../options/fleet-flags.js';
import { boundFlag } from '../options/number-flag.js';
import type { StatusFlags } from './status-command.js';

export async function runStatus(flags: StatusFlags): Promise<void> {
  const heartbeatMs = boundFlag('--heartbeat-ms', flags.heartbeatMs, VERIFY_WORKER_BOUNDS.heartbeatMs);
  const watchSeconds =
    flags.watch === undefined ? null : flags.watch === true ? STATUS_BOUNDS.watchSeconds.default : watchSecondsFlag(flags.watch);
  const { redis, keys } = await connectFleet(flags);
  const queue = createVerifyQueue(redis, keys);
  const interactive = process.stdout.isTTY === true;
  try {
    for (;;) {
      const [status, watches] = await Promise.all([
        readFleetStatus(redis, queue, keys, heartbeatMs),
        readWatchStatus(redis, keys),
      ]);
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...status, watches })}\n`);
      else
        process.stdout.write(
          `${watchSeconds !== null && interactive ? '\u001b[H\u001b[2J' : ''}${renderStatus(status, keys.prefix)}\n${renderWatchStatus(watches)}\n`,
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
  // A worker paused for egress is alive (heartbeat) but takes no jobs: worker-heartbeat.ts, egress-guard.ts.
  const pausedForEgress = s.workers.list.filter((w) => w['egress'] === 'paused').length;
  const ratio = s.hostCache.hitRatio === null ? 'n/a' : `${(s.hostCache.hitRatio * 100).toFixed(1)}%`;
  const lines = [
    `mxv fleet "${prefix}" at ${s.at}`,
    // Workers remove a job once its result is stored (removeOnComplete): "completed" is what other workers kept, not the work
    // done, which the results line below counts.
    `queue     waiting ${q.waiting + q.prioritized}  active ${q.active}  delayed ${q.delayed}  failed ${q.failed}${q.completed > 0 ? `  completed (kept) ${q.completed}` : ''}`,
    ...(s.shards.length > 1
      ? s.shards.map(
          (shard, index) =>
            `  shard ${index} ${shard.prefix}  waiting ${shard.queue.waiting + shard.queue.prioritized}  active ${shard.queue.active}  delayed ${shard.queue.delayed}  failed ${shard.queue.failed}`,
        )
      : []),
    `results   ${s.completedPerMinute.lastMinute} in the last 60 s, ${s.completedPerMinute.lastFiveMinutesAvg}/min over the 5 minutes before`,
    `workers   ${s.workers.alive} alive${pausedForEgress > 0 ? `, ${pausedForEgress} PAUSED for egress (canary unreachable)` : ''}`,
    ...s.workers.list.map(
      (w) =>
        `          ${String(w['id'] ?? '?')}  in flight ${String(w['inFlight'] ?? '?')}/${String(w['concurrency'] ?? '?')}  done ${String(w['processed'] ?? '?')}${w['egress'] === 'paused' ? `  PAUSED for egress: ${String(w['egressDetail'] ?? 'canary unreachable')}` : ''}`,
    ),
    `back-off  ${s.hostsInBackoff} address(es) and ${s.politeness.groupsInBackoff} group(s) slowed down`,
    ...renderBusiestGroups(s),
    `hosts     ${s.hostCache.entries} cached, hit ratio ${ratio} (${s.hostCache.hits} hits, ${s.hostCache.misses} probes)`,
    `api       anonymous live checks refused: ${s.anonymousChecksRefused.per_client} per client, ${s.anonymousChecksRefused.fleet_wide} fleet-wide`,
  ];
  return lines.join('\n');
}

/** The busiest provider and network groups: grants over the last minute or two, connections open now, back-off. */
function renderBusiestGroups(s: FleetStatus): string[] {
  const groups = s.politeness.busiestGroups;
  if (groups.length === 0) return ['groups    no connections granted in the last minute or two'];
  return [
    `groups    busiest by connections granted in the last 1-2 min (grants, open now)`,
    ...groups.map(
      (g) =>
        `          ${g.scope.padEnd(8)} ${g.group}  ${g.grants} granted, ${g.open} open${g.backedOffUntil === null ? '' : `  BACKED OFF until ${g.backedOffUntil}`}`,
    ),
  ];
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

/** `--watch 5` (seconds) or a duration as the other fleet flags take them (`5s`, `1m`), in whole seconds. */
function watchSecondsFlag(raw: string): number {
  if (!/[a-z]\s*$/i.test(raw)) return boundFlag('--watch', raw, STATUS_BOUNDS.watchSeconds);
  return boundFlag('--watch', String(durationFlag('--watch', raw) / 1000), STATUS_BOUNDS.watchSeconds);
}
