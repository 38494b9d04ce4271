const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
const LF_BYTE = Buffer.from([LF]);
const CR_BYTE = Buffer.from([CR]);

/**
 * A list's classic Mac line ends, a CR alone (Excel for Mac's "CSV (Macintosh)" still writes them), turned
 * into LF, so each of its lines is read as one; CRLF is left as it is. Without this such a list was one
 * line, refused whole. A CR that ends a chunk waits for the next one's first byte.
 */
export class LoneCarriageReturns {
  #pendingCr = false;

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return EMPTY;
    let lead = EMPTY;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      lead = chunk[0] === LF ? CR_BYTE : LF_BYTE;
    }
    let body = chunk;
    let copy: Buffer | null = null;
    for (let at = body.indexOf(CR); at !== -1; at = body.indexOf(CR, at + 1)) {
      if (at === body.length - 1) {
        this.#pendingCr = true;
        body = (copy ?? body).subarray(0, at);
        copy = null;
        break;
      }
      if (body[at + 1] === LF) continue;
      copy ??= Buffer.from(body);
      copy[at] = LF;
    }
    const out = copy ?? body;
    return lead.length === 0 ? out : Buffer.concat([lead, out]);
  }

  /** A CR that ended the list ends its last line. */
  end(): Buffer {
    if (!this.#pendingCr) return EMPTY;
    this.#pendingCr = false;
    return LF_BYTE;
  }
}
