import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { INPUT_BOUNDS } from '../options/cli-bounds.js';

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
  for (const arg of args) {
    const bytes = Buffer.byteLength(arg, 'utf8');
    yield bytes > maxLineBytes
      ? { status: 'too_long', text: displayPrefix(Buffer.from(arg, 'utf8'), maxLineBytes), bytes }
      : { status: 'line', text: arg };
  }
  if (file === undefined) return;
  const stream = file === '-' ? stdin : createReadStream(file);
  for await (const line of splitLines(stream, maxLineBytes)) {
    const input = toInput(line, maxLineBytes);
    if (input !== null) yield input;
  }
}

/** A line as read: its first `maxLineBytes + 1` bytes at most, its whole length, and whether it ends with \r. */
interface RawLine {
  head: Buffer;
  bytes: number;
  endsWithCr: boolean;
}

/** Splits a byte stream on \n, keeping at most maxLineBytes + 1 bytes of each line (one more tells "too long" apart). */
async function* splitLines(stream: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<RawLine> {
  const keep = maxLineBytes + 1;
  let parts: Buffer[] = [];
  let held = 0;
  let bytes = 0;
  let endsWithCr = false;
  const take = (piece: Buffer): void => {
    bytes += piece.length;
    if (piece.length > 0) endsWithCr = piece[piece.length - 1] === CARRIAGE_RETURN;
    if (held >= keep) return;
    const kept = piece.length > keep - held ? piece.subarray(0, keep - held) : piece;
    // Copy a kept slice: a subarray would pin the whole chunk (64 KiB) per line.
    parts.push(Buffer.from(kept));
    held += kept.length;
  };
  const finish = (): RawLine => {
    const line = { head: Buffer.concat(parts, held), bytes, endsWithCr };
    parts = [];
    held = 0;
    bytes = 0;
    endsWithCr = false;
    return line;
  };
  for await (const chunk of stream) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
      take(data.subarray(start, end));
      yield finish();
      start = end + 1;
    }
    if (start < data.length) take(data.subarray(start));
  }
  // The last line may end without a newline.
  if (bytes > 0) yield finish();
}

function toInput(line: RawLine, maxLineBytes: number): DomainInput | null {
  // CRLF files: the \r before \n belongs to the line ending, not the domain.
  const bytes = line.endsWithCr ? line.bytes - 1 : line.bytes;
  if (bytes > maxLineBytes) {
    const text = displayPrefix(line.head, maxLineBytes);
    // A long comment is still a comment.
    if (text.trimStart().startsWith('#')) return null;
    return { status: 'too_long', text, bytes };
  }
  const text = line.head.toString('utf8', 0, bytes).trim();
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
