import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type IssueOptions, type TestCa } from '@mxv/testkit';
import { certCoversName, inspectTls, splitSubjectAltName, type TlsInspection } from '@mxv/probe';

const DAY_MS = 86_400_000;
const BOUNDS = { maxCertChain: 16, maxStoredTextBytes: 1024 };
let ca: TestCa;
let otherCa: TestCa;
const servers: tls.Server[] = [];

beforeAll(async () => {
  ca = await createTestCa();
  otherCa = await createTestCa({ commonName: 'someone else' });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A TLS server with the issued certificate; the client trusts `ca` only, and judges nothing itself (as the prober does). */
async function handshake(
  issuer: TestCa,
  req: IssueOptions,
  exchange: string,
  trust: TestCa = ca,
  maxCertChain = BOUNDS.maxCertChain,
): Promise<TlsInspection> {
  const leaf = await issuer.issue(req);
  const server = tls.createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (socket) => socket.on('error', () => {}));
  server.on('tlsClientError', () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: exchange,
    ca: [trust.certPem],
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return inspectTls(socket, exchange, { ...BOUNDS, maxCertChain });
  } finally {
    socket.destroy();
  }
}

describe('inspectTls over a real handshake', () => {
  it('describes a valid certificate for the exchange', async () => {
    const { tls: info, certIdentity } = await handshake(
      ca,
      { names: ['mx.inspect.test', 'mx2.inspect.test'] },
      'mx.inspect.test',
    );
    expect(info.certValid).toBe(true);
    expect(info.error).toBeNull();
    expect(info.hostnameMatch).toBe(true);
    expect(info.version).toMatch(/^TLSv1\.[23]$/);
    expect(info.cipher).toMatch(/^TLS_/);
    expect(info.subject).toBe('CN=mx.inspect.test');
    expect(info.issuer).toBe('CN=mxv test root CA');
    expect(info.subjectAltNames).toEqual(['DNS:mx.inspect.test', 'DNS:mx2.inspect.test']);
    expect(info.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(info.chainLength).toBeGreaterThanOrEqual(1);
    expect(Date.parse(info.notAfter ?? '')).toBeGreaterThan(Date.now());
    expect(Date.parse(info.notBefore ?? '')).toBeLessThan(Date.now());
    expect(certIdentity).toEqual({ commonName: 'mx.inspect.test', subjectAltName: 'DNS:mx.inspect.test, DNS:mx2.inspect.test' });
  });

  it('an expired certificate: not valid, the name still judged apart', async () => {
    const notAfter = new Date(Date.now() - DAY_MS);
    const { tls: info } = await handshake(
      ca,
      { names: ['mx.inspect.test'], notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter },
      'mx.inspect.test',
    );
    expect(info.certValid).toBe(false);
    expect(info.error).toBe('CERT_HAS_EXPIRED');
    expect(info.hostnameMatch).toBe(true);
    expect(Math.abs(Date.parse(info.notAfter ?? '') - notAfter.getTime())).toBeLessThan(1000);
  });

  it('a wrong name: valid chain, no name match', async () => {
    const { tls: info } = await handshake(ca, { names: ['other.inspect.test'] }, 'mx.inspect.test');
    expect(info.certValid).toBe(true);
    expect(info.error).toBeNull();
    expect(info.hostnameMatch).toBe(false);
  });

  it('a self-signed certificate', async () => {
    const { tls: info } = await handshake(ca, { names: ['mx.inspect.test'], selfSigned: true }, 'mx.inspect.test');
    expect(info.certValid).toBe(false);
    expect(info.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(info.hostnameMatch).toBe(true);
  });

  it('a certificate from an unknown CA', async () => {
    const { tls: info } = await handshake(otherCa, { names: ['mx.inspect.test'] }, 'mx.inspect.test');
    expect(info.certValid).toBe(false);
    expect(info.error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('walks a chain with intermediates, bounded by maxCertChain', async () => {
    const full = await handshake(ca, { names: ['mx.inspect.test'], intermediates: 2 }, 'mx.inspect.test');
    expect(full.tls.certValid).toBe(true);
    expect(full.tls.chainLength).toBeGreaterThanOrEqual(3);
    const cut = await handshake(ca, { names: ['mx.inspect.test'], intermediates: 2 }, 'mx.inspect.test', ca, 2);
    expect(cut.tls.chainLength).toBe(2);
  });

  it('a wildcard certificate covers one label', async () => {
    const { tls: info, certIdentity } = await handshake(ca, { names: ['*.inspect.test'] }, 'mx.inspect.test');
    expect(info.hostnameMatch).toBe(true);
    expect(certIdentity && certCoversName(certIdentity, 'a.b.inspect.test')).toBe(false);
  });
});

describe('certCoversName', () => {
  const cases: Array<[string, { commonName: string | null; subjectAltName: string | null }, string, boolean]> = [
    ['SAN exact', { commonName: null, subjectAltName: 'DNS:mx.example.test' }, 'mx.example.test', true],
    ['SAN case-insensitive', { commonName: null, subjectAltName: 'DNS:MX.Example.TEST' }, 'mx.example.test', true],
    ['trailing dot on the name', { commonName: null, subjectAltName: 'DNS:mx.example.test' }, 'mx.example.test.', true],
    ['SAN other name', { commonName: null, subjectAltName: 'DNS:mx.example.test' }, 'mx2.example.test', false],
    ['second SAN', { commonName: null, subjectAltName: 'DNS:a.example.test, DNS:mx.example.test' }, 'mx.example.test', true],
    ['wildcard', { commonName: null, subjectAltName: 'DNS:*.example.test' }, 'mx.example.test', true],
    ['wildcard is one label only', { commonName: null, subjectAltName: 'DNS:*.example.test' }, 'a.mx.example.test', false],
    ['CN when there is no SAN', { commonName: 'mx.example.test', subjectAltName: null }, 'mx.example.test', true],
    [
      'CN ignored when a DNS SAN exists (RFC 6125 6.4.4)',
      { commonName: 'mx.example.test', subjectAltName: 'DNS:other.example.test' },
      'mx.example.test',
      false,
    ],
    ['IP SAN for an address', { commonName: null, subjectAltName: 'IP Address:192.0.2.1' }, '192.0.2.1', true],
    ['DNS SAN does not cover an address', { commonName: null, subjectAltName: 'DNS:mx.example.test' }, '192.0.2.1', false],
    ['nothing at all', { commonName: null, subjectAltName: null }, 'mx.example.test', false],
  ];
  it.each(cases)('%s', (_name, identity, name, expected) => {
    expect(certCoversName(identity, name)).toBe(expected);
  });

  it('agrees with the X509Certificate of a real leaf', async () => {
    const leaf = await ca.issue({ names: ['mx.agree.test'] });
    const x509 = new X509Certificate(leaf.certPem);
    const identity = { commonName: 'mx.agree.test', subjectAltName: x509.subjectAltName ?? null };
    expect(certCoversName(identity, 'mx.agree.test')).toBe(x509.checkHost('mx.agree.test') !== undefined);
    expect(certCoversName(identity, 'nope.agree.test')).toBe(false);
  });
});

describe('splitSubjectAltName', () => {
  it.each([
    [null, []],
    ['', []],
    ['DNS:a.test', ['DNS:a.test']],
    ['DNS:a.test, DNS:b.test, IP Address:192.0.2.1', ['DNS:a.test', 'DNS:b.test', 'IP Address:192.0.2.1']],
    ['DNS:"a, b.test", DNS:c.test', ['DNS:"a, b.test"', 'DNS:c.test']],
  ] as Array<[string | null, string[]]>)('%j', (san, expected) => {
    expect(splitSubjectAltName(san)).toEqual(expected);
  });
});
