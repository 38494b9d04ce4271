import type * as tls from 'node:tls';
import type { SmtpBehaviour } from './smtp-behaviours.js';
import type { ServerConnection } from './server-connection.js';

export interface SessionConfig {
  hostname: string;
  behaviour: SmtpBehaviour;
  /** Present when the host has a certificate; STARTTLS is offered only then (or when the behaviour fakes it). */
  secureContext: tls.SecureContext | null;
  greetingDelayMs: number;
  /** Added before every reply: a slow server. */
  replyDelayMs: number;
  /** Longest command line read; RFC 5321 4.5.3.1.4 says 512 octets, we allow more. */
  maxLineBytes: number;
}

/** MAIL, RCPT and DATA start a transaction (RFC 5321 3.3); BDAT is DATA's chunked twin (RFC 3030). A checker sends none. */
const FORBIDDEN = new Set(['MAIL', 'RCPT', 'DATA', 'BDAT']);
const DEFAULT_DRIP_MS = 10;
const PREGREET_DELAY_MS = 300;
/** Stands in the command queue for a line over maxLineBytes (a NUL cannot come from the line splitter as a whole line). */
const TOO_LONG = '\u0000too-long';

/** Write `line(i)` for i = 0, 1, … every intervalMs until it gives null, then call done. */
/** Lines written per timer tick when a drip has no interval: a server that floods, not one paced by timer ticks. */
const FLOOD_LINES_PER_TICK = 256;

function drip(conn: ServerConnection, line: (i: number) => string | null, intervalMs: number, done: () => void): void {
  // Timers fire at most once a millisecond (more on a busy machine), so interval 0 writes a batch per tick.
  const perTick = intervalMs === 0 ? FLOOD_LINES_PER_TICK : 1;
  const step = (first: number): void => {
    let text = '';
    for (let i = first; i < first + perTick; i++) {
      const next = line(i);
      if (next === null) {
        if (text !== '') conn.write(text);
        return done();
      }
      text += next;
    }
    conn.write(text);
    conn.later(intervalMs, () => step(first + perTick));
  };
  step(0);
}

function reply(code: number, lines: string[]): string {
  return lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join('');
}

/**
 * The ESMTP side of a simulated host (every behaviour that greets and reads
 * commands). Commands are answered strictly in order, so a pipelining client
 * (RFC 2920) gets its replies in sequence.
 */
export class SmtpSession {
  readonly #conn: ServerConnection;
  readonly #cfg: SessionConfig;
  #partial = '';
  #discarding = false;
  readonly #pending: string[] = [];
  #busy = true; // until the greeting is out
  /** No more command processing: QUIT, STARTTLS handed over, or the host went mute. */
  #halted = false;
  #rejecting = false;

  constructor(conn: ServerConnection, cfg: SessionConfig) {
    this.#conn = conn;
    this.#cfg = cfg;
  }

  start(): void {
    this.#conn.consume((chunk) => this.#read(chunk));
    const b = this.#cfg.behaviour;
    const delay = b.kind === 'pregreet_check' ? (b.greetingDelayMs ?? PREGREET_DELAY_MS) : this.#cfg.greetingDelayMs;
    const greet = (): void => this.#greet();
    if (delay > 0) this.#conn.later(delay, greet);
    else greet();
  }

