import { get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/index.js';
import { startTestRedis, TOKEN, waitFor, type TestRedis } from './support.js';

let server: TestRedis;
let api: ApiServer;
let port: number;

// Short bounds so the test runs in seconds; the defaults are the same mechanism with longer times.
const LIMITS = {
  rateLimitPerMinute: 0,
  maxEventStreamsPerClient: 2,
  eventStreamTimeoutMs: 10_000,
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 1_500,
  connectionTimeoutMs: 3_000,
  keepAliveTimeoutMs: 500,
  timeoutCheckIntervalMs: 200,
  eventKeepAliveMs: 1_000,
};

beforeAll(async () => {
  server = await startTestRedis();
  api = await startApiServer({ redis: server.url, prefix: server.prefix('conn'), token: TOKEN, port: 0, limits: LIMITS });
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api?.close();
  await server?.stop();
});

/** Opens a raw socket from `localAddress`, runs `send` on it, and resolves with the ms until the server closed it. */
function msUntilClosed(send: (socket: Socket, closed: () => boolean) => void, localAddress = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let done = false;
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection open for 8 s'));
    }, 8_000);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      done = true;
      clearTimeout(guard);
      resolve(Date.now() - started);
    });
    socket.on('connect', () => send(socket, () => done));
  });
}

/** Writes `text` one byte at a time every `everyMs`, then keeps trickling spaces, until the socket closes. */
function trickle(socket: Socket, closed: () => boolean, text: string, everyMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (closed() || socket.destroyed) return clearInterval(timer);
    socket.write(text[index] ?? ' ');
    index += 1;
  }, everyMs);
}

describe('slow clients are cut (issue 14)', () => {
  it('a client that trickles its headers is cut within headersTimeoutMs (+ the check interval)', async () => {
    const ms = await msUntilClosed((socket, closed) => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      trickle(socket, closed, 'X-Slow: ' + 'a'.repeat(200), 200);
    });
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(LIMITS.headersTimeoutMs + 1_000);
  });

  it('a client that trickles its body is cut within requestTimeoutMs', async () => {
    const ms = await msUntilClosed((socket, closed) => {
      socket.write(
        `POST /v1/checks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
      );
      trickle(socket, closed, '{"domains":["' + 'a'.repeat(990), 200);
    });
    expect(ms).toBeGreaterThanOrEqual(1_400);
    expect(ms).toBeLessThan(LIMITS.requestTimeoutMs + 1_000);
  });

  it('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const ms = await msUntilClosed((socket) => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    // Node closes an idle keep-alive socket one second after keepAliveTimeout (its buffer against racing clients).
    expect(ms).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs);
    expect(ms).toBeLessThan(LIMITS.keepAliveTimeoutMs + 1_000 + 800);
  });

  it('a connection that never sends a byte is closed too (the headers timeout runs from the connection)', async () => {
    const ms = await msUntilClosed(() => undefined);
    expect(ms).toBeLessThan(LIMITS.headersTimeoutMs + 1_000);
  });
});

describe('event streams per client (issue 14)', () => {
  const open = (domain: string, localAddress: string): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: `/v1/domains/${domain}/events`, localAddress, agent: false }, resolve).on(
        'error',
        reject,
      );
    });

  it('one client address holds at most maxEventStreamsPerClient; others still get theirs; a slot comes back on close', async () => {
    const first = await open('s1.test', '127.0.0.1');
    const second = await open('s2.test', '127.0.0.1');
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const third = await open('s3.test', '127.0.0.1');
    expect(third.statusCode).toBe(429);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      third.on('data', (chunk: Buffer) => (text += chunk.toString()));
      third.on('end', () => resolve(text));
    });
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'too_many_client_streams' } });
    expect(third.headers['retry-after']).toBeDefined();

    const elsewhere = await open('s4.test', '127.0.0.2');
    expect(elsewhere.statusCode).toBe(200);

    first.destroy();
    let again: IncomingMessage | null = null;
    await waitFor('a freed slot', async () => {
      again?.destroy();
      again = await open('s5.test', '127.0.0.1');
      return again.statusCode === 200;
    });
    second.destroy();
    elsewhere.destroy();
    (again as IncomingMessage | null)?.destroy();
  });
});
