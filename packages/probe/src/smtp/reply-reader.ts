import type { SmtpBounds } from '../options.js';
import { cleanWireText } from './reply-text.js';

export type ReplyReaderBounds = Pick<SmtpBounds, 'maxLineBytes' | 'maxReplyBytes' | 'maxReplyLines' | 'maxStoredTextBytes'>;

export type ReplyErrorReason =
  | 'line_too_long'
  | 'reply_too_large'
  | 'too_many_lines'
  | 'malformed_reply'
  | 'not_smtp_http'
  | 'not_smtp_tls'
  | 'not_smtp_binary';

/** One complete reply; `lines` hold the text after "ddd-"/"ddd ", cleaned and cut. */
export interface SmtpReply {
  status: 'reply';
  code: number;
  lines: string[];
}

export type ReplyReaderOutput = SmtpReply | { status: 'error'; reason: ReplyErrorReason };

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SP = 0x20;
const DASH = 0x2d;
const HTTP_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
/** Enough of the stream's first line to tell HTTP, TLS and binary talkers from SMTP. */
const SNIFF_BYTES = HTTP_PREFIX.length;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Bytes no SMTP reply starts with: controls (CR aside, it ends a line) and anything outside ASCII. */
function isBinaryByte(b: number): boolean {
  return (b < SP && b !== CR && b !== TAB) || b >= 0x7f;
}

/**
 * What is on the other end when it is not an SMTP server: a web server on port 25
 * answers "HTTP/1.x 400", an implicit-TLS port answers with a TLS record (content
 * type 0x14-0x17, version 0x03 0x00-0x04; RFC 8446 5.1), anything else binary.
 */
function sniff(head: readonly number[]): ReplyErrorReason | null {
  if (head.length >= HTTP_PREFIX.length && HTTP_PREFIX.every((b, i) => head[i] === b)) return 'not_smtp_http';
  const [type, major, minor] = head;
  if (type !== undefined && type >= 0x14 && type <= 0x17 && major === 0x03 && minor !== undefined && minor <= 0x04) {
    return 'not_smtp_tls';
  }
  if (head.slice(0, 4).some(isBinaryByte)) return 'not_smtp_binary';
  return null;
}

/**
 * Incremental SMTP reply parser (RFC 5321 4.2): bytes in, complete replies out,
 * as data. A multi-line reply is "ddd-text" lines ended by one "ddd text" (or
 * bare "ddd") line, all with the same code (4.2.1; where they differ, the
 * reply has its last line's code). CRLF and bare LF both end a
 * line: RFC 5321 2.3.8 wants CRLF, but a checker describes what servers do.
 *
 * Lenient where senders are (Postfix's smtp_chat_resp reads any length and any number of lines, keeping the
 * first 2,048 bytes of each line and of the text): a line longer than maxLineBytes is cut there and the rest
 * of it skipped, and lines past maxReplyLines are read and not kept, so a 5 KB banner or a 215-line EHLO
 * reply is still a reply. What bounds the reading is maxReplyBytes, every byte of the reply counted, skipped
 * ones too: past it the reader fails with `line_too_long` when one line alone took the reply's budget (a
 * 10 MB greeting), `too_many_lines` when it holds more than maxReplyLines lines (an endless continuation),
 * `reply_too_large` otherwise.
 *
 * Memory is bounded whatever the peer sends: the partial line lives in one
 * buffer of maxLineBytes + 1 (the +1 is a CR that may precede the LF), and a
 * reply keeps at most maxReplyLines lines of at most maxStoredTextBytes. Once a
 * bound is hit the reader fails, keeps nothing, and ignores further input. The
 * outputs do not depend on how the bytes were split into chunks.
 */
export class ReplyReader {
  readonly #bounds: ReplyReaderBounds;
  readonly #line: Buffer;
  #lineLen = 0;
  /** Every byte of the current line so far, those past maxLineBytes + 1 (skipped) included. */
  #lineRaw = 0;
  /** First bytes of the stream, until the sniff is decided. */
  #head: number[] = [];
  #sniffed = false;
  #reply: { code: number; lines: string[]; bytes: number; lineCount: number } | null = null;
  #out: ReplyReaderOutput[] = [];
  #failed = false;

  constructor(bounds: ReplyReaderBounds) {
    this.#bounds = bounds;
    this.#line = Buffer.alloc(bounds.maxLineBytes + 1);
  }

  /** True once an error was produced; further input is ignored until reset(). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes of the partial line currently held (at most maxLineBytes + 1). */
  get pendingBytes(): number {
    return this.#lineLen;
  }

  /** A reply has started but its last line has not arrived. */
  get inReply(): boolean {
    return this.#reply !== null || this.#lineLen > 0;
  }

  get hasOutput(): boolean {
    return this.#out.length > 0;
  }

  /** The next complete reply or error, or null when none is ready. */
  next(): ReplyReaderOutput | null {
    return this.#out.shift() ?? null;
  }

