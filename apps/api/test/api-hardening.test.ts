import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '@mxv/fleet';
import { buildApiApp, ERROR_CODES } from '../src/index.js';
import { sseEvent } from '../src/routes/sse-event.js';
import { sampleResult, startTestRedis, testApi, TOKEN, waitFor, type TestApi, type TestRedis } from './support.js';

// pino is the fleet's dependency, not the API's: reached through the fleet package. Its types are not
// resolvable from here either, so the one call this file makes is typed with the fleet's Logger.
type PinoToStream = (options: { level: string }, stream: Writable) => Logger;
const { pino } = createRequire(new URL('../../../packages/fleet/package.json', import.meta.url))('pino') as {
  pino: PinoToStream;
};

let server: TestRedis;
let api: TestApi;
let base: { host: string; port: number };

/** A marker put in URLs and bodies: no answer may echo it. */
const MARK = 'echo-marker-7f3a';

beforeAll(async () => {
  server = await startTestRedis();
  api = await testApi(server, 'hardening', { bodyLimitBytes: 2_048, maxDomainsPerRequest: 5, eventStreamTimeoutMs: 800 });
  const address = new URL(await api.app.listen({ host: '127.0.0.1', port: 0 }));
  base = { host: address.hostname, port: Number(address.port) };
});
afterAll(async () => {
  await api?.close();
  await server?.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Bytes written as they are on a loopback socket: `inject` cannot send what Node's parser refuses. */
function raw(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(base.port, base.host);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text);
      if (split >= 0 && length && Buffer.byteLength(text.slice(split + 4)) >= Number(length[1])) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(request);
  });
}

const http = (head: string, extra = '', body = ''): string => `${head} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n${body}`;
const auth = `Authorization: Bearer ${TOKEN}\r\n`;

function expectApiError(answer: RawAnswer, status: number, code: keyof typeof ERROR_CODES): void {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(ERROR_CODES[code].status).toBe(status);
  expect(answer.body).not.toContain(MARK);
}

describe('errors raised before a route runs answer in our shape, without echoing the request', () => {
  it('bad percent-encoding: 400 bad_url (JSON), and an HTML page under the lookup page', async () => {
    expectApiError(await raw(http(`GET /v1/domains/${MARK}%E0%A4%A`)), 400, 'bad_url');
    const page = await raw(http(`GET /d/${MARK}%zz`));
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toContain(MARK);
  });

  it('a URL too long: 414 uri_too_long, from Node (past maxHeaderSize) and from the router (maxParamLength)', async () => {
    expectApiError(await raw(http(`GET /v1/domains/${MARK}${'a'.repeat(20_000)}`)), 414, 'uri_too_long');
    expectApiError(await raw(http(`GET /v1/domains/${MARK}${'a'.repeat(4_000)}`)), 414, 'uri_too_long');
  });

  it('headers too large: 431 headers_too_large', async () => {
    expectApiError(await raw(http('GET /healthz', `X-Big: ${MARK}${'a'.repeat(20_000)}\r\n`)), 431, 'headers_too_large');
  });

  it('an unknown method: 501; bytes that are not HTTP: 400 bad_http', async () => {
    expectApiError(await raw(http(`FOO /${MARK}`)), 501, 'method_not_implemented');
    expectApiError(await raw(`GET /${MARK} HTTP/9\r\n\r\n`), 400, 'bad_http');
  });

  it('a known path with another method: 405 with Allow', async () => {
    const deleted = await raw(http('DELETE /v1/domains/a.test'));
    expectApiError(deleted, 405, 'method_not_allowed');
    expect(deleted.headers['allow']).toBe('GET, HEAD');
    const got = await raw(http('GET /v1/checks'));
    expectApiError(got, 405, 'method_not_allowed');
    expect(got.headers['allow']).toBe('POST');
    expectApiError(await raw(http(`GET /v1/${MARK}`)), 404, 'route_not_found');
  });

  it('bodies: a wrong content type 415, too large 413, JSON syntax 400', async () => {
    const post = (type: string, body: string): string =>
      http('POST /v1/checks', `${auth}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`, body);
    expectApiError(await raw(post('text/plain', `{"domains":["${MARK}.test"]}`)), 415, 'unsupported_media_type');
    expectApiError(await raw(post(`application/${MARK}`, '{}')), 415, 'unsupported_media_type');
    expectApiError(await raw(post('application/json', `{"domains":["${'a'.repeat(3_000)}${MARK}"]}`)), 413, 'body_too_large');
    expectApiError(await raw(post('application/json', `{"domains": [${MARK}`)), 400, 'invalid_json');
  });
});

