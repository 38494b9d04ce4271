import { randomBytes } from 'node:crypto';
import type { SmtpBehaviour } from './smtp-behaviours.js';
import type { SmtpConnection } from './smtp-connection.js';

const TRICKLE_MS = 200;
const GARBAGE_BYTES = 256;
const HUGE_GREETING_BYTES = 1024 * 1024;
/** Time for half a greeting to reach the client before the RST discards anything still queued. */
const RESET_AFTER_MS = 20;

/** TLS 1.2 record: content type 21 (alert), level 2 (fatal), 40 (handshake_failure); RFC 5246 6.2.1, 7.2. */
const TLS_FATAL_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

function httpResponse(): string {
  const body = '<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n';
  return (
    'HTTP/1.1 400 Bad Request\r\n' +
    'Server: nginx\r\n' +
    'Content-Type: text/html\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** Random bytes that surely hold a NUL, bytes never valid in UTF-8, and a cut multi-byte sequence. */
function garbage(n: number): Buffer {
  const buf = randomBytes(Math.max(8, n));
  buf[1] = 0x00;
  buf[2] = 0xff;
  buf[3] = 0xfe;
  buf[buf.length - 1] = 0xc3;
  return buf;
}

/**
 * The behaviours that never hold an SMTP dialogue. Returns false for the
 * behaviours the ESMTP session plays.
 */
export function playRaw(conn: SmtpConnection, b: SmtpBehaviour, hostname: string): boolean {
  switch (b.kind) {
    case 'silent':
      conn.consume(null);
      return true;
    case 'greeting_421':
      conn.write(`421 4.3.2 ${hostname} Service not available, closing transmission channel\r\n`, () => {
        conn.greetingSent();
        conn.end();
      });
      return true;
    case 'close_after_greeting':
      conn.write(`220 ${hostname} ESMTP mxv-testkit\r\n`, () => {
        conn.greetingSent();
        conn.end();
      });
      return true;
    case 'trickle': {
      const text = `220 ${hostname} ESMTP mxv-testkit `;
      const interval = b.intervalMs ?? TRICKLE_MS;
      const step = (i: number): void => {
        conn.write(i < text.length ? text.charAt(i) : '.');
        conn.later(interval, () => step(i + 1));
      };
      step(0);
      return true;
    }
    case 'http': {
      // An HTTP server waits for a request; the SMTP client waits for a greeting.
      let answered = false;
      conn.consume(() => {
        if (answered) return;
        answered = true;
        conn.write(httpResponse(), () => conn.end());
      });
      return true;
    }
    case 'http_banner':
      conn.write(httpResponse(), () => conn.end());
      return true;
    case 'binary_garbage':
      conn.write(garbage(b.bytes ?? GARBAGE_BYTES));
      return true;
    case 'tls_bytes':
      conn.write(TLS_FATAL_ALERT, () => conn.end());
      return true;
    case 'reset_mid_reply':
      conn.write(`220 ${hostname} ESM`, () => conn.later(RESET_AFTER_MS, () => conn.raw.resetAndDestroy()));
      return true;
    case 'huge_greeting':
      conn.write(Buffer.concat([Buffer.from('220 '), Buffer.alloc(b.bytes ?? HUGE_GREETING_BYTES, 'A')]));
      return true;
    default:
      return false;
  }
}
