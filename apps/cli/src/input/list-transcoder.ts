import { TextDecoder } from 'node:util';

/**
 * A domain list's bytes as UTF-8, whatever the list was written in of what people's tools write: UTF-8 (with
 * or without its BOM) passes through; UTF-16 (Windows PowerShell 5.1's `>` and `Out-File` write UTF-16LE with a
 * BOM; some exports leave the BOM out) is decoded. Without this, each UTF-16 line read as "e\0x\0a\0..." and
 * every domain came out invalid (idna_error) with nothing saying why.
 */
export class ListTranscoder {
  /** The first bytes, held until there are enough to tell the encoding (or the list ends). */
  #head: Buffer | null = Buffer.alloc(0);
  #decoder: TextDecoder | null = null;

  /** UTF-8 bytes for this chunk (possibly none yet). */
  push(chunk: Buffer): Buffer {
    if (this.#head === null) return this.#convert(chunk, true);
    this.#head = Buffer.concat([this.#head, chunk]);
    if (this.#head.length < SNIFF_BYTES && mayBeUtf16(this.#head)) return EMPTY;
    return this.#releaseHead(true);
  }

  /** What is left at the end of the list. */
  end(): Buffer {
    if (this.#head !== null) return this.#releaseHead(false);
    return this.#decoder === null ? EMPTY : Buffer.from(this.#decoder.decode(), 'utf8');
  }

  /** The held first bytes, converted once their encoding is told (from them, or at the end of the list). */
  #releaseHead(more: boolean): Buffer {
    const head = this.#head ?? EMPTY;
    this.#head = null;
    const encoding = sniffUtf16(head);
    if (encoding !== null) this.#decoder = new TextDecoder(encoding);
    return this.#convert(head, more);
  }

  #convert(bytes: Buffer, more: boolean): Buffer {
    if (this.#decoder === null) return bytes;
    return Buffer.from(this.#decoder.decode(bytes, { stream: more }), 'utf8');
  }
}

const EMPTY = Buffer.alloc(0);
const SNIFF_BYTES = 4;

/**
 * Whether the first bytes leave UTF-16 open: a BOM's first byte, or a zero byte in the first two. Otherwise
 * the list is read as UTF-8 at once (a line typed at the terminal, "x" and Enter, is not held back).
 */
function mayBeUtf16(head: Buffer): boolean {
  const [b0, b1] = head;
  if (b0 === undefined) return true;
  if (b0 === 0xff || b0 === 0xfe || b0 === 0) return true;
  return b1 === undefined || b1 === 0;
}

/**
 * UTF-16 by its BOM (FF FE little-endian, FE FF big-endian), or without one by an ASCII first character
 * with a zero byte beside it, twice (no UTF-8 list starts with NUL bytes).
 */
function sniffUtf16(head: Buffer): 'utf-16le' | 'utf-16be' | null {
  const [b0, b1, b2, b3] = head;
  if (b0 === 0xff && b1 === 0xfe) return 'utf-16le';
  if (b0 === 0xfe && b1 === 0xff) return 'utf-16be';
  if (head.length < 4) return null;
  if (b0 !== 0 && b1 === 0 && b2 !== 0 && b3 === 0) return 'utf-16le';
  if (b0 === 0 && b1 !== 0 && b2 === 0 && b3 !== 0) return 'utf-16be';
  return null;
}
