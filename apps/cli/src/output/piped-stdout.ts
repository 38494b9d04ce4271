/** 128 + SIGPIPE: what a shell reports for a writer whose reader went away. */
export const EXIT_READER_GONE = 141;

/**
 * Into a file or a pipe, lines are gathered and written together, once per
 * event-loop turn or per this many bytes: one write per result line was a
 * system call each (a file is written synchronously), several percent of a
 * big `mxv check --json --file` run's CPU. A terminal gets each line at once.
 */
export const STDOUT_BATCH_BYTES = 64 * 1024;

/**
 * stdout for commands that print a line per item of a list of millions
 * (`mxv check --file`, `mxv show --file`, `mxv watch list`). Into a pipe, Node writes
 * asynchronously: a reader slower than the command (`| jq`, an upload) would
 * have every line buffered in the process. `ready()` says when to hold back:
 * null while the reader keeps up, a promise once the stream's buffer is full,
 * settled when it drains. A reader that goes away (`| head`) ends the process
 * at once, as a Unix filter killed by SIGPIPE does: nothing more can be
 * reported, and the rest of the list need not be worked through.
 * What is gathered but not yet written is at most `batchBytes` plus one line;
 * a command calls `flush()` when it is done, before the process exits.
 */
export class PipedStdout {
  readonly #stream: NodeJS.WriteStream;
  readonly #batchBytes: number;
  #drained: Promise<void> | null = null;
  #pending: string[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;

  constructor(
    stream: NodeJS.WriteStream = process.stdout,
    onReaderGone: () => void = () => process.exit(EXIT_READER_GONE),
    batchBytes: number = stream.isTTY === true ? 0 : STDOUT_BATCH_BYTES,
  ) {
    this.#stream = stream;
    this.#batchBytes = batchBytes;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      onReaderGone();
    });
  }

  write(text: string): void {
    if (this.#batchBytes <= 0) {
      this.#writeNow(text);
      return;
    }
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    if (this.#pendingBytes >= this.#batchBytes) {
      this.flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what has been gathered. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writeNow(text);
  }

  #writeNow(text: string): void {
    if (this.#stream.write(text) || this.#drained !== null) return;
    this.#drained = new Promise<void>((resolve) => {
      this.#stream.once('drain', () => {
        this.#drained = null;
        resolve();
      });
    });
  }

  /** Null while the reader keeps up; otherwise settles once what was written has drained. */
  ready(): Promise<void> | null {
    return this.#drained;
  }
}