  #greet(): void {
    const b = this.#cfg.behaviour;
    const name = this.#cfg.hostname;
    const ready = (): void => {
      this.#conn.greetingSent();
      this.#busy = false;
      this.#pump();
    };
    switch (b.kind) {
      case 'greeting_554':
        this.#rejecting = true;
        this.#conn.write(reply(554, [`5.3.2 ${name} No SMTP service here`]), ready);
        return;
      case 'multiline_greeting': {
        const n = Math.max(2, b.lines ?? 3);
        const lines = Array.from({ length: n }, (_, i) =>
          i === 0 ? `${name} ESMTP mxv-testkit` : `line ${i + 1} of a multi-line greeting`,
        );
        this.#conn.write(reply(220, lines), ready);
        return;
      }
      case 'endless_continuation': {
        const total = b.lines;
        drip(
          this.#conn,
          (i) =>
            total === undefined || i < total
              ? `220-${name} continuation line ${i + 1}\r\n`
              : i === total
                ? `220 ${name} ESMTP mxv-testkit\r\n`
                : null,
          b.intervalMs ?? DEFAULT_DRIP_MS,
          ready,
        );
        return;
      }
      case 'esmtp_inspected':
        this.#conn.write(reply(220, [`${name} ESMTP mxv-testkit`.replace(/[^ ]/g, '*')]), ready);
        return;
      default:
        this.#conn.write(reply(220, [`${name} ESMTP mxv-testkit`]), ready);
    }
  }

  #read(chunk: Buffer): void {
    if (this.#halted) return;
    let text = this.#partial + chunk.toString('latin1');
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      const line = text.slice(0, nl).replace(/\r$/, '');
      text = text.slice(nl + 1);
      if (this.#discarding) {
        this.#discarding = false;
        continue;
      }
      this.#pending.push(line.length > this.#cfg.maxLineBytes ? TOO_LONG : line);
    }
    if (text.length > this.#cfg.maxLineBytes) {
      // RFC 5321 4.5.3.1.4: 500 for a line too long; the rest of it is dropped.
      text = '';
      if (!this.#discarding) this.#pending.push(TOO_LONG);
      this.#discarding = true;
    }
    this.#partial = text;
    this.#pump();
  }

  #pump(): void {
    while (!this.#busy && !this.#halted) {
      const line = this.#pending.shift();
      if (line === undefined) return;
      this.#busy = true;
      this.#command(line);
    }
  }

  /** Send a reply after the configured delay, then go on with the next command. */
  #send(text: string, after?: () => void): void {
    const go = (): void =>
      this.#conn.write(text, () => {
        if (after) after();
        else {
          this.#busy = false;
          this.#pump();
        }
      });
    if (this.#cfg.replyDelayMs > 0) this.#conn.later(this.#cfg.replyDelayMs, go);
    else go();
  }

  #offersStarttls(): boolean {
    const k = this.#cfg.behaviour.kind;
    if (this.#conn.secure) return false;
    if (k === 'starttls_refused' || k === 'garbage_after_starttls' || k === 'tls_stall') return true;
    if (k === 'no_starttls' || k === 'ehlo_refused') return false;
    return this.#cfg.secureContext !== null;
  }

  #ehloLines(arg: string): string[] {
    const lines = [`${this.#cfg.hostname} greets ${arg}`, 'PIPELINING', 'SIZE 10240000', '8BITMIME', 'ENHANCEDSTATUSCODES'];
    if (this.#offersStarttls()) lines.push('STARTTLS');
    if (this.#cfg.behaviour.kind === 'esmtp_inspected') {
      // The firewall keeps each keyword's length and numbers what it masked: A, B, ...
      lines.push('CHUNKING');
      let masked = 0;
      return lines.map((line, i) =>
        i > 0 && (line === 'STARTTLS' || line === 'CHUNKING')
          ? `${'X'.repeat(line.length - 1)}${String.fromCharCode(65 + masked++)}`
          : line,
      );
    }
    return lines;
  }

  #command(line: string): void {
    if (line === TOO_LONG) return this.#send(reply(500, ['5.5.2 Line too long']));
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase().slice(0, 16);
    const arg = space === -1 ? '' : line.slice(space + 1).trim();
    this.#conn.rec.commands.push(verb);

    if (verb === 'QUIT') {
      this.#halted = true;
      return this.#send(reply(221, [`2.0.0 ${this.#cfg.hostname} closing connection`]), () => this.#conn.end());
    }
    if (FORBIDDEN.has(verb)) {
      this.#conn.rec.forbiddenCommands.push(verb);
      return this.#send(reply(554, ['5.7.1 mxv testkit: this server accepts no mail']));
    }
    // RFC 5321 3.1: after a 554 greeting, 503 to everything but QUIT.
    if (this.#rejecting) return this.#send(reply(503, ['5.5.1 No SMTP service here']));

    switch (verb) {
      case 'EHLO':
        return this.#ehlo(arg);
      case 'HELO':
        if (arg === '') return this.#send(reply(501, ['5.5.4 Syntax: HELO hostname']));
        return this.#send(reply(250, [this.#cfg.hostname]));
      case 'STARTTLS':
        // The firewall overwrites a command it does not pass with Xs; the server does not know that one.
        if (this.#cfg.behaviour.kind === 'esmtp_inspected')
          return this.#send(reply(502, ['5.5.2 Error: command not recognized']));
        return this.#starttls(arg);
      case 'NOOP':
      case 'RSET':
        return this.#send(reply(250, ['2.0.0 OK']));
      case '':
        return this.#send(reply(500, ['5.5.2 Error: bad syntax']));
      default:
        return this.#send(reply(502, ['5.5.2 Error: command not recognized']));
    }
  }

  #ehlo(arg: string): void {
    const b = this.#cfg.behaviour;
    if (b.kind === 'ehlo_refused') return this.#send(reply(500, ['5.5.1 Command unrecognized: EHLO']));
    if (arg === '') return this.#send(reply(501, ['5.5.4 Syntax: EHLO hostname']));
    if (b.kind === 'ehlo_never_ends') {
      const total = b.lines;
      const name = this.#cfg.hostname;
      drip(
        this.#conn,
        (i) =>
          total === undefined || i < total ? `250-X-FILLER-${i + 1} ${name}\r\n` : i === total ? '250 SIZE 10240000\r\n' : null,
        b.intervalMs ?? DEFAULT_DRIP_MS,
        () => {
          this.#busy = false;
          this.#pump();
        },
      );
      return;
    }
    return this.#send(reply(250, this.#ehloLines(arg)));
  }

  #starttls(arg: string): void {
    const b = this.#cfg.behaviour;
    if (this.#conn.secure) return this.#send(reply(503, ['5.5.1 TLS already active']));
    if (!this.#offersStarttls()) return this.#send(reply(502, ['5.5.1 STARTTLS not available']));
    // RFC 3207 4: STARTTLS takes no parameters.
    if (arg !== '') return this.#send(reply(501, ['5.5.4 Syntax error (no parameters allowed)']));
    if (b.kind === 'starttls_refused') return this.#send(reply(454, ['4.7.0 TLS not available due to temporary reason']));

    // RFC 3207 4.2 (and CVE-2011-0411): plaintext pipelined behind STARTTLS must
    // be thrown away, never read as if it had come over TLS.
    if (this.#pending.length > 0 || this.#partial.length > 0) this.#conn.rec.plaintextAfterStarttls = true;
    this.#pending.length = 0;
    this.#partial = '';
    this.#halted = true;
    const ready = reply(220, ['2.0.0 Ready to start TLS']);

    if (b.kind === 'garbage_after_starttls') {
      // Answer the ClientHello with plain text, as a server whose TLS layer is
      // missing would, so the client meets the garbage inside its handshake.
      let answered = false;
      this.#conn.consume(() => {
        if (answered) return;
        answered = true;
        this.#conn.write('500 5.5.2 Error: command not recognized\r\nthis is not a TLS handshake\r\n');
      });
      return this.#send(ready, () => {});
    }
    if (b.kind === 'tls_stall') {
      this.#conn.consume(null);
      return this.#send(ready, () => {});
    }
    const ctx = this.#cfg.secureContext;
    if (ctx === null) return this.#send(reply(454, ['4.7.0 TLS not available']));
    const upgrade = (): void => {
      // Wrap in the same tick as the 220 is written: the client's ClientHello
      // cannot have been read by the plain socket yet.
      this.#conn.detachPlain();
      this.#conn.write(ready);
      this.#conn.upgrade(ctx, () => {
        this.#halted = false;
        this.#busy = false;
        this.#conn.consume((chunk) => this.#read(chunk));
      });
    };
    if (this.#cfg.replyDelayMs > 0) this.#conn.later(this.#cfg.replyDelayMs, upgrade);
    else upgrade();
  }
}
