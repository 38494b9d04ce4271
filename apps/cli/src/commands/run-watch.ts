import {
  checkWebhookUrl,
  createWebhookQueue,
  replayDeadLetters,
  WATCH_EVERY_BOUND,
  WatchList,
  type WatchAddSummary,
} from '@mxv/fleet';
import { normalizeDomain, normalizeStoredDomain } from '@mxv/probe';
import { readDomainInputs } from '../input/read-domain-lines.js';
import { connectFleet } from '../options/connect-fleet.js';
import { durationFlag } from '../options/fleet-flags.js';
import { UsageError } from '../options/usage-error.js';
import { PipedStdout } from '../output/piped-stdout.js';
import type { WatchFlags } from './watch-command.js';

/** Domains per call into the watch list. */
const WATCH_BATCH = 1_000;

interface InputSummary {
  read: number;
  invalid: number;
}

export async function runWatchAdd(domains: string[], flags: WatchFlags): Promise<void> {
  requireInput(domains, flags, 'add');
  const minEveryMs = flags.minEvery === undefined ? WATCH_EVERY_BOUND.min : durationFlag('--min-every', flags.minEvery);
  const everyMs = durationFlag('--every', flags.every);
  if (everyMs < minEveryMs) throw new UsageError(`--every must be at least ${minEveryMs / 1000}s`);
  let webhook: string | null = null;
  if (flags.webhook !== undefined) {
    const checked = checkWebhookUrl(flags.webhook);
    if (checked.status === 'invalid') throw new UsageError(`--webhook: ${checked.reason}`);
    webhook = checked.url;
  }
  const { redis, keys } = await connectFleet(flags);
  const list = new WatchList(redis, keys);
  const total: WatchAddSummary = { added: 0, updated: 0 };
  let inputs: InputSummary;
  try {
    inputs = await forEachBatch(domains, flags, async (batch) => {
      const summary = await list.add(batch, { everyMs, webhook });
      total.added += summary.added;
      total.updated += summary.updated;
    });
  } finally {
    redis.disconnect();
  }
  const summary = { ...inputs, ...total, everyMs, webhook };
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else
    process.stdout.write(
      `read ${inputs.read}, invalid ${inputs.invalid}, added ${total.added}, updated ${total.updated}: re-checked every ${flags.every}${webhook ? `, changes POSTed to ${webhook}` : ''}\n`,
    );
}

export async function runWatchRemove(domains: string[], flags: WatchFlags): Promise<void> {
  requireInput(domains, flags, 'remove');
  const { redis, keys } = await connectFleet(flags);
  const list = new WatchList(redis, keys);
  let removed = 0;
  let inputs: InputSummary;
  try {
    inputs = await forEachBatch(
      domains,
      flags,
      async (batch) => {
        removed += await list.remove(batch);
      },
      normalizeStoredDomain,
    );
  } finally {
    redis.disconnect();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...inputs, removed })}\n`);
  else process.stdout.write(`read ${inputs.read}, invalid ${inputs.invalid}, removed ${removed}\n`);
}

export async function runWatchList(flags: WatchFlags): Promise<void> {
  const { redis, keys } = await connectFleet(flags);
  // Millions of watches: a slow reader holds the listing back, one that went away ends it (PipedStdout).
  const stdout = new PipedStdout();
  try {
    for await (const watch of new WatchList(redis, keys).list()) {
      const backedUp = stdout.ready();
      if (backedUp !== null) await backedUp;
      const due = watch.dueAt === null ? null : new Date(watch.dueAt).toISOString();
      stdout.write(
        flags.json
          ? `${JSON.stringify({ domain: watch.domain, everyMs: watch.everyMs, webhook: watch.webhook, due })}\n`
          : `${watch.domain}\tevery ${formatMs(watch.everyMs)}\tnext ${due ?? 'now'}${watch.webhook ? `\t${watch.webhook}` : ''}\n`,
      );
    }
  } finally {
    stdout.flush();
    redis.disconnect();
  }
}

export async function runWatchReplay(flags: WatchFlags): Promise<void> {
  const { redis, keys } = await connectFleet(flags);
  const queue = createWebhookQueue(redis, keys);
  try {
    const replayed = await replayDeadLetters(queue);
    if (flags.json) process.stdout.write(`${JSON.stringify({ replayed })}\n`);
    else process.stdout.write(`${replayed} dead letter(s) queued for delivery again\n`);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

function requireInput(domains: string[], flags: WatchFlags, verb: string): void {
  if (domains.length === 0 && flags.file === undefined) {
    throw new UsageError(`give at least one domain, or --file FILE (- for stdin); see mxv watch ${verb} --help`);
  }
}

/** Normalizes the input stream and hands valid domains on in batches; invalid lines are reported on stderr. */
async function forEachBatch(
  domains: string[],
  flags: WatchFlags,
  handle: (batch: string[]) => Promise<void>,
  normalize: typeof normalizeDomain = normalizeDomain,
): Promise<InputSummary> {
  const summary: InputSummary = { read: 0, invalid: 0 };
  let batch: string[] = [];
  for await (const input of readDomainInputs(domains, flags.file)) {
    summary.read += 1;
    // A line over the input bound is never normalized (nor held): it is reported like any bad input.
    const normalized = input.status === 'too_long' ? { status: 'invalid' as const, reason: 'too_long' } : normalize(input.text);
    if (normalized.status !== 'valid') {
      summary.invalid += 1;
      process.stderr.write(`${JSON.stringify(input.text)}: not a domain name (${normalized.reason})\n`);
      continue;
    }
    batch.push(normalized.domain);
    if (batch.length >= WATCH_BATCH) {
      await handle(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await handle(batch);
  return summary;
}

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
