import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa } from '@mxv/testkit';
import { classifyError, ownTimeoutError, type ClassifiedError, type ProbePhase } from '@mxv/probe';

// Real error objects, produced on loopback, so the table follows what Node actually emits.
const real: Record<string, unknown> = {};
const servers: net.Server[] = [];

const sockets = new Set<net.Socket>();

function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function firstError(socket: net.Socket): Promise<unknown> {
  return new Promise((resolve) => {
    socket.once('error', (error) => {
      socket.destroy();
      resolve(error);
    });
  });
}

/** Node's own shape for a syscall error, for codes that cannot be produced on loopback. */
function sysError(code: string, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 192.0.2.1:25`), {
    code,
    errno: -1,
    syscall,
    address: '192.0.2.1',
    port: 25,
  });
}

beforeAll(async () => {
  // ECONNREFUSED: a port that was just closed.
  const closed = net.createServer();
  const closedPort = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  real.refused = await firstError(net.connect({ host: '127.0.0.1', port: closedPort }));

  // ECONNRESET: the server answers with an RST.
  const resetPort = await listen(net.createServer((socket) => socket.resetAndDestroy()));
  const resetClient = net.connect({ host: '127.0.0.1', port: resetPort });
  real.reset = await firstError(resetClient);

  // A plain-text server where TLS was expected: OpenSSL's "wrong version number".
  const plainPort = await listen(net.createServer((socket) => socket.write('220 not tls\r\n')));
  real.wrongVersion = await firstError(tls.connect({ host: '127.0.0.1', port: plainPort, rejectUnauthorized: false }));

  // The server hangs up on the ClientHello.
  const hangupPort = await listen(net.createServer((socket) => socket.once('data', () => socket.destroy())));
  real.handshakeHangup = await firstError(tls.connect({ host: '127.0.0.1', port: hangupPort, rejectUnauthorized: false }));

  // A TLS alert: the server speaks TLS 1.3 only, the client 1.2 at most.
  const ca = await createTestCa();
  const leaf = await ca.issue({ names: ['mx.classify.test'] });
  const tlsServer = tls.createServer({ key: leaf.keyPem, cert: leaf.chainPem, minVersion: 'TLSv1.3' }, () => {});
  tlsServer.on('tlsClientError', () => {});
  const alertPort = await listen(tlsServer);
  real.alert = await firstError(
    tls.connect({ host: '127.0.0.1', port: alertPort, rejectUnauthorized: false, maxVersion: 'TLSv1.2' }),
  );

  real.abort = AbortSignal.abort().reason;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('classifyError', () => {
  const cases: Array<[string, () => unknown, ProbePhase, ClassifiedError]> = [
    ['refused (real)', () => real.refused, 'connect', { connect: 'refused', reason: 'connect_refused', detail: 'econnrefused' }],
    [
      'our connect timeout',
      () => ownTimeoutError('connect'),
      'connect',
      { connect: 'timeout', reason: 'connect_timeout', detail: 'etimedout' },
    ],
    [
      'kernel connect timeout',
      () => sysError('ETIMEDOUT'),
      'connect',
      { connect: 'timeout', reason: 'connect_timeout', detail: 'etimedout' },
    ],
    [
      'ENETUNREACH',
      () => sysError('ENETUNREACH'),
      'connect',
      { connect: 'unreachable', reason: 'connect_unreachable', detail: 'enetunreach' },
    ],
    [
      'EHOSTUNREACH',
      () => sysError('EHOSTUNREACH'),
      'connect',
      { connect: 'unreachable', reason: 'connect_unreachable', detail: 'ehostunreach' },
    ],
    [
      'EADDRNOTAVAIL',
      () => sysError('EADDRNOTAVAIL'),
      'connect',
      { connect: 'unreachable', reason: 'connect_unreachable', detail: 'eaddrnotavail' },
    ],
    [
      'ENETDOWN',
      () => sysError('ENETDOWN'),
      'connect',
      { connect: 'unreachable', reason: 'connect_unreachable', detail: 'enetdown' },
    ],
    [
      'reset while connecting (real)',
      () => real.reset,
      'connect',
      { connect: 'error', reason: 'connection_reset', detail: 'econnreset' },
    ],
    [
      'EACCES while connecting',
      () => sysError('EACCES'),
      'connect',
      { connect: 'error', reason: 'connect_error', detail: 'eacces' },
    ],
    ['not even an Error', () => 'boom', 'connect', { connect: 'error', reason: 'connect_error' }],
    ['abort while connecting', () => real.abort, 'connect', { connect: 'error', reason: 'aborted' }],
    ['reset in the greeting (real)', () => real.reset, 'greeting', { reason: 'connection_reset', detail: 'econnreset' }],
    ['reset after EHLO', () => real.reset, 'ehlo', { reason: 'connection_reset', detail: 'econnreset' }],
    ['EPIPE', () => sysError('EPIPE', 'write'), 'ehlo', { reason: 'broken_pipe', detail: 'epipe' }],
    ['greeting timeout', () => ownTimeoutError('greeting'), 'greeting', { reason: 'greeting_timeout', detail: 'etimedout' }],
    ['unknown error in STARTTLS', () => new Error('weird'), 'starttls', { reason: 'starttls_error' }],
    [
      'wrong version number (real)',
      () => real.wrongVersion,
      'tls',
      { reason: 'tls_handshake_failed', detail: 'wrong_version_number' },
    ],
    ['alert (real)', () => real.alert, 'tls', { reason: 'tls_handshake_failed', detail: 'tlsv1_alert_protocol_version' }],
    [
      'hang-up during the handshake (real)',
      () => real.handshakeHangup,
      'tls',
      { reason: 'tls_handshake_failed', detail: 'econnreset' },
    ],
    ['handshake timeout', () => ownTimeoutError('tls'), 'tls', { reason: 'tls_timeout', detail: 'etimedout' }],
    ['TLS error after the handshake', () => real.wrongVersion, 'ehlo', { reason: 'tls_error', detail: 'wrong_version_number' }],
    [
      'old-style EPROTO',
      () => Object.assign(new Error('write EPROTO ssl3_read_bytes:sslv3 alert bad certificate'), { code: 'EPROTO' }),
      'quit',
      { reason: 'tls_error', detail: 'eproto' },
    ],
    ['null', () => null, 'quit', { reason: 'quit_error' }],
  ];

  it.each(cases)('%s', (_name, make, phase, expected) => {
    expect(classifyError(make(), phase)).toEqual(expected);
  });

  it('keeps details short and machine-readable', () => {
    const long = Object.assign(new Error('x'), { code: `ERR_SSL_${'VERY_LONG_'.repeat(20)}` });
    const { detail } = classifyError(long, 'tls');
    expect(detail).toMatch(/^[a-z0-9_]{1,48}$/);
  });
});

describe('classifyDnsSocketError', () => {
  it.each([
    ['ECONNREFUSED', 'connection_refused'],
    ['ECONNRESET', 'connection_refused'],
    ['ENETUNREACH', 'unreachable'],
    ['EHOSTUNREACH', 'unreachable'],
    ['EMFILE', 'socket_error'],
    ['', 'socket_error'],
  ])('%s → %s', async (code, reason) => {
    const { classifyDnsSocketError } = await import('@mxv/probe');
    expect(classifyDnsSocketError(Object.assign(new Error('x'), { code }))).toBe(reason);
  });
});
