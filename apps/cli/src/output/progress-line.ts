/** A one-line progress counter on stderr, only when stderr is a terminal. */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #lastDrawAt = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
  }

  update(text: string, force = false): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#lastDrawAt < 100) return;
    this.#lastDrawAt = now;
    this.#stream.write(`\r\u001b[2K${text}`);
  }

  clear(): void {
    if (this.#enabled) this.#stream.write('\r\u001b[2K');
  }
}
