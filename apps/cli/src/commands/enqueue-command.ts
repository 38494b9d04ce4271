import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command, Option } from 'commander';
import { createVerifyQueue, enqueueDomains, MAX_PRIORITY, ResultStore, type EnqueueSummary } from '@mxv/fleet';
import { readDomainInputs } from '../input/read-domain-lines.js';
import { addFleetFlags, connectFleet, durationFlag, type FleetFlagValues } from '../options/fleet-flags.js';
import { integerFlag } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';
import { ProgressLine } from '../output/progress-line.js';

interface EnqueueFlags extends FleetFlagValues {
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
      'Queue domains for `mxv worker` (BullMQ queue "verify" in Redis). Streams files of any size in constant memory.\nInvalid lines are counted (and written with their reason to --invalid-out), never queued; a domain already\nwaiting or running is not queued twice; a domain with a stored result younger than --max-age is skipped unless --force.',
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
    await runEnqueue(domains, flags);
  });
}

async function runEnqueue(domains: string[], flags: EnqueueFlags): Promise<void> {
  if (domains.length === 0 && flags.file === undefined) {
    throw new UsageError('give at least one domain, or --file FILE (- for stdin); see mxv enqueue --help');
  }
  const priority = flags.priority === undefined ? undefined : integerFlag('--priority', flags.priority, 1, MAX_PRIORITY);
  const maxAgeMs = flags.maxAge === undefined ? undefined : durationFlag('--max-age', flags.maxAge);
  const { redis, keys } = await connectFleet(flags);
  const queue = createVerifyQueue(redis, keys);
  const invalidOut = flags.invalidOut ? createWriteStream(flags.invalidOut) : null;
  const progress = new ProgressLine();
  const started = performance.now();
  let summary: EnqueueSummary;
  try {
    summary = await enqueueDomains(
      { queue, redis, keys, store: new ResultStore(redis, keys) },
      readDomainInputs(domains, flags.file),
      {
        ...(priority !== undefined ? { priority } : {}),
        ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
        force: flags.force === true,
        onInvalid: invalidOut
          ? (input, reason) => writeLine(invalidOut, `${input.replace(/[\t\r\n]/g, ' ')}\t${reason}\n`)
          : undefined,
        onProgress: (s) =>
          progress.update(
            `read ${s.read}  enqueued ${s.enqueued}  invalid ${s.invalid}  duplicates ${s.duplicates}  fresh ${s.fresh}  (${rate(s.read, started)}/s)`,
          ),
      },
    );
  } finally {
    progress.clear();
    if (invalidOut) {
      invalidOut.end();
      await once(invalidOut, 'close');
    }
    await queue.close();
    redis.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, seconds: Math.round(seconds * 1000) / 1000 })}\n`);
  } else {
    process.stdout.write(
      `read ${summary.read}, invalid ${summary.invalid}, duplicates ${summary.duplicates}, fresh ${summary.fresh}, enqueued ${summary.enqueued} in ${seconds.toFixed(2)} s (${rate(summary.read, started)} domains/s)\n`,
    );
  }
}

function rate(count: number, started: number): number {
  const seconds = (performance.now() - started) / 1000;
  return seconds > 0 ? Math.round(count / seconds) : 0;
}

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}