  /** Forget everything: RFC 3207 4.2 says knowledge from before TLS must be discarded. */
  reset(): void {
    this.#lineLen = 0;
    this.#lineRaw = 0;
    this.#head = [];
    this.#sniffed = false;
    this.#reply = null;
    this.#out = [];
    this.#failed = false;
  }

  feed(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length && !this.#failed) {
      const lf = chunk.indexOf(LF, pos);
      const end = lf === -1 ? chunk.length : lf;

      if (!this.#sniffed) {
        const take = Math.min(end - pos, SNIFF_BYTES - this.#head.length);
        for (let i = 0; i < take; i++) this.#head.push(chunk[pos + i] ?? 0);
        // Decided once five bytes are in, or the first line ended before that.
        if (this.#head.length === SNIFF_BYTES || lf !== -1) {
          this.#sniffed = true;
          const verdict = sniff(this.#head);
          this.#head = [];
          if (verdict) return this.#fail(verdict);
        }
      }

      const take = end - pos;
      // Kept up to the buffer's size; the rest of an over-long line is counted and skipped.
      const kept = Math.min(take, this.#bounds.maxLineBytes + 1 - this.#lineLen);
      if (kept > 0) this.#line.set(chunk.subarray(pos, pos + kept), this.#lineLen);
      this.#lineLen += kept;
      this.#lineRaw += take;
      if (this.#overBudget(this.#lineRaw)) return this.#fail(this.#budgetReason());
      if (lf === -1) return;
      pos = lf + 1;
      this.#completeLine();
    }
  }

  /** The reply's bytes with `lineBytes` of the current line: past maxReplyBytes, reading stops. */
  #overBudget(lineBytes: number): boolean {
    return (this.#reply?.bytes ?? 0) + lineBytes > this.#bounds.maxReplyBytes;
  }

  /**
   * Why the budget ran out, from counts alone (so the same however the bytes were split): the line that
   * crossed it had taken more than maxLineBytes of it, or the reply more lines than it keeps.
   */
  #budgetReason(): ReplyErrorReason {
    const lineAtCrossing = this.#bounds.maxReplyBytes - (this.#reply?.bytes ?? 0) + 1;
    if (lineAtCrossing > this.#bounds.maxLineBytes + 1) return 'line_too_long';
    return (this.#reply?.lineCount ?? 0) >= this.#bounds.maxReplyLines ? 'too_many_lines' : 'reply_too_large';
  }

  #completeLine(): void {
    const raw = this.#lineRaw + 1;
    const cut = this.#lineRaw > this.#lineLen;
    // A cut line keeps maxLineBytes (its last kept byte may be the CR of nothing); a whole one loses its CR.
    let len = cut ? this.#bounds.maxLineBytes : this.#lineLen;
    this.#lineLen = 0;
    this.#lineRaw = 0;
    const line = this.#line;
    if (!cut && len > 0 && line[len - 1] === CR) len--;
    len = Math.min(len, this.#bounds.maxLineBytes);

    // RFC 5321 4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
    const sep = len > 3 ? line[3] : undefined;
    if (
      len < 3 ||
      !isDigit(line[0]) ||
      !isDigit(line[1]) ||
      !isDigit(line[2]) ||
      (sep !== undefined && sep !== SP && sep !== DASH)
    ) {
      return this.#fail('malformed_reply');
    }
    // RFC 5321 4.2.1 wants one code on every line of a reply. A reply whose lines differ takes its last line's
    // code, as Postfix's SMTP client reads it: postscreen sends the first line of its greeting ("220-") and,
    // when a DNS block list names the client, ends it with "521 5.7.1 Service unavailable; ...".
    const code = ((line[0] ?? 0) - 0x30) * 100 + ((line[1] ?? 0) - 0x30) * 10 + ((line[2] ?? 0) - 0x30);

    const reply = this.#reply ?? { code, lines: [], bytes: 0, lineCount: 0 };
    // Its LF was the byte past the budget: the line crossed it at its full length (raw), as #budgetReason reads.
    if (reply.bytes + raw > this.#bounds.maxReplyBytes) return this.#fail(this.#budgetReason());
    reply.bytes += raw;
    reply.lineCount += 1;
    // Lines past maxReplyLines are read (a sender reads them) and not kept.
    if (reply.lines.length < this.#bounds.maxReplyLines) {
      reply.lines.push(cleanWireText(line.subarray(Math.min(4, len), len), this.#bounds.maxStoredTextBytes));
    }

    if (sep === DASH) {
      this.#reply = reply;
      return;
    }
    this.#reply = null;
    this.#out.push({ status: 'reply', code, lines: reply.lines });
  }

  #fail(reason: ReplyErrorReason): void {
    this.#failed = true;
    this.#lineLen = 0;
    this.#lineRaw = 0;
    this.#reply = null;
    this.#head = [];
    this.#out.push({ status: 'error', reason });
  }
}
