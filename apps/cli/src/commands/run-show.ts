import { createVerifyQueue, jobIdFor, ResultStore, type StoredResult } from '@mxv/fleet';
import { normalizeDomain } from '@mxv/probe';
import pc from 'picocolors';
import { readDomainInputs } from '../input/read-domain-lines.js';
import { connectFleet } from '../options/connect-fleet.js';
import { UsageError } from '../options/usage-error.js';
import { PipedStdout } from '../output/piped-stdout.js';
import { renderResultTable } from '../output/render-table.js';
import type { ShowFlags } from './show-command.js';
import { terminalSafeJson } from '../output/terminal-safe-json.js';
import { useColors } from '../output/use-colors.js';

/** Domains read per round trip to Redis. */
const SHOW_BATCH = 500;

type Line = { status: 'invalid'; input: string; reason: string } | { status: 'lookup'; domain: string };

export async function runShow(domains: string[], flags: ShowFlags): Promise<void> {
  if (domains.length === 0 && flags.file === undefined) {
    throw new UsageError('give at least one domain, or --file FILE (- for stdin); see mxv show --help');
  }
  const asJson = flags.json === true || process.stdout.isTTY !== true;
  const colors = pc.createColors(useColors());
  const { redis, keys } = await connectFleet(flags);
  const store = new ResultStore(redis, keys);
  const queue = createVerifyQueue(redis, keys);
  queue.on('error', () => undefined);
  // A slow reader holds the next batch back; one that went away ends the command (PipedStdout).
  const stdout = new PipedStdout();
  let batch: Line[] = [];
  const flush = async (): Promise<void> => {
    const lookups = batch.flatMap((line) => (line.status === 'lookup' ? [line.domain] : []));
    const found = await store.getMany(lookups);
    // A domain without a result may be in the queue still: its job's state says "wait", not "enqueue it".
    const jobStates = new Map<string, string>();
    await Promise.all(
      found.map(async (stored) => {
        if (stored.status !== 'not_found') return;
        const id = jobIdFor(stored.domain);
        if (id.status === 'ok') jobStates.set(stored.domain, await queue.getJobState(id.jobId));
      }),
    );
    let next = 0;
    for (const line of batch) {
      if (line.status === 'invalid') {
        if (asJson) stdout.write(`${terminalSafeJson({ input: line.input, status: 'invalid', error: line.reason })}\n`);
        else process.stderr.write(`${terminalSafeJson(line.input)}: not a domain name (${line.reason})\n`);
        continue;
      }
      const stored = found[next++] ?? { status: 'not_found', domain: line.domain };
      print(stdout, stored, asJson, colors, jobStates.get(line.domain) ?? 'unknown');
    }
    batch = [];
    stdout.flush();
    await stdout.ready();
  };
  try {
    for await (const input of readDomainInputs(domains, flags.file)) {
      const normalized =
        input.status === 'too_long' ? ({ status: 'invalid', reason: 'too_long' } as const) : normalizeDomain(input.text);
      batch.push(
        normalized.status === 'valid'
          ? { status: 'lookup', domain: normalized.domain }
          : { status: 'invalid', input: input.text, reason: normalized.reason },
      );
      if (batch.length >= SHOW_BATCH) await flush();
    }
    await flush();
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** BullMQ's job states that mean "a worker will get to it". */
const PENDING_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

function print(
  stdout: PipedStdout,
  stored: StoredResult,
  asJson: boolean,
  colors: ReturnType<typeof pc.createColors>,
  jobState: string,
): void {
  if (stored.status === 'not_found') {
    const pending = PENDING_JOB_STATES.has(jobState);
    if (asJson) {
      // `job`: the queue's state of its job when there is one (waiting, active, delayed, failed).
      const job = jobState === 'unknown' ? {} : { job: jobState };
      stdout.write(`${JSON.stringify({ domain: stored.domain, status: 'not_found', ...job })}\n`);
    } else if (pending) {
      process.stderr.write(`${stored.domain}: no stored result yet: its job is ${jobState} in the queue (see mxv status)\n`);
    } else if (jobState === 'failed') {
      process.stderr.write(
        `${stored.domain}: no stored result: its job failed (the worker's log says why); queue it again with: mxv enqueue --force ${stored.domain}\n`,
      );
    } else {
      process.stderr.write(`${stored.domain}: no stored result (queue it with: mxv enqueue ${stored.domain})\n`);
    }
    return;
  }
  if (stored.status === 'unreadable') {
    // Written by something else than this version's store: never printed as a result.
    if (asJson) stdout.write(`${JSON.stringify({ domain: stored.domain, status: 'unreadable', error: stored.reason })}\n`);
    else
      process.stderr.write(
        `${stored.domain}: the stored value is not a result (${stored.reason}); check it again with: mxv enqueue --force ${stored.domain}\n`,
      );
    return;
  }
  stdout.write(
    asJson
      ? `${terminalSafeJson(stored.result)}\n`
      : `${renderResultTable(stored.result, colors, { width: process.stdout.columns })}\n${colors.dim(`  checked ${stored.result.checkedAt}, ${stored.result.attempts ?? 1} attempt(s)`)}\n\n`,
  );
}
