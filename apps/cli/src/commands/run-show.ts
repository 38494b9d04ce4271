import { ResultStore, type StoredResult } from '@mxv/fleet';
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
  // A slow reader holds the next batch back; one that went away ends the command (PipedStdout).
  const stdout = new PipedStdout();
  let batch: Line[] = [];
  const flush = async (): Promise<void> => {
    const lookups = batch.flatMap((line) => (line.status === 'lookup' ? [line.domain] : []));
    const found = await store.getMany(lookups);
    let next = 0;
    for (const line of batch) {
      if (line.status === 'invalid') {
        if (asJson) stdout.write(`${terminalSafeJson({ input: line.input, status: 'invalid', error: line.reason })}\n`);
        else process.stderr.write(`${terminalSafeJson(line.input)}: not a domain name (${line.reason})\n`);
        continue;
      }
      print(stdout, found[next++] ?? { status: 'not_found', domain: line.domain }, asJson, colors);
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
    redis.disconnect();
  }
}

function print(stdout: PipedStdout, stored: StoredResult, asJson: boolean, colors: ReturnType<typeof pc.createColors>): void {
  if (stored.status === 'not_found') {
    if (asJson) stdout.write(`${JSON.stringify({ domain: stored.domain, status: 'not_found' })}\n`);
    else process.stderr.write(`${stored.domain}: no stored result (queue it with: mxv enqueue ${stored.domain})\n`);
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
