import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { ConnectionLog, ConnectionRecord } from './connection-log.js';

/**
 * The simulated server's side of one accepted connection: the socket in use
 * (plain, then TLS after STARTTLS), the timers that play it (cleared when it
 * closes), and its log record. The SMTP dialogue itself is SmtpSession's (or a
 * raw/hostile behaviour's); this only moves bytes. Not to be confused with the
 * probe's client-side SmtpConnection.
 */
export class ServerConnection {
  readonly raw: net.Socket;
  readonly rec: ConnectionRecord;
  #stream: net.Socket | tls.TLSSocket;
  #consumer: ((chunk: Buffer) => void) | null = null;
  #greetingDone = false;
  #closed = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #onRawData = (chunk: Buffer): void => this.#received(chunk);

  constructor(raw: net.Socket, log: ConnectionLog) {
    this.raw = raw;
    this.#stream = raw;
    this.rec = log.open(raw.remoteAddress ?? '', raw.remotePort ?? 0);
    raw.on('data', this.#onRawData);
    raw.on('error', () => {});
    raw.on('close', () => {
      this.#closed = true;
      for (const t of this.#timers) clearTimeout(t);
      this.#timers.clear();
      log.close(this.rec);
    });
  }

  get closed(): boolean {
    return this.#closed || this.#stream.destroyed;
  }

  get secure(): boolean {
    return this.#stream !== this.raw;
  }

  #received(chunk: Buffer): void {
    this.rec.bytesReceived += chunk.length;
    if (!this.#greetingDone) this.rec.sentBeforeGreeting = true;
    this.#consumer?.(chunk);
  }

  /** Where received bytes go from now on (null: read and drop them). */
  consume(fn: ((chunk: Buffer) => void) | null): void {
    this.#consumer = fn;
  }

  /** Called once the greeting is fully written: bytes from now on are not "pregreet". */
  greetingSent(): void {
    this.#greetingDone = true;
  }

  write(data: string | Buffer, cb?: () => void): void {
    if (this.closed) return;
    this.#stream.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, cb ? () => cb() : undefined);
  }

  /** Half-close after what was written (a polite close). */
  end(): void {
    if (!this.closed) this.#stream.end();
  }

  destroy(): void {
    this.#stream.destroy();
    this.raw.destroy();
  }

  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.#timers.add(t);
  }

  /** Stop reading plaintext and stop counting it: the socket is about to be wrapped. */
  detachPlain(): void {
    this.raw.off('data', this.#onRawData);
    this.#consumer = null;
  }

  /**
   * Server side of the RFC 3207 upgrade on the raw socket. `onSecure` runs once
   * the handshake completed; a failed handshake is recorded and the connection
   * closed.
   */
  upgrade(secureContext: tls.SecureContext, onSecure: () => void): void {
    const secure = new tls.TLSSocket(this.raw, { isServer: true, secureContext, requestCert: false, rejectUnauthorized: false });
    this.#stream = secure;
    secure.on('secure', () => {
      this.rec.tlsEstablished = true;
      secure.on('data', (chunk: Buffer) => this.#received(chunk));
      onSecure();
    });
    secure.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.rec.tlsEstablished) this.rec.tlsError = err.code ?? err.message;
      this.destroy();
    });
    // A client that rejects our certificate sends an alert and closes; Node does
    // not always surface that as an 'error' on a server-side TLSSocket.
    secure.on('close', () => {
      if (!this.rec.tlsEstablished && this.rec.tlsError === null) this.rec.tlsError = 'closed_during_handshake';
    });
  }
}
