import * as net from 'node:net';
import * as tls from 'node:tls';

/** A byte-level client for asserting exactly what a simulated server sends. */
export class RawClient {
  socket: net.Socket | tls.TLSSocket;
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  closed = false;
  error: string | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  static connect(host: string, port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  #attach(s: net.Socket): void {
    s.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      this.#wake();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code ?? err.message;
      this.#wake();
    });
    s.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }

  /** Everything received and not yet taken. */
  get buffer(): Buffer {
    return this.#buf;
  }

  get text(): string {
    return this.#buf.toString('latin1');
  }

  take(): string {
    const t = this.text;
    this.#buf = Buffer.alloc(0);
    return t;
  }

  /** Wait until `done(text)` holds; resolves false on timeout or close. */
  async waitFor(done: (text: string) => boolean, timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.text)) {
      if (this.closed) return done(this.text);
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }

  /** Read one complete SMTP reply (RFC 5321 4.2: last line has a space after the code) and remove it from the buffer. */
  async reply(timeoutMs = 2000): Promise<string | null> {
    const complete = (t: string): number => {
      const m = /(^|\n)\d{3} [^\n]*\n/.exec(t);
      return m ? m.index + m[0].length : -1;
    };
    const ok = await this.waitFor((t) => complete(t) !== -1, timeoutMs);
    if (!ok) return null;
    const end = complete(this.text);
    const out = this.text.slice(0, end);
    this.#buf = this.#buf.subarray(end);
    return out;
  }

  send(line: string): void {
    this.socket.write(line);
  }

  /** Wait for the server to close; "closed", "reset" (ECONNRESET) or "open" after the timeout. */
  async waitClose(timeoutMs = 2000): Promise<'closed' | 'reset' | 'open'> {
    await this.waitFor(() => this.closed, timeoutMs);
    if (!this.closed) return 'open';
    return this.error === 'ECONNRESET' ? 'reset' : 'closed';
  }

  /** Client side of STARTTLS on this connection; resolves with the TLS socket or the error code. */
  startTls(opts: tls.ConnectionOptions): Promise<{ ok: true; socket: tls.TLSSocket } | { ok: false; error: string }> {
    const plain = this.socket as net.Socket;
    plain.removeAllListeners('data');
    return new Promise((resolve) => {
      const s = tls.connect({ ...opts, socket: plain });
      s.once('secureConnect', () => {
        this.socket = s;
        this.#buf = Buffer.alloc(0);
        this.#attach(s);
        resolve({ ok: true, socket: s });
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
