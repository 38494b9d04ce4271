import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { INPUT_BOUNDS } from '../options/cli-bounds.js';
import { UsageError } from '../options/usage-error.js';
import { ListTranscoder } from './list-transcoder.js';
import { LoneCarriageReturns } from './lone-carriage-returns.js';

/**
 * One input of a domain list: a line (or argument) to normalize, or one that
 * was longer than the line bound. An over-long line is not held: only its
 * first bytes are kept, for display, and it is reported as invalid (too_long)
 * like any other bad input.
 */
export type DomainInput = { status: 'line'; text: string } | { status: 'too_long'; text: string; bytes: number };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The domains to work on, streamed: arguments first, then the lines of --file
 * (or stdin for "-"), skipping blank lines and # comments (CONTRACT). Arguments
 * are kept as given, even empty ones: an empty domain is reported as invalid.
 *
 * Lines are split on \n over the raw chunks rather than with readline: readline
 * holds a whole line as one string, so a 50 MB line took 273 MB and a 600 MB one
 * crashed the process (RangeError: Invalid string length), losing every valid
 * line after it. Here at most `maxLineBytes` of a line are ever held.
 */
export async function* readDomainInputs(
  args: readonly string[],
  file: string | undefined,
  stdin: Readable = process.stdin,
  maxLineBytes: number = INPUT_BOUNDS.maxLineBytes.default,
): AsyncGenerator<DomainInput> {
  // Opened before anything is worked on: a list that cannot be read is a usage error (exit 2) at once,
  // not an internal error after the arguments were checked.
  const listFile = file === undefined || file === '-' ? null : await openListFile(file);
  for (const arg of args) {
    const bytes = Buffer.byteLength(arg, 'utf8');
    yield bytes > maxLineBytes
      ? { status: 'too_long', text: displayPrefix(Buffer.from(arg, 'utf8'), maxLineBytes), bytes }
      : { status: 'line', text: arg };
  }
  if (file === undefined) return;
  const stream: AsyncIterable<Buffer | string> = listFile ?? stdin;
  const lines = new LineSplitter(maxLineBytes);
  const transcoder = new ListTranscoder();
  const lineEnds = new LoneCarriageReturns();
  const utf8 = (chunk: Buffer | string): Buffer =>
    lineEnds.push(transcoder.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
  for await (const chunk of stream) {
    // One async step per chunk, not per line: a million-line file reads as fast as with readline.
    for (const line of lines.push(utf8(chunk))) {
      const input = toInput(line, maxLineBytes);
      if (input !== null) yield input;
    }
  }
  for (const rest of [lineEnds.push(transcoder.end()), lineEnds.end()]) {
    for (const line of lines.push(rest)) {
      const input = toInput(line, maxLineBytes);
      if (input !== null) yield input;
    }
  }
  // The last line may end without a newline.
  const last = lines.end();
  const input = last === null ? null : toInput(last, maxLineBytes);
  if (input !== null) yield input;
}

/** The --file list, open for reading, or a UsageError saying why it cannot be read. */
async function openListFile(file: string): Promise<AsyncIterable<Buffer>> {
  const why = (error: unknown): string => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return code ?? String(error);
  };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UsageError(`--file ${JSON.stringify(file)}: cannot be read (${why(error)})`);
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new UsageError(`--file ${JSON.stringify(file)}: is a directory`);
  }
  return handle.createReadStream();
}

/**
 * A line as read: its first `maxLineBytes + 1` bytes at most (`buffer` from
 * `start` to `end`: offsets, because a subarray per line costs more than the
 * rest of the reading), its whole length, and whether it ends with \r.
 */
interface RawLine {
  buffer: Buffer;
  start: number;
  end: number;
  bytes: number;
  endsWithCr: boolean;
}

/** Splits a byte stream on \n, keeping at most maxLineBytes + 1 bytes of each line (one more tells "too long" apart). */
class LineSplitter {
  readonly #keep: number;
  /** The start of a line that continues in the next chunk, copied (a subarray would pin the whole chunk). */
  #parts: Buffer[] = [];
  #held = 0;
  #bytes = 0;
  #endsWithCr = false;

  constructor(maxLineBytes: number) {
    this.#keep = maxLineBytes + 1;
  }

  /** The lines this chunk completes. Their heads may share the chunk's memory: decode them before the next push. */
  push(data: Buffer): RawLine[] {
    const lines: RawLine[] = [];
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
      if (this.#bytes === 0) {
        // The usual case, a whole line inside one chunk: no copy.
        const bytes = end - start;
        const endsWithCr = bytes > 0 && data[end - 1] === CARRIAGE_RETURN;
        lines.push({ buffer: data, start, end: start + Math.min(bytes, this.#keep), bytes, endsWithCr });
      } else {
        this.#take(data.subarray(start, end));
        lines.push(this.#finish());
      }
      start = end + 1;
    }
    if (start < data.length) this.#take(data.subarray(start));
    return lines;
  }

  end(): RawLine | null {
    return this.#bytes > 0 ? this.#finish() : null;
  }

  #take(piece: Buffer): void {
    this.#bytes += piece.length;
    if (piece.length > 0) this.#endsWithCr = piece[piece.length - 1] === CARRIAGE_RETURN;
    if (this.#held >= this.#keep) return;
    const kept = piece.subarray(0, this.#keep - this.#held);
    this.#parts.push(Buffer.from(kept));
    this.#held += kept.length;
  }

  #finish(): RawLine {
    const head = Buffer.concat(this.#parts, this.#held);
    const line = { buffer: head, start: 0, end: head.length, bytes: this.#bytes, endsWithCr: this.#endsWithCr };
    this.#parts = [];
    this.#held = 0;
    this.#bytes = 0;
    this.#endsWithCr = false;
    return line;
  }
}

function toInput(line: RawLine, maxLineBytes: number): DomainInput | null {
  // CRLF files: the \r before \n belongs to the line ending, not the domain.
  const bytes = line.endsWithCr ? line.bytes - 1 : line.bytes;
  if (bytes > maxLineBytes) {
    const text = displayPrefix(line.buffer.subarray(line.start, line.end), maxLineBytes);
    // A long comment is still a comment.
    if (text.trimStart().startsWith('#')) return null;
    return { status: 'too_long', text, bytes };
  }
  const text = line.buffer.toString('utf8', line.start, line.start + bytes).trim();
  if (text === '' || text.startsWith('#')) return null;
  return { status: 'line', text };
}

/** The first bytes of an over-long input as text, cut at a character boundary, marked as cut. */
function displayPrefix(head: Buffer, maxLineBytes: number): string {
  let end = Math.min(head.length, maxLineBytes);
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && end < head.length && ((head[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${head.toString('utf8', 0, end)}…`;
}
