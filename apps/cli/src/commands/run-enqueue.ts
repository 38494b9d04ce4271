import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createVerifyQueue, enqueueDomains, MAX_PRIORITY, ResultStore, type EnqueueInput, type EnqueueSummary } from '@mxv/fleet';
import { readDomainInputs, type DomainInput } from '../input/read-domain-lines.js';
import { connectFleet } from '../options/connect-fleet.js';
import { durationFlag } from '../options/fleet-flags.js';
import { boundFlag } from '../options/number-flag.js';
import { UsageError } from '../options/usage-error.js';
import { ProgressLine } from '../output/progress-line.js';
import type { EnqueueFlags } from './enqueue-command.js';

/** BullMQ's priorities: 1 is the highest. */
const PRIORITY_BOUND = { min: 1, max: MAX_PRIORITY, default: 1 };

export async function runEnqueue(domains: string[], flags: EnqueueFlags): Promise<void> {
  if (domains.length === 0 && flags.file === undefined) {
    throw new UsageError('give at least one domain, or --file FILE (- for stdin); see mxv enqueue --help');
  }
  const priority = flags.priority === undefined ? undefined : boundFlag('--priority', flags.priority, PRIORITY_BOUND);
  const maxAgeMs = flags.maxAge === undefined ? undefined : durationFlag('--max-age', flags.maxAge);
  const { redis, keys } = await connectFleet(flags, { storesShards: true });
  const queue = createVerifyQueue(redis, keys);
  const invalidOut = flags.invalidOut ? createWriteStream(flags.invalidOut) : null;
  const progress = new ProgressLine();
  const started = performance.now();
  let summary: EnqueueSummary;
  try {
    summary = await enqueueDomains(
      { queue, redis, keys, store: new ResultStore(redis, keys) },
      enqueueInputs(readDomainInputs(domains, flags.file)),
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

/** An over-long line reaches the queue's counts as an invalid input, never as a name. */
async function* enqueueInputs(inputs: AsyncIterable<DomainInput>): AsyncGenerator<EnqueueInput> {
  for await (const input of inputs) {
    yield input.status === 'line' ? input.text : { status: 'rejected', input: input.text, reason: 'too_long' };
  }
}

function rate(count: number, started: number): number {
  const seconds = (performance.now() - started) / 1000;
  return seconds > 0 ? Math.round(count / seconds) : 0;
}

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}
