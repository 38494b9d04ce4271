import { readHistory, ResultStore, type DomainHistory } from '@mxv/fleet';
import { normalizeDomain } from '@mxv/probe';
import pc from 'picocolors';
import { connectFleet } from '../options/connect-fleet.js';
import { UsageError } from '../options/usage-error.js';
import type { HistoryFlags } from './history-command.js';
import { terminalSafeJson } from '../output/terminal-safe-json.js';
import { useColors } from '../output/use-colors.js';

export async function runHistory(input: string, flags: HistoryFlags): Promise<void> {
  const normalized = normalizeDomain(input);
  if (normalized.status !== 'valid')
    throw new UsageError(`${terminalSafeJson(input)} is not a domain name (${normalized.reason})`);
  const { redis, keys } = await connectFleet(flags);
  try {
    const [history, [checkedAt]] = await Promise.all([
      readHistory(redis, keys, normalized.domain),
      new ResultStore(redis, keys).checkedAtMany([normalized.domain]),
    ]);
    const stored = checkedAt !== null && checkedAt !== undefined;
    if (flags.json) {
      // A domain never checked says so, as `mxv show` and the API's 404 do: "no changes" would read as a stable one.
      process.stdout.write(`${terminalSafeJson(stored ? history : { ...history, status: 'not_found' })}\n`);
      return;
    }
    const colors = pc.createColors(useColors());
    if (!stored) {
      process.stderr.write(`${normalized.domain}: no stored result (queue it with: mxv enqueue ${normalized.domain})\n`);
    }
    process.stdout.write(renderHistory(history, colors));
  } finally {
    redis.disconnect();
  }
}

/** One block per change record: the time, then one line per changed path. */
export function renderHistory(history: DomainHistory, colors: ReturnType<typeof pc.createColors>): string {
  if (history.changes.length === 0) return `${history.domain}: no changes recorded\n`;
  const lines = [colors.bold(history.domain)];
  for (const record of history.changes) {
    lines.push(colors.dim(record.at));
    for (const change of record.changes) {
      lines.push(`  ${change.path}  ${show(change.from)} ${colors.dim('→')} ${show(change.to)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function show(value: unknown): string {
  return value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
}
