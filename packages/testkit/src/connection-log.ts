import { peakPerWindow } from './peaks.js';

/** What one SMTP host saw of one TCP connection. Times are epoch ms. */
export interface ConnectionRecord {
  id: number;
  remoteAddress: string;
  remotePort: number;
  openedAt: number;
  closedAt: number | null;
  /** Command verbs in arrival order, upper case (EHLO, STARTTLS, QUIT, ...). */
  commands: string[];
  /** The client sent bytes before the greeting was complete (Postfix postscreen's pregreet test). */
  sentBeforeGreeting: boolean;
  /** MAIL, RCPT, DATA or BDAT received: a checker must never send them. */
  forbiddenCommands: string[];
  /** Plaintext arrived after STARTTLS and before the handshake (the CVE-2011-0411 injection pattern). */
  plaintextAfterStarttls: boolean;
  /** A TLS handshake completed on this connection. */
  tlsEstablished: boolean;
  /** Why a TLS handshake failed, when it did. */
  tlsError: string | null;
  bytesReceived: number;
}

/** The connection records of one host, with the counters politeness checks need. */
export class ConnectionLog {
  readonly records: ConnectionRecord[] = [];
  #current = 0;
  #peak = 0;
  #nextId = 1;

  open(remoteAddress: string, remotePort: number, now = Date.now()): ConnectionRecord {
    const rec: ConnectionRecord = {
      id: this.#nextId++,
      remoteAddress,
      remotePort,
      openedAt: now,
      closedAt: null,
      commands: [],
      sentBeforeGreeting: false,
      forbiddenCommands: [],
      plaintextAfterStarttls: false,
      tlsEstablished: false,
      tlsError: null,
      bytesReceived: 0,
    };
    this.records.push(rec);
    this.#current++;
    if (this.#current > this.#peak) this.#peak = this.#current;
    return rec;
  }

  close(rec: ConnectionRecord, now = Date.now()): void {
    if (rec.closedAt !== null) return;
    rec.closedAt = now;
    this.#current--;
  }

  get total(): number {
    return this.records.length;
  }

  get current(): number {
    return this.#current;
  }

  /** Most connections open at the same moment. */
  get peakConcurrent(): number {
    return this.#peak;
  }

  /** Most connections opened within any window of `windowMs` (a half-open interval [t, t + windowMs)). */
  peakNewPerWindow(windowMs = 1000): number {
    return peakPerWindow(
      this.records.map((r) => r.openedAt),
      windowMs,
    );
  }

  /** Every forbidden command any client sent, with the connection it came on. */
  forbidden(): Array<{ id: number; command: string }> {
    return this.records.flatMap((r) => r.forbiddenCommands.map((command) => ({ id: r.id, command })));
  }

  clear(): void {
    // Open connections stay counted in `current`; only the history goes.
    this.records.length = 0;
    this.#peak = this.#current;
  }
}