describe('bounded input', () => {
  it('non-finite numbers in a query are 400, not Infinity', async () => {
    for (const value of ['1e309', 'Infinity', '-1e309']) {
      const res = await api.app.inject(`/v1/domains/a.test?refresh=true&maxAge=${value}`);
      expect(res.statusCode, value).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'bad_request' } });
    }
  });

  it('a body is not coerced: a string for the list of domains, a string or an overflowing number for maxAge are 400', async () => {
    const post = (payload: string) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/checks',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload,
      });
    for (const payload of [
      '{"domains":"a.test"}',
      '{"domains":["a.test"],"maxAge":"60"}',
      '{"domains":["a.test"],"maxAge":1e309}',
    ]) {
      const res = await post(payload);
      expect(res.statusCode, payload).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'bad_request' } });
    }
    // The limits still answer with their own code, and a good body still passes.
    const many = await post(JSON.stringify({ domains: Array.from({ length: 6 }, (_, i) => `d${i}.test`) }));
    expect(many.statusCode).toBe(400);
    expect(JSON.parse(many.body)).toMatchObject({ error: { code: 'too_many_domains' } });
    const ok = await post('{"domains":["strict.test"],"maxAge":60}');
    expect(ok.statusCode, ok.body).toBe(200);
  });
});

describe('stored values are validated before they are served', () => {
  const injected = (domain: string): string =>
    `${JSON.stringify(sampleResult(domain, new Date().toISOString())).slice(0, -1)}}\n\nevent: injected\ndata: {"evil":true}`;

  it('JSON answers carry nosniff, successes and errors alike', async () => {
    await api.store.write(sampleResult('sniff.test', new Date().toISOString()));
    for (const url of ['/v1/domains/sniff.test', '/v1/domains/none.test', '/v1/domains/bad..test', '/healthz', '/nowhere']) {
      expect((await api.app.inject(url)).headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('a stored value with line breaks is a 404, never sent; the refusal is counted', async () => {
    await api.redis.set(api.keys.result('broken.test'), injected('broken.test'));
    const res = await api.app.inject('/v1/domains/broken.test');
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('injected');
    const metrics = await api.app.inject('/metrics');
    expect(metrics.body).toMatch(/mxv_api_stored_values_refused_total\{kind="result",reason="line_break"\} [1-9]/);
  });

  it('an SSE stream never relays such a value: no second event, the stream waits for a valid one', async () => {
    const listeners = api.app.mxv.feed.listenerCount;
    const pending = api.app.inject('/v1/domains/stream-broken.test/events');
    await waitFor('the stream to subscribe', () => api.app.mxv.feed.listenerCount === listeners + 1);
    // Stored by "something else", announced with a valid event.
    await api.redis.set(api.keys.result('stream-broken.test'), injected('stream-broken.test'));
    await api.redis.xadd(
      api.keys.events,
      '*',
      'domain',
      'stream-broken.test',
      'verdict',
      'ok',
      'checkedAt',
      new Date().toISOString(),
    );
    const res = await pending;
    expect(res.body).not.toContain('injected');
    expect(res.body).not.toContain('event: result');
    expect(res.body).toMatch(/event: timeout\n/);
  });

  it('sseEvent frames every line of its data, so data cannot start an event', () => {
    expect(sseEvent('result', '{"a":1}', '1-0')).toBe('id: 1-0\nevent: result\ndata: {"a":1}\n\n');
    const framed = sseEvent('result', '{}\n\nevent: injected\r\ndata: x\ry', null);
    expect(framed).toBe('event: result\ndata: {}\ndata: \ndata: event: injected\ndata: data: x\ndata: y\n\n');
    expect(framed.match(/^event:/gm)).toHaveLength(1);
  });
});

describe('expected 503s', () => {
  it('are logged as one warning without a stack (Redis away)', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const app = await buildApiApp({
      redis: `redis://127.0.0.1:${port}`,
      limits: { redisCommandTimeoutMs: 300 },
      logger: pino({ level: 'info' }, sink),
    });
    try {
      expect((await app.inject('/v1/domains/ok.test')).statusCode).toBe(503);
    } finally {
      await app.close();
    }
    const answered = lines.filter((line) => line['msg'] === 'answered 503');
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ level: 40, code: 'redis_unavailable' });
    expect(JSON.stringify(lines)).not.toMatch(/"stack"|\\n\s+at /);
  });

  it('a server that is closing answers 503 shutting_down in our shape', async () => {
    const app = await buildApiApp({ redis: server.url, prefix: server.prefix('closing'), limits: { rateLimitPerMinute: 0 } });
    let duringClose: () => Promise<void> = async () => undefined;
    app.addHook('preClose', async () => duringClose());
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const socket = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    const answered = async (count: number): Promise<void> =>
      waitFor('an answer', () => text.split('HTTP/1.1 ').length - 1 >= count && text.endsWith('}'));
    // A keep-alive connection opened before close(): its next request arrives while the server closes.
    socket.write(http('GET /healthz', 'Connection: keep-alive\r\n'));
    await answered(1);
    duringClose = async () => {
      socket.write(http('GET /healthz', 'Connection: keep-alive\r\n'));
      await answered(2);
    };
    await app.close();
    socket.destroy();
    const second = text.slice(text.lastIndexOf('HTTP/1.1 '));
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second.slice(second.indexOf('\r\n\r\n') + 4)).toBe(
      JSON.stringify({ error: { code: 'shutting_down', message: ERROR_CODES.shutting_down.message } }),
    );
  });
});
