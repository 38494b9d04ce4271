import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * The domains to work on, streamed: arguments first, then the lines of --file
 * (or stdin for "-"), skipping blank lines and # comments (CONTRACT). Arguments
 * are kept as given, even empty ones: an empty domain is reported as invalid.
 */
export async function* readDomainInputs(
  args: readonly string[],
  file: string | undefined,
  stdin: Readable = process.stdin,
): AsyncGenerator<string> {
  yield* args;
  if (file === undefined) return;
  const stream = file === '-' ? stdin : createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    yield trimmed;
  }
}
