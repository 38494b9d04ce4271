import { createSecureContext, createServer, type SecureContext, type Server, type TLSSocket } from 'node:tls';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAddressPolicy,
  restrictIpFamilies,
  defaultsOf,
  DirectDialer,
  HttpsStsPolicyFetcher,
  parseProxyUrl,
  Socks5Dialer,
  type Dialer,
  POLICY_BOUNDS,
  type AddressPolicy,
  type DnsAnswer,
  type DnsRecord,
  type DnsResolver,
} from '@mxv/probe';
import { createTestCa, startSocks5Server, type Socks5ServerHandle, type TestCa } from '@mxv/testkit';

/**
 * The policy fetch against exact bytes (RFC 8461 3.3 over RFC 9112 HTTP/1.1):
 * a raw TLS server on loopback answers each `mta-sts.<case>.test` (told apart
 * by SNI) with the response of that case, the way nginx, Apache, Caddy, S3 and
 * the CDNs in front of them write it.
 */

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 3600\r\n';
const FETCH_TIMEOUT_MS = 1_500;
const MAX_POLICY_BYTES = defaultsOf(POLICY_BOUNDS).mtaStsMaxPolicyBytes;

type Play = (socket: TLSSocket) => void;

/** Writes the bytes and closes, as a server that answers `Connection: close` does. */
const send =
  (...parts: Array<string | Buffer>): Play =>
  (socket) => {
    for (const part of parts) socket.write(part);
    socket.end();
  };

function chunked(body: string, size: number): string {
  let out = '';
  for (let at = 0; at < body.length; at += size) {
    const piece = body.slice(at, at + size);
    out += `${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`;
  }
  return out;
}

