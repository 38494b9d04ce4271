import type { ServerConnection } from './server-connection.js';

/**
 * Hostile servers the base behaviours do not cover: an SMTP dialogue that is
 * well framed (CRLF, reply codes) but whose text is poison for a client that
 * trusts it to be ASCII, as servers on port 25 in the wild send.
 */
export type HostileBehaviour =
  /**
   * A 220 greeting and a 250 EHLO reply with NUL bytes, bytes never valid in
   * UTF-8 (0xFF, 0xFE, a lone continuation byte, a cut sequence) and other C0
   * controls in their text; QUIT gets 221, anything else 502. STARTTLS is not
   * offered: "STARTTLS" only appears with a NUL glued to it.
   */
  { kind: 'dirty_text' };

export type HostileBehaviourKind = HostileBehaviour['kind'];

export const HOSTILE_BEHAVIOUR_KINDS: readonly HostileBehaviourKind[] = ['dirty_text'];

const NUL = '\u0000';
/** Latin-1 code points written as single bytes: 0xFF 0xFE 0x80 are never valid UTF-8, 0xC3 opens a sequence it does not finish. */
const BAD_UTF8 = '\u00ff\u00fe\u0080\u00c3';

function dirtyGreeting(hostname: string): string {
  return `220 ${hostname}${NUL} ESMTP ${BAD_UTF8} \u0007\u001b[31mred\r\n`;
}

function dirtyEhlo(hostname: string): string {
  return (
    [`250-${hostname} ${NUL}${BAD_UTF8}`, `250-X-${NUL}NUL-INSIDE`, `250-STARTTLS${NUL}`, '250 8BITMIME'].join('\r\n') + '\r\n'
  );
}

/** Lines of the client, CRLF or LF framed; a line longer than `max` is answered as an error. */
function lineReader(onLine: (line: string) => void, max = 4096): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString('latin1');
    let at: number;
    while ((at = partial.indexOf('\n')) !== -1) {
      onLine(partial.slice(0, at).replace(/\r$/, ''));
      partial = partial.slice(at + 1);
    }
    if (partial.length > max) {
      partial = '';
      onLine('');
    }
  };
}

/** Plays the hostile behaviours; false for every other kind (played elsewhere). */
export function playHostile(conn: ServerConnection, b: { kind: string }, hostname: string): boolean {
  if (b.kind !== 'dirty_text') return false;
  // Reading starts at once so an early command is recorded (and answered) in order, not lost.
  conn.consume(
    lineReader((line) => {
      const verb = (line.split(' ')[0] ?? '').toUpperCase();
      conn.rec.commands.push(verb);
      if (verb === 'MAIL' || verb === 'RCPT' || verb === 'DATA' || verb === 'BDAT') conn.rec.forbiddenCommands.push(verb);
      if (verb === 'EHLO') conn.write(dirtyEhlo(hostname));
      else if (verb === 'QUIT') conn.write(`221 2.0.0 ${NUL}bye${BAD_UTF8}\r\n`, () => conn.end());
      else conn.write('502 5.5.2 not here\r\n');
    }),
  );
  conn.write(dirtyGreeting(hostname), () => conn.greetingSent());
  return true;
}
