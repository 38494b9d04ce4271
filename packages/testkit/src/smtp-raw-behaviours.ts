import type { SmtpBehaviour } from './smtp-behaviours.js';
import type { ServerConnection } from './server-connection.js';
import { seededRandom } from './worlds/seeded-random.js';

const TRICKLE_MS = 200;
const GARBAGE_BYTES = 256;
const HUGE_GREETING_BYTES = 1024 * 1024;
/**
 * Time for half a greeting to be read before the RST. Too short and a busy
 * client sees the RST before its connect completes (SO_ERROR is ECONNRESET), or
 * the kernel drops the unread bytes with the connection: no longer "mid-reply".
 */
const RESET_AFTER_MS = 250;
/** postscreen's greet wait, shortened: how long the `220-` teaser stands before the 521 that ends it. */
const DNSBL_TEASER_MS = 200;

/** TLS 1.2 record: content type 21 (alert), level 2 (fatal), 40 (handshake_failure); RFC 5246 6.2.1, 7.2. */
const TLS_FATAL_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

function httpResponse(): string {
  const body =
    '<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n';
  return (
    'HTTP/1.1 400 Bad Request\r\n' +
    'Server: nginx\r\n' +
    'Content-Type: text/html\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * Pseudo-random bytes, the same on every run (so a failure reproduces), that
 * open with a NUL and bytes never valid in UTF-8 (0xFF, 0xFE, a lone
 * continuation byte) and end in a cut multi-byte sequence.
 */
function garbage(n: number): Buffer {
  const rand = seededRandom(n);
  const buf = Buffer.alloc(Math.max(8, n));
  for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256);
  buf.set([0x00, 0xff, 0xfe, 0x80], 0);
  buf[buf.length - 1] = 0xc3;
  return buf;
}

/**
 * The behaviours that never hold an SMTP dialogue. Returns false for the
 * behaviours the ESMTP session plays.
 */
export function playRaw(conn: ServerConnection, b: SmtpBehaviour, hostname: string): boolean {
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
    case 'dnsbl_drop':
      conn.write(`220-${hostname} ESMTP Postfix\r\n`);
      conn.later(b.teaserMs ?? DNSBL_TEASER_MS, () => {
        const client = conn.raw.remoteAddress ?? '';
        const zone = b.zone ?? 'zen.dnsbl.example';
        conn.write(`521 5.7.1 Service unavailable; client [${client}] blocked using ${zone}\r\n`, () => {
          conn.greetingSent();
          conn.end();
        });
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
      conn.write(`220 ${hostname} ESM`, () => conn.later(b.afterMs ?? RESET_AFTER_MS, () => conn.raw.resetAndDestroy()));
      return true;
    case 'huge_greeting':
      conn.write(Buffer.concat([Buffer.from('220 '), Buffer.alloc(b.bytes ?? HUGE_GREETING_BYTES, 'A')]));
      return true;
    default:
      return false;
  }
}