const OK_HEAD = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(POLICY)}\r\n\r\n`;
const GZIPPED = gzipSync(Buffer.from(POLICY));
const DEFLATED = deflateSync(Buffer.from(POLICY));
const RAW_DEFLATED = deflateRawSync(Buffer.from(POLICY));

const CASES: Record<string, Play> = {
  request: send(OK_HEAD, POLICY),
  // RFC 9112 7.1.1/7.1.2: chunk extensions are ignored, trailer fields may follow the last chunk.
  chunked: send(
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n',
    chunked(POLICY, 7).replace(/^7\r\n/, '7;name=value;quoted="a b"\r\n'),
    '0;last\r\nX-Checksum: abc\r\n\r\n',
  ),
  // RFC 9112 6.3 item 7: neither Content-Length nor chunked: the body runs to the close.
  untilclose: send('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n', POLICY),
  http10: send('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n', POLICY),
  // A keep-alive server that does not close after the response: the body ends at Content-Length.
  keepalive: (socket) => socket.write(OK_HEAD.replace('\r\n\r\n', '\r\nConnection: keep-alive\r\n\r\n') + POLICY),
  headercase: send(`HTTP/1.1 200 OK\r\nCONTENT-TYPE: Text/Plain\r\ncontent-length: ${Buffer.byteLength(POLICY)}\r\n\r\n`, POLICY),
  // RFC 9112 5.2: a user agent MUST replace an obs-fold in a response with SP.
  obsfold: send(OK_HEAD.replace('\r\n\r\n', '\r\nX-Folded: first\r\n  second\r\n\r\n'), POLICY),
  // RFC 9112 4: the reason phrase may be empty.
  noreason: send(OK_HEAD.replace('200 OK', '200 '), POLICY),
  // RFC 9110 15.2: any number of 1xx before the final response.
  continue: send('HTTP/1.1 100 Continue\r\n\r\n', OK_HEAD, POLICY),
  earlyhints: send('HTTP/1.1 103 Early Hints\r\nLink: </x.css>; rel=preload\r\n\r\n', OK_HEAD, POLICY),
  // S3 serves an object stored with Content-Encoding metadata as it is, whatever the request asked.
  gzip: send(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${GZIPPED.length}\r\n\r\n`,
    GZIPPED,
  ),
  gzipbomb: (socket) => {
    const bomb = gzipSync(Buffer.alloc(10 * MAX_POLICY_BYTES, 'a'));
    send(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
      bomb,
    )(socket);
  },
  brokengzip: send('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd'),
  // RFC 9110 8.4.1.3: x-gzip is gzip; `identity` is no coding at all.
  xgzip: send(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: x-gzip\r\nContent-Length: ${GZIPPED.length}\r\n\r\n`,
    GZIPPED,
  ),
  identity: send(OK_HEAD.replace('\r\n\r\n', '\r\nContent-Encoding: identity\r\n\r\n'), POLICY),
  // RFC 9110 8.4.1.2: deflate is the zlib format; some servers send the raw stream, which aiohttp takes too.
  deflate: send(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: deflate\r\nContent-Length: ${DEFLATED.length}\r\n\r\n`,
    DEFLATED,
  ),
  rawdeflate: send(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: deflate\r\nContent-Length: ${RAW_DEFLATED.length}\r\n\r\n`,
    RAW_DEFLATED,
  ),
  deflatebomb: (socket) => {
    const bomb = deflateSync(Buffer.alloc(10 * MAX_POLICY_BYTES, 'a'));
    socket.end(
      Buffer.concat([
        Buffer.from(
          `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: deflate\r\nContent-Length: ${bomb.length}\r\n\r\n`,
        ),
        bomb,
      ]),
    );
  },
  brotli: send('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\nabcd'),
  compress: send('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: compress\r\nContent-Length: 4\r\n\r\nabcd'),
  hugechunked: (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = 'a'.repeat(16_384);
    for (let i = 0; i < 8; i++) socket.write(chunked(piece, piece.length));
    socket.end('0\r\n\r\n');
  },
  hugedeclared: send(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${MAX_POLICY_BYTES + 1}\r\n\r\n`),
  // Promised more than it sent: a cut-off policy is no policy.
  truncated: send(OK_HEAD.replace(/Content-Length: \d+/, 'Content-Length: 500'), POLICY),
  truncatedchunked: send('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n', chunked(POLICY, 7)),
  endlessheaders: (socket) => {
    socket.write('HTTP/1.1 200 OK\r\n');
    let lines = 0;
    const pump = (): void => {
      while (!socket.destroyed && lines < 100_000) {
        lines += 1;
        if (!socket.write(`X-Filler-${lines}: ${'x'.repeat(100)}\r\n`)) return void socket.once('drain', pump);
      }
    };
    pump();
  },
  dripheaders: (socket) => {
    const bytes = Buffer.from(OK_HEAD + POLICY);
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || at >= bytes.length) return clearInterval(timer);
      socket.write(bytes.subarray(at, at + 1));
      at += 1;
    }, 50);
    socket.on('close', () => clearInterval(timer));
  },
  notfound: send('HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n'),
  moved: send('HTTP/1.1 308 Permanent Redirect\r\nLocation: https://mta-sts.request.test/x\r\nContent-Length: 0\r\n\r\n'),
  servererror: send('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'),
  v6: send(OK_HEAD, POLICY),
  wild: send(OK_HEAD, POLICY),
  deep: send(OK_HEAD, POLICY),
  tls12: send(OK_HEAD, POLICY),
  tls13: send(OK_HEAD, POLICY),
  tls11: send(OK_HEAD, POLICY),
  cname: send(OK_HEAD, POLICY),
  mixed: send(OK_HEAD, POLICY),
  failover: send(OK_HEAD, POLICY),
  failovernone: send(OK_HEAD, POLICY),
};

interface Seen {
  requests: Map<string, string>;
  connections: Map<string, string[]>;
}

let ca: TestCa;
let servers: Server[] = [];
let port = 0;
/** Servers that speak only one TLS version, by case name. */
const versionPorts = new Map<string, number>();
const seen: Seen = { requests: new Map(), connections: new Map() };

