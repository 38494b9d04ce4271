import type * as net from 'node:net';
import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import { ownTimeoutError } from '../classify-error.js';
import type { Dialer } from '../net/dialer.js';
import { ReplyReader, type ReplyErrorReason, type ReplyReaderBounds, type SmtpReply } from './reply-reader.js';

/** Why a wait ended without what it waited for. */
export type Interrupted = { status: 'timeout' } | { status: 'budget_exceeded' } | { status: 'aborted' };

/** The end of the stream, as data: the peer closed, or the socket failed (classify `error` with classifyError). */
export type StreamEnd = { status: 'closed' } | { status: 'socket_error'; error: unknown };

export type ReadResult = SmtpReply | { status: 'protocol_error'; reason: ReplyErrorReason } | StreamEnd | Interrupted;

export type SendResult = { status: 'sent' } | { status: 'invalid_command' } | { status: 'closed' };

export type OpenResult =
  | { status: 'connected'; connection: SmtpConnection }
  | { status: 'failed'; error: unknown }
  | { status: 'budget_exceeded' }
  | { status: 'aborted' };

/**
 * The certificate a server sent in a handshake that then failed (an alert after its Certificate message,
 * as OpenSMTPD on OpenSSL 3 sends when its signing fails): read from the socket while OpenSSL still
 * holds it, before the socket is destroyed. Nothing in it was verified.
 */
export interface SentCertificate {
  peer: tls.DetailedPeerCertificate;
  leaf: X509Certificate | undefined;
}

export type UpgradeResult =
  | { status: 'ok'; socket: tls.TLSSocket }
  | { status: 'failed'; error: unknown; sentCertificate?: SentCertificate }
  | { status: 'budget_exceeded' }
  | { status: 'aborted' };

export type TlsConnect = (options: tls.ConnectionOptions) => tls.TLSSocket;

/** The host-level budget: every wait of one conversation ends by `deadline` (same clock as `now`). */
export interface ConversationClock {
  now: () => number;
  deadline: number;
  signal?: AbortSignal;
}

export interface OpenOptions {
  dialer: Dialer;
  host: string;
  port: number;
  connectTimeoutMs: number;
  bounds: ReplyReaderBounds;
  clock: ConversationClock;
}

// Errors after we gave up on a socket (a late RST, a TLS alert during teardown)
// must not become uncaught 'error' events; what matters was already recorded.
const swallow = (): void => {};

/**
 * Wire I/O of one SMTP conversation, apart from the flow (zgrab2's Conn,
 * nodemailer's SMTPConnection): CRLF framing through ReplyReader, one reply at a
 * time, commands out, the STARTTLS upgrade, and timeouts. Every outcome is data;
 * nothing here throws or rejects.
 */
export class SmtpConnection {
  readonly #plain: net.Socket;
  #socket: net.Socket;
  readonly #reader: ReplyReader;
  readonly #clock: ConversationClock;
  #end: StreamEnd | null = null;
  #closed = false;
  #wake: (() => void) | null = null;

  readonly #onData = (chunk: Buffer): void => {
    this.#reader.feed(chunk);
    // Hold further bytes in the kernel while a reply waits to be read: a peer that
    // floods replies costs at most one chunk of parsed output.
    if (this.#reader.hasOutput) this.#socket.pause();
    this.#wake?.();
  };
  readonly #onEnd = (): void => this.#setEnd({ status: 'closed' });
  readonly #onClose = (): void => this.#setEnd({ status: 'closed' });
  readonly #onError = (error: unknown): void => this.#setEnd({ status: 'socket_error', error });

  private constructor(socket: net.Socket, bounds: ReplyReaderBounds, clock: ConversationClock) {
    this.#plain = socket;
    this.#socket = socket;
    this.#reader = new ReplyReader(bounds);
    this.#clock = clock;
    socket.on('error', swallow);
    this.#attach(socket);
  }

  /** Commands now go inside TLS (after STARTTLS, or from the start on an implicit-TLS port). */
  get isTls(): boolean {
    return this.#socket !== this.#plain;
  }

  /**
   * Connect through the dialer (directly or through a proxy), waiting at most
   * connectTimeoutMs and never past the budget.
   */
  static async open(o: OpenOptions): Promise<OpenResult> {
    const { clock } = o;
    if (clock.signal?.aborted) return { status: 'aborted' };
    const remaining = clock.deadline - clock.now();
    if (remaining <= 0) return { status: 'budget_exceeded' };
    const byBudget = remaining <= o.connectTimeoutMs;
    const dialed = await o.dialer.dial({
      host: o.host,
      port: o.port,
      timeoutMs: Math.min(o.connectTimeoutMs, remaining),
      ...(clock.signal ? { signal: clock.signal } : {}),
    });
    switch (dialed.status) {
      case 'connected':
        // Listeners go on before any macrotask runs, so bytes the peer sent
        // along with the connection (or a proxy's reply) are not missed.
        return { status: 'connected', connection: new SmtpConnection(dialed.socket, o.bounds, clock) };
      case 'timeout':
        // No answer yet: the budget ended the wait, or the connect timeout did.
        return byBudget ? { status: 'budget_exceeded' } : { status: 'failed', error: ownTimeoutError('connect') };
      case 'failed':
      case 'aborted':
        return dialed;
    }
  }

