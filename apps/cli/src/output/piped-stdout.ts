/** 128 + SIGPIPE: what a shell reports for a writer whose reader went away. */
export const EXIT_READER_GONE = 141;

/**
 * stdout for commands that print a line per item of a list of millions
 * (`mxv check --file`, `mxv show --file`, `mxv watch list`). Into a pipe, Node writes
 * asynchronously: a reader slower than the command (`| jq`, an upload) would
 * have every line buffered in the process. `ready()` says when to hold back:
 * null while the reader keeps up, a promise once the stream's buffer is full,
 * settled when it drains. A reader that goes away (`| head`) ends the process
 * at once, as a Unix filter killed by SIGPIPE does: nothing more can be
 * reported, and the rest of the list need not be worked through.
 */
export class PipedStdout {
  readonly #stream: NodeJS.WriteStream;
  #drained: Promise<void> | null = null;

  constructor(stream: NodeJS.WriteStream = process.stdout, onReaderGone: () => void = () => process.exit(EXIT_READER_GONE)) {
    this.#stream = stream;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      onReaderGone();
    });
  }

  write(text: string): void {
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