function answer(status: DnsAnswer['status'], records: DnsRecord[]): DnsAnswer {
  return { status, records, authenticated: false, usedTcp: false, server: null, elapsedMs: 0, error: null };
}

/** A: 127.0.0.1 for every case but the ones about addresses. */
const resolver: DnsResolver = {
  query: async (name, type) => {
    const a = (address: string, owner = name): DnsRecord => ({ type: 'A', name: owner, ttl: 60, address });
    if (name === 'mta-sts.v6.test') {
      return type === 'AAAA' ? answer('NOERROR', [{ type: 'AAAA', name, ttl: 60, address: '::1' }]) : answer('NODATA', []);
    }
    if (type !== 'A') return answer('NODATA', []);
    if (name === 'mta-sts.cname.test') {
      // The alias points at a loopback address the policy does not allow: an SSRF attempt through a CNAME.
      return answer('NOERROR', [
        { type: 'CNAME', name, ttl: 60, target: 'internal.elsewhere.test' },
        a('127.0.0.2', 'internal.elsewhere.test'),
      ]);
    }
    if (name === 'mta-sts.mixed.test') return answer('NOERROR', [a('127.0.0.2'), a('127.0.0.1')]);
    // 127.0.0.3 is allowed but nothing listens there: refused, and the next address answers.
    if (name === 'mta-sts.failover.test') return answer('NOERROR', [a('127.0.0.3'), a('127.0.0.1')]);
    if (name === 'mta-sts.failovernone.test') return answer('NOERROR', [a('127.0.0.3'), a('127.0.0.4')]);
    return answer('NOERROR', [a('127.0.0.1')]);
  },
};

function policy(): AddressPolicy {
  const setup = createAddressPolicy(['127.0.0.1/32', '127.0.0.3/32', '127.0.0.4/32', '::1/128']);
  if (setup.status !== 'ok') throw new Error(setup.reason);
  return setup.policy;
}

function fetcher(at = port, ipFamilies: Array<4 | 6> = [4, 6], dialer?: Dialer): HttpsStsPolicyFetcher {
  return new HttpsStsPolicyFetcher({
    resolver,
    policy: restrictIpFamilies(policy(), ipFamilies),
    bounds: { ...defaultsOf(POLICY_BOUNDS), mtaStsFetchTimeoutMs: FETCH_TIMEOUT_MS },
    extraCaPem: [ca.certPem],
    port: at,
    ...(dialer ? { dialer } : {}),
  });
}

function throughProxy(url: string): HttpsStsPolicyFetcher {
  const proxy = parseProxyUrl(url);
  if (proxy.status !== 'ok') throw new Error(proxy.reason);
  return fetcher(port, [4, 6], new Socks5Dialer(proxy.proxy, new DirectDialer()));
}

async function listen(server: Server, host: string, at: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, host, () => resolve());
  });
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  ca = await createTestCa();
  const plain = Object.keys(CASES).filter((name) => name !== 'wild' && name !== 'deep');
  const cert = await ca.issue({ names: plain.map((name) => `mta-sts.${name}.test`) });
  // RFC 6125 6.4.3: a wildcard stands for the whole left-most label, and for one label only.
  const byName = new Map<string, SecureContext>();
  for (const [name, names] of [
    ['mta-sts.wild.test', ['*.wild.test']],
    ['mta-sts.deep.test', ['*.test']],
  ] as const) {
    const issued = await ca.issue({ names: [...names] });
    byName.set(name, createSecureContext({ cert: issued.chainPem, key: issued.keyPem }));
  }
  const make = (tls: { minVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.1' | 'TLSv1.2' } = {}): Server => {
    const server = createServer(
      {
        cert: cert.chainPem,
        key: cert.keyPem,
        ...tls,
        // OpenSSL 3 refuses TLS 1.1 at its default security level even when asked for it.
        ...(tls.maxVersion === 'TLSv1.1' ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
        SNICallback: (name, done) => done(null, byName.get(name)),
      },
      (socket) => {
        const name = socket.servername || '';
        seen.connections.set(name, [...(seen.connections.get(name) ?? []), socket.localAddress ?? '']);
        let request = '';
        let played = false;
        socket.on('error', () => undefined);
        socket.on('data', (data: Buffer) => {
          request += data.toString('latin1');
          if (played || !request.includes('\r\n\r\n')) return;
          played = true;
          seen.requests.set(name, request);
          const play = CASES[/^mta-sts\.([^.]+)\.test$/.exec(name)?.[1] ?? ''];
          if (play) play(socket);
          else socket.destroy();
        });
      },
    );
    server.on('tlsClientError', () => undefined);
    return server;
  };
  const v4 = make();
  port = await listen(v4, '127.0.0.1', 0);
  const v6 = make();
  await listen(v6, '::1', port);
  servers = [v4, v6];
  for (const [name, tls] of [
    ['tls11', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' }],
    ['tls12', { maxVersion: 'TLSv1.2' }],
    ['tls13', { minVersion: 'TLSv1.3' }],
  ] as const) {
    const server = make(tls);
    versionPorts.set(name, await listen(server, '127.0.0.1', 0));
    servers.push(server);
  }
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
        }),
    ),
  );
});