  /** The next whole reply, waiting at most timeoutMs (and never past the budget). */
  readReply(timeoutMs: number): Promise<ReadResult> {
    if (!this.#reader.hasOutput && !this.#closed) this.#socket.resume();
    return this.#wait<ReadResult>(timeoutMs, () => {
      const output = this.#reader.next();
      if (output) return output.status === 'error' ? { status: 'protocol_error', reason: output.reason } : output;
      return this.#end;
    });
  }

  /** Send one command line; CRLF is added here, and a line holding CR or LF is refused (no command injection). */
  send(line: string): SendResult {
    if (/[\r\n]/.test(line)) return { status: 'invalid_command' };
    if (this.#closed || this.#end || this.#socket.destroyed || !this.#socket.writable) return { status: 'closed' };
    // A failed write surfaces as an 'error' event (EPIPE, ECONNRESET) and ends the stream.
    this.#socket.write(`${line}\r\n`);
    return { status: 'sent' };
  }

  /**
   * The STARTTLS upgrade (RFC 3207), nodemailer's recipe: detach from the plain
   * socket, hand it to tls.connect, wait for the handshake, listen on the TLS
   * socket. The reader starts afresh: RFC 3207 4.2 says the client must discard
   * any knowledge obtained from the server before TLS, and bytes that arrived in
   * clear after the 220 are exactly what a STARTTLS injection attack plants
   * (CVE-2011-0411).
   */
  async upgradeToTls(options: tls.ConnectionOptions, timeoutMs: number, tlsConnect: TlsConnect): Promise<UpgradeResult> {
    if (this.#closed) return { status: 'failed', error: Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }) };
    if (this.#end) return { status: 'failed', error: this.#endError(this.#end) };
    this.#detach(this.#plain);
    this.#reader.reset();

    let secure: tls.TLSSocket;
    try {
      secure = tlsConnect({ ...options, socket: this.#plain });
    } catch (error) {
      return { status: 'failed', error };
    }
    this.#socket = secure;
    secure.on('error', swallow);

    let state: { status: 'ok' } | StreamEnd | null = null;
    let sentCertificate: SentCertificate | null = null;
    const onSecure = (): void => {
      state = { status: 'ok' };
      this.#wake?.();
    };
    // Read at the failure itself: once the socket is destroyed, OpenSSL's session (and the certificate) is gone.
    const onFail = (error: unknown): void => {
      sentCertificate ??= readSentCertificate(secure);
      state ??= { status: 'socket_error', error };
      this.#wake?.();
    };
    const onClose = (): void => {
      sentCertificate ??= readSentCertificate(secure);
      state ??= { status: 'closed' };
      this.#wake?.();
    };
    secure.once('secureConnect', onSecure);
    secure.on('error', onFail);
    secure.once('close', onClose);
    const outcome = await this.#wait(timeoutMs, () => state);
    secure.removeListener('secureConnect', onSecure);
    secure.removeListener('error', onFail);
    secure.removeListener('close', onClose);

    switch (outcome.status) {
      case 'ok':
        if (this.#closed)
          return { status: 'failed', error: Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }) };
        this.#attach(secure);
        return { status: 'ok', socket: secure };
      case 'timeout':
        sentCertificate ??= readSentCertificate(secure);
        return { status: 'failed', error: ownTimeoutError('tls'), ...withSent(sentCertificate) };
      case 'closed':
      case 'socket_error':
        return { status: 'failed', error: this.#endError(outcome), ...withSent(sentCertificate) };
      default:
        return outcome;
    }
  }

  /** Destroy the socket(s) and detach; safe to call any number of times. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach(this.#socket);
    if (this.#socket !== this.#plain) this.#detach(this.#plain);
    this.#socket.destroy();
    this.#plain.destroy();
    this.#setEnd({ status: 'closed' });
  }

  #attach(socket: net.Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  #detach(socket: net.Socket): void {
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('close', this.#onClose);
    socket.removeListener('error', this.#onError);
  }

  #setEnd(end: StreamEnd): void {
    this.#end ??= end;
    this.#wake?.();
  }

  #endError(end: StreamEnd): unknown {
    return end.status === 'socket_error' ? end.error : Object.assign(new Error('connection closed'), { code: 'ECONNRESET' });
  }

  /**
   * Wait until poll() has something, up to timeoutMs, the conversation's
   * deadline, or an abort, whichever comes first. Only one wait runs at a time
   * (the flow is a straight line), so one wake-up slot is enough.
   */
  #wait<T extends { status: string }>(timeoutMs: number, poll: () => T | null): Promise<T | Interrupted> {
    const ready = poll();
    if (ready) return Promise.resolve(ready);
    const { signal } = this.#clock;
    if (signal?.aborted) return Promise.resolve({ status: 'aborted' });
    const remaining = this.#clock.deadline - this.#clock.now();
    if (remaining <= 0) return Promise.resolve({ status: 'budget_exceeded' });
    const byBudget = remaining <= timeoutMs;

    return new Promise((resolve) => {
      let done = false;
      const finish = (value: T | Interrupted): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#wake = null;
        resolve(value);
      };
      const onAbort = (): void => finish({ status: 'aborted' });
      const timer = setTimeout(
        () => finish(byBudget ? { status: 'budget_exceeded' } : { status: 'timeout' }),
        Math.max(0, Math.min(timeoutMs, remaining)),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        const value = poll();
        if (value) finish(value);
      };
    });
  }
}

/** The server's certificate, if its Certificate message came before the handshake failed; null otherwise. */
function readSentCertificate(socket: tls.TLSSocket): SentCertificate | null {
  try {
    // Before getPeerX509Certificate: on Node 20 that call empties the socket's peer chain for both afterwards.
    const peer = socket.getPeerCertificate(true);
    if (!peer || Object.keys(peer).length === 0) return null;
    return { peer, leaf: socket.getPeerX509Certificate() };
  } catch {
    return null;
  }
}

function withSent(sent: SentCertificate | null): { sentCertificate?: SentCertificate } {
  return sent === null ? {} : { sentCertificate: sent };
}
