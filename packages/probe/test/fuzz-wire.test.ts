import * as net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockAddress, randomIpBlock } from '@mxv/testkit';
import { createAddressPolicy, parseProbeOptions, SmtpHostProber, type SmtpBounds } from '@mxv/probe';

/**
 * Issue 6, "Bad input" over a real socket: a server that sends whatever
 * fast-check makes up (SMTP-looking fragments, raw bytes, any chunking), then
 * closes, resets or goes quiet. The whole probe (reply reader, EHLO parser,
 * STARTTLS decision, classifier) must give a result every time, within the
 * budget, with bounded printable text, and never send a mail command.
 */

const BOUNDS: SmtpBounds = parseProbeOptions({
  smtp: {
    hostBudgetMs: 800,
    connectTimeoutMs: 200,
    greetingTimeoutMs: 150,
    replyTimeoutMs: 150,
    tlsHandshakeTimeoutMs: 150,
    quitTimeoutMs: 30,
    maxReplyLines: 50,
    maxLineBytes: 512,
  },
}).smtp;

interface Script {
  chunks: Buffer[];
  ending: 'end' | 'reset' | 'quiet';
}

const fragment = fc.oneof(
  fc.constantFrom(
    '220 ',
    '220-',
    '250-',
    '250 ',
    '421 ',
    '554 ',
    '\r\n',
    '\n',
    '\r',
    'STARTTLS',
    'HTTP/1.1 200',
    ' ',
    'é',
    '\u0000',
  ),
  fc.stringMatching(/^[2-5][0-9]{2}[ -][A-Za-z .-]{0,30}\r\n$/),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1')),
  fc.integer({ min: 0, max: 700 }).map((n) => 'x'.repeat(n)),
);
const script: fc.Arbitrary<Script> = fc.record({
  chunks: fc.array(
    fc.array(fragment, { maxLength: 12 }).map((parts) => Buffer.from(parts.join(''), 'latin1')),
    {
      maxLength: 6,
    },
  ),
  ending: fc.constantFrom('end', 'reset', 'quiet'),
});

const pending: Script[] = [];
const received: string[] = [];
let server: net.Server;
// net.Server has no closeAllConnections (http.Server's): the open sockets are tracked to close them.
const sockets = new Set<net.Socket>();
let ip: string;
let port: number;
let prober: SmtpHostProber;

beforeAll(async () => {
  ip = blockAddress(`${randomIpBlock()}.${1 + Math.floor(Math.random() * 250)}`, 7);
  server = net.createServer((socket) => {
    const s = pending.shift() ?? { chunks: [], ending: 'end' };
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => received.push(d.toString('latin1')));
    let i = 0;
    const step = (): void => {
      if (socket.destroyed) return;
      const chunk = s.chunks[i++];
      if (chunk !== undefined) {
        socket.write(chunk);
        setImmediate(step);
      } else if (s.ending === 'end') socket.end();
      else if (s.ending === 'reset') socket.resetAndDestroy();
    };
    step();
  });
  await new Promise<void>((resolve) => server.listen(0, ip, () => resolve()));
  port = (server.address() as net.AddressInfo).port;
  const setup = createAddressPolicy(['127.0.0.0/8']);
  if (setup.status !== 'ok') throw new Error(setup.reason);
  prober = new SmtpHostProber({ bounds: BOUNDS, policy: setup.policy });
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
});

describe('probe over a socket that sends anything', () => {
  it('always a result, within the budget, text bounded and clean, no mail command', async () => {
    await fc.assert(
      fc.asyncProperty(script, async (s) => {
        pending.push(s);
        const started = Date.now();
        const probe = await prober.probe({ ip, port, tlsMode: 'starttls', exchange: 'mx.fuzz.test' });
        const elapsed = Date.now() - started;
        expect(elapsed).toBeLessThan(BOUNDS.hostBudgetMs + 300);
        // An RST right after accept can beat the connect's completion: then it is a connect error.
        expect(probe.connect === 'ok' || (probe.connect === 'error' && probe.error === 'connection_reset')).toBe(true);
        expect(probe.error === null || /^[a-z0-9_]+$/.test(probe.error)).toBe(true);
        expect(JSON.parse(JSON.stringify(probe))).toEqual(probe);
        const texts = [probe.banner?.text ?? '', ...(probe.ehlo?.extensions ?? []), ...(probe.ehloTls?.extensions ?? [])];
        for (const text of texts) {
          expect(Buffer.byteLength(text)).toBeLessThanOrEqual(BOUNDS.maxStoredTextBytes);
          expect(text).not.toMatch(/\p{Cc}/u);
        }
        // A 220 is the only greeting that leads to EHLO (RFC 5321 4.2).
        if (probe.ehlo !== null) expect(probe.banner?.code).toBe(220);
      }),
      { numRuns: 150 },
    );
    const verbs = received
      .join('')
      .split(/\r?\n/)
      .map((l) => l.split(' ')[0]?.toUpperCase() ?? '');
    for (const verb of verbs) expect(['', 'EHLO', 'HELO', 'STARTTLS', 'QUIT']).toContain(verb);
  }, 120_000);
});