describe('the request (RFC 8461 3.3, RFC 9112 3)', () => {
  it('is one GET of the well-known path with Host mta-sts.<domain> and no port', async () => {
    expect(await fetcher().fetch('request.test')).toEqual({ status: 'ok', body: POLICY });
    const request = seen.requests.get('mta-sts.request.test') ?? '';
    const lines = request.split('\r\n');
    expect(lines[0]).toBe('GET /.well-known/mta-sts.txt HTTP/1.1');
    const headers = lines.slice(1).filter((line) => line !== '');
    expect(headers.filter((line) => /^host:/i.test(line))).toEqual(['Host: mta-sts.request.test']);
  });

  it('accepts gzip and deflate, as senders\' HTTP clients do (aiohttp: "gzip, deflate"): a host keeping only mta-sts.txt.gz serves them', async () => {
    await fetcher().fetch('request.test');
    const headers = (seen.requests.get('mta-sts.request.test') ?? '').split('\r\n');
    expect(headers.filter((line) => /^accept-encoding:/i.test(line))).toEqual(['Accept-Encoding: gzip, deflate']);
  });
});

describe('HTTP/1.1 responses as servers write them (RFC 9112)', () => {
  it.each(['chunked', 'untilclose', 'http10', 'keepalive', 'headercase', 'noreason', 'continue', 'earlyhints'])(
    '%s → the policy',
    async (name) => {
      const started = performance.now();
      expect(await fetcher().fetch(`${name}.test`)).toEqual({ status: 'ok', body: POLICY });
      // Done at the end of the body, not at the deadline (keep-alive).
      expect(performance.now() - started).toBeLessThan(FETCH_TIMEOUT_MS);
    },
  );

  it.each(['gzip', 'xgzip', 'identity', 'deflate', 'rawdeflate'])(
    '%s: decodes the content coding, as senders whose HTTP client decodes it do',
    async (name) => {
      expect(await fetcher().fetch(`${name}.test`)).toEqual({ status: 'ok', body: POLICY });
    },
  );

  // Known gap: RFC 9112 5.2 says a user agent MUST replace an obs-fold in a response with SP, but Node's
  // llhttp refuses it (HPE_INVALID_HEADER_TOKEN) and its only switch, insecureHTTPParser, turns on every
  // leniency at once. No server we know of folds header lines. This test passes while the gap is there.
  it.fails('obsfold → the policy (RFC 9112 5.2; not done: fetch_http_malformed)', async () => {
    expect(await fetcher().fetch('obsfold.test')).toEqual({ status: 'ok', body: POLICY });
  });

  it.each([
    ['gzipbomb', 'fetch_too_large'],
    ['compress', 'fetch_content_encoding'],
    ['brotli', 'fetch_content_encoding'],
    ['deflatebomb', 'fetch_too_large'],
    ['brokengzip', 'fetch_content_encoding'],
    ['hugechunked', 'fetch_too_large'],
    ['hugedeclared', 'fetch_too_large'],
    ['truncated', 'fetch_connection_reset'],
    ['truncatedchunked', 'fetch_connection_reset'],
    ['endlessheaders', 'fetch_headers_too_large'],
    ['notfound', 'fetch_http_404'],
    ['moved', 'fetch_redirect'],
    ['servererror', 'fetch_http_503'],
  ])('%s → %s', async (name, error) => {
    const started = performance.now();
    expect(await fetcher().fetch(`${name}.test`)).toEqual({ status: 'failed', error });
    expect(performance.now() - started).toBeLessThan(FETCH_TIMEOUT_MS);
  });

  it('gives up on headers dripped a byte at a time at the deadline', async () => {
    const started = performance.now();
    expect(await fetcher().fetch('dripheaders.test')).toEqual({ status: 'failed', error: 'fetch_timeout' });
    expect(performance.now() - started).toBeLessThan(FETCH_TIMEOUT_MS + 1_000);
  });
});

describe('the certificate and TLS (RFC 8461 3.3, RFC 6125)', () => {
  it.each([
    ['wild', { status: 'ok', body: POLICY }],
    ['deep', { status: 'failed', error: 'fetch_tls_name_mismatch' }],
  ])('%s → %j', async (name, outcome) => {
    expect(await fetcher().fetch(`${name}.test`)).toEqual(outcome);
  });

  it.each([
    ['tls12', { status: 'ok', body: POLICY }],
    ['tls13', { status: 'ok', body: POLICY }],
    // RFC 8996: TLS 1.0 and 1.1 are deprecated; Node's client does not offer them.
    ['tls11', { status: 'failed', error: 'fetch_tls_failed' }],
  ])('%s → %j', async (name, outcome) => {
    expect(await fetcher(versionPorts.get(name)).fetch(`${name}.test`)).toEqual(outcome);
  });
});

describe('the address fetched from (SSRF guard)', () => {
  it('fetches over IPv6, Host still the bare name', async () => {
    expect(await fetcher().fetch('v6.test')).toEqual({ status: 'ok', body: POLICY });
    expect(seen.connections.get('mta-sts.v6.test')).toEqual(['::1']);
    expect(seen.requests.get('mta-sts.v6.test')).toContain('\r\nHost: mta-sts.v6.test\r\n');
  });

  it('--ip-families 4: a policy host with IPv6 addresses only is not connected to (blocked_address); 6: its IPv6 address is', async () => {
    const before = seen.connections.get('mta-sts.v6.test')?.length ?? 0;
    expect(await fetcher(port, [4]).fetch('v6.test')).toEqual({ status: 'failed', error: 'blocked_address' });
    expect(seen.connections.get('mta-sts.v6.test')?.length ?? 0).toBe(before);
    expect(await fetcher(port, [6]).fetch('v6.test')).toEqual({ status: 'ok', body: POLICY });
    expect(await fetcher(port, [6]).fetch('mixed.test')).toEqual({ status: 'failed', error: 'blocked_address' });
  });

  it('does not follow a CNAME to an address the policy blocks', async () => {
    expect(await fetcher().fetch('cname.test')).toEqual({ status: 'failed', error: 'blocked_address' });
    expect(seen.connections.get('mta-sts.cname.test')).toBeUndefined();
  });

  it('of a blocked and an allowed address, connects to the allowed one only', async () => {
    expect(await fetcher().fetch('mixed.test')).toEqual({ status: 'ok', body: POLICY });
    expect(seen.connections.get('mta-sts.mixed.test')).toEqual(['127.0.0.1']);
  });

  it("an address that refuses is followed by the next one, as senders' HTTP clients do", async () => {
    expect(await fetcher().fetch('failover.test')).toEqual({ status: 'ok', body: POLICY });
    expect(seen.connections.get('mta-sts.failover.test')).toEqual(['127.0.0.1']);
    // All refused: the last refusal is the answer.
    expect(await fetcher().fetch('failovernone.test')).toEqual({ status: 'failed', error: 'fetch_connect_refused' });
  });
});

describe('through --proxy (SOCKS5): the policy host sees the proxy, never the checker', () => {
  let proxy: Socks5ServerHandle;
  beforeAll(async () => {
    proxy = await startSocks5Server({ host: '127.0.0.9', behaviour: { kind: 'relay' } });
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('fetches through the proxy, to the address it resolved and checked (never a name), SNI and Host the policy name', async () => {
    const before = proxy.requests.length;
    expect(await throughProxy(proxy.url).fetch('gzip.test')).toEqual({ status: 'ok', body: POLICY });
    expect(proxy.requests.slice(before)).toEqual([`127.0.0.1:${port}`]);
    // The server saw the connection from the proxy, with SNI (it answered by name) and the bare Host.
    expect(seen.requests.get('mta-sts.gzip.test')).toContain('\r\nHost: mta-sts.gzip.test\r\n');
  });

  it('checks the certificate against the policy name through the proxy too', async () => {
    expect(await throughProxy(proxy.url).fetch('deep.test')).toEqual({ status: 'failed', error: 'fetch_tls_name_mismatch' });
    expect(await throughProxy(proxy.url).fetch('notfound.test')).toEqual({ status: 'failed', error: 'fetch_http_404' });
  });

  it('an address the proxy reports refused (SOCKS5 reply 5) is followed by the next one; all refused is that reply', async () => {
    expect(await throughProxy(proxy.url).fetch('failover.test')).toEqual({ status: 'ok', body: POLICY });
    expect(await throughProxy(proxy.url).fetch('failovernone.test')).toEqual({
      status: 'failed',
      error: 'fetch_proxy_refused:5',
    });
  });

  it('blocked addresses never reach the proxy', async () => {
    const before = proxy.connections;
    expect(await throughProxy(proxy.url).fetch('cname.test')).toEqual({ status: 'failed', error: 'blocked_address' });
    expect(proxy.connections).toBe(before);
  });

  it("a proxy that is down or refuses is named as the proxy's failure, not the policy host's", async () => {
    const connectionsBefore = seen.connections.get('mta-sts.request.test')?.length ?? 0;
    // Nothing listens on 127.0.0.9:9.
    expect(await throughProxy('socks5://127.0.0.9:9').fetch('request.test')).toEqual({
      status: 'failed',
      error: 'fetch_proxy_unreachable',
    });
    const refusing = await startSocks5Server({ host: '127.0.0.9', behaviour: { kind: 'refuse', code: 2 } });
    try {
      // Reply 2 (not allowed by the proxy's rules) says nothing of the host: no next address is tried.
      expect(await throughProxy(refusing.url).fetch('failover.test')).toEqual({
        status: 'failed',
        error: 'fetch_proxy_refused:2',
      });
      expect(refusing.requests).toHaveLength(1);
    } finally {
      await refusing.stop();
    }
    expect(seen.connections.get('mta-sts.request.test')?.length ?? 0).toBe(connectionsBefore);
  });

  it("a proxy that never answers is the proxy's timeout, within the fetch's time; a caller's abort stays fetch_timeout", async () => {
    const stalled = await startSocks5Server({ host: '127.0.0.9', behaviour: { kind: 'stall' } });
    try {
      const startedAt = performance.now();
      expect(await throughProxy(stalled.url).fetch('request.test')).toEqual({ status: 'failed', error: 'fetch_proxy_timeout' });
      expect(performance.now() - startedAt).toBeLessThan(FETCH_TIMEOUT_MS + 1_000);
      expect(await throughProxy(stalled.url).fetch('request.test', AbortSignal.timeout(200))).toEqual({
        status: 'failed',
        error: 'fetch_timeout',
      });
    } finally {
      await stalled.stop();
    }
  });
});
