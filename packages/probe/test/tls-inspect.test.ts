import { createHash, X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type IssuedCert, type IssueOptions, type TestCa } from '@mxv/testkit';
import { certCoversName, inspectTls, splitSubjectAltName, type TlsInspectBounds, type TlsInspection } from '@mxv/probe';
import { certificateNamesText, describeCertificateError } from '@mxv/schema/values';
import { matchTlsa } from '../src/dane/match-tlsa.js';
import type { TlsaCandidate } from '../src/dane/tlsa-lookup.js';
import { TrustAnchors } from '../src/smtp/trust-anchors.js';

const DAY_MS = 86_400_000;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const BOUNDS: TlsInspectBounds = {
  maxCertChain: 16,
  maxStoredAltNames: 100,
  maxStoredTextBytes: 1024,
  maxIssuerlessCertBytes: 16_384,
};
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
  bounds: Partial<TlsInspectBounds> = {},
  sent: { order?: (blocks: string[]) => string[]; anchors?: TrustAnchors } = {},
): Promise<TlsInspection> {
  return serve(await issuer.issue(req), exchange, trust, bounds, sent);
}

/** handshake() with a certificate already issued; `sent.order` rearranges the chain the server sends. */
async function serve(
  leaf: IssuedCert,
  exchange: string,
  trust: TestCa = ca,
  bounds: Partial<TlsInspectBounds> = {},
  sent: { order?: (blocks: string[]) => string[]; anchors?: TrustAnchors } = {},
): Promise<TlsInspection> {
  const chainPem = (sent.order ?? ((blocks) => blocks))(leaf.chainPem.match(PEM_BLOCK) ?? []).join('\n');
  const server = tls.createServer({ key: leaf.keyPem, cert: chainPem }, (socket) => socket.on('error', () => {}));
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
    return inspectTls(socket, exchange, { ...BOUNDS, ...bounds }, Date.now(), sent.anchors);
  } finally {
    socket.destroy();
  }
}

describe('inspectTls over a real handshake', () => {
  it('a certificate with 1,400 names: 100 kept (the rest counted), the name check reading them all', async () => {
    const names = Array.from({ length: 1400 }, (_, i) => `tenant${i}.hosting.test`);
    const { tls: info } = await handshake(ca, { names }, 'tenant1399.hosting.test');
    expect(info.hostnameMatch).toBe(true);
    expect(info.subjectAltNames).toHaveLength(100);
    expect(info.subjectAltNames?.[99]).toBe('DNS:tenant99.hosting.test');
    expect(info.subjectAltNamesOmitted).toBe(1300);
    expect(certificateNamesText(info, 2)).toBe('tenant0.hosting.test, tenant1.hosting.test and 1398 more');
    const few = await handshake(ca, { names: ['mx.few.test'] }, 'mx.few.test', ca, { maxStoredAltNames: 1 });
    expect(few.tls.subjectAltNames).toEqual(['DNS:mx.few.test']);
    expect(few.tls).not.toHaveProperty('subjectAltNamesOmitted');
  });

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
    expect(info.failedCertificate).toMatchObject({ depth: 0, subject: 'CN=mx.inspect.test' });
    expect(describeCertificateError(info.error, info)?.what).toBe('the certificate has expired');
  });

  it('a valid certificate under an expired intermediate: the date error is about depth 1, and the words say to replace the intermediate', async () => {
    const notAfter = new Date(Date.now() - 2 * DAY_MS);
    const { tls: info } = await handshake(
      ca,
      {
        names: ['mx.inspect.test'],
        intermediates: 1,
        intermediateValidity: { notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter },
      },
      'mx.inspect.test',
    );
    expect(info).toMatchObject({ certValid: false, hostnameMatch: true, error: 'CERT_HAS_EXPIRED' });
    // The server's own certificate is within its dates.
    expect(Date.parse(info.notAfter ?? '')).toBeGreaterThan(Date.now());
    expect(info.failedCertificate).toEqual({
      depth: 1,
      subject: 'CN=mxv test intermediate 1',
      notBefore: expect.any(String) as unknown,
      notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000).toISOString(),
    });
    const words = describeCertificateError(info.error, info);
    expect(words?.what).toBe(
      `the chain's intermediate certificate 1 (CN=mxv test intermediate 1) expired on ${notAfter.toISOString().slice(0, 10)}`,
    );
    expect(words?.fix).toMatch(/^the server sends an out-of-date intermediate: replace it with the one the CA issues now/);
  });

  it('a chain whose intermediate is not valid yet: the date error is about depth 1', async () => {
    const notBefore = new Date(Date.now() + 5 * DAY_MS);
    const { tls: info } = await handshake(
      ca,
      {
        names: ['mx.inspect.test'],
        intermediates: 1,
        intermediateValidity: { notBefore, notAfter: new Date(Date.now() + 400 * DAY_MS) },
      },
      'mx.inspect.test',
    );
    expect(info.error).toBe('CERT_NOT_YET_VALID');
    expect(info.failedCertificate).toMatchObject({ depth: 1, subject: 'CN=mxv test intermediate 1' });
    expect(describeCertificateError(info.error, info)?.what).toBe(
      `the chain's intermediate certificate 1 (CN=mxv test intermediate 1) is not valid before ${notBefore.toISOString().slice(0, 10)}`,
    );
  });

  it('an unknown extension marked critical: Node says UNSPECIFIED, mxv names it as OpenSSL does (verify error 34), with words', async () => {
    const { tls: info } = await handshake(ca, { names: ['mx.inspect.test'], unknownCriticalExtension: true }, 'mx.inspect.test');
    expect(info).toMatchObject({ certValid: false, hostnameMatch: true, error: 'UNHANDLED_CRITICAL_EXTENSION' });
    expect(info).not.toHaveProperty('errorText');
    expect(describeCertificateError(info.error, info)?.what).toMatch(/extension marked critical/);
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

  it("a self-signed certificate past its date (Nodemailer smtp-server's built-in one): OpenSSL says expired, the words say both", async () => {
    const { tls: info } = await handshake(
      ca,
      {
        names: ['mx.inspect.test'],
        selfSigned: true,
        notBefore: new Date(Date.now() - 10 * DAY_MS),
        notAfter: new Date(Date.now() - DAY_MS),
      },
      'mx.inspect.test',
    );
    expect(info.error).toBe('CERT_HAS_EXPIRED');
    const words = describeCertificateError(info.error, info);
    expect(words?.what).toBe('the certificate has expired, and it is self-signed');
    expect(words?.fix).toMatch(/^renewing it would not be enough: no sender can verify it against a CA/);
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
    const cut = await handshake(ca, { names: ['mx.inspect.test'], intermediates: 2 }, 'mx.inspect.test', ca, { maxCertChain: 2 });
    expect(cut.tls.chainLength).toBe(2);
  });

  it('a wildcard certificate covers one label', async () => {
    const { tls: info, certIdentity } = await handshake(ca, { names: ['*.inspect.test'] }, 'mx.inspect.test');
    expect(info.hostnameMatch).toBe(true);
    expect(certIdentity && certCoversName(certIdentity, 'a.b.inspect.test')).toBe(false);
  });
});

/** A DANE-TA record (2 1 1) for `cert`'s public key. */
function spkiTaRecord(cert: X509Certificate): TlsaCandidate {
  const data = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const dataSha256 = createHash('sha256').update(Buffer.from(data, 'hex')).digest('hex');
  return { usage: 2, selector: 1, matchingType: 1, data, dataSha256 };
}

describe('a chain sent out of order (RFC 8446 4.4.2 allows it; OpenSSL builds the path from it all the same)', () => {
  const exchange = 'mx.order.test';
  /** Leaf, then the intermediate the root issued, then the one that issued the leaf: Node's own walk stops after the leaf's issuer. */
  const outOfOrder = (blocks: string[]): string[] => [blocks[0] ?? '', ...blocks.slice(1).reverse()];
  const inspect = (req: IssueOptions, order?: (blocks: string[]) => string[]) =>
    handshake(ca, req, exchange, ca, {}, { anchors: new TrustAnchors([ca.certPem]), ...(order ? { order } : {}) });

  it('walked whole, leaf to root, as when sent in order: the same length and signatures', async () => {
    const req = { names: [exchange], intermediates: 2 };
    const inOrder = await inspect(req);
    const reordered = await inspect(req, outOfOrder);
    expect(inOrder.tls.chainLength).toBe(4);
    expect(reordered.tls).toMatchObject({ certValid: true, error: null, chainLength: 4 });
    expect(reordered.tls.chainSignatures).toEqual(inOrder.tls.chainSignatures);
    expect(reordered.chainDigests?.map((digest) => [digest.leafChains, digest.sent])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [true, false],
    ]);
  });

  it('an expired intermediate above the cut is the one named (depth 2), not a certificate below it', async () => {
    const notAfter = new Date(Date.now() - 30 * DAY_MS);
    const reordered = await inspect(
      { names: [exchange], intermediates: 2, intermediateValidity: { notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter } },
      outOfOrder,
    );
    expect(reordered.tls.error).toBe('CERT_HAS_EXPIRED');
    expect(reordered.tls.failedCertificate).toMatchObject({ depth: 2, subject: 'CN=mxv test intermediate 1' });
  });

  it('a DANE-TA record for the root-side intermediate matches, as Postfix finds it', async () => {
    const leaf = await ca.issue({ names: [exchange], intermediates: 2 });
    const top = (leaf.chainPem.match(PEM_BLOCK) ?? [])
      .map((pem) => new X509Certificate(pem))
      .find((cert) => cert.subject === 'CN=mxv test intermediate 1');
    if (top === undefined) throw new Error('no intermediate 1 in the chain');
    const record = spkiTaRecord(top);
    const inspection = await serve(leaf, exchange, ca, {}, { order: outOfOrder, anchors: new TrustAnchors([ca.certPem]) });
    expect(matchTlsa([record], inspection.chainDigests ?? [], () => true)).not.toBeNull();
  });

  it('a certificate sent twice is walked past: the chain and what was sent are as without the repeat', async () => {
    const req = { names: [exchange], intermediates: 2 };
    const twice = (blocks: string[]): string[] => {
      const [leaf, leafIssuer, top] = blocks;
      return [leaf ?? '', top ?? '', top ?? '', leafIssuer ?? ''];
    };
    const repeated = await inspect(req, twice);
    expect(repeated.tls).toMatchObject({ certValid: true, chainLength: 4 });
    expect(repeated.chainDigests?.map((digest) => digest.sent)).toEqual([true, true, true, false]);
  });

  it("the trusted root's cross-signature sent between the leaf and its issuer: matched as sent, as in order (a DANE-TA record on the root's key)", async () => {
    const leaf = await ca.issue({ names: [exchange], intermediates: 1, crossSignedRoot: { signatureHash: 'SHA-256' } });
    const record = spkiTaRecord(new X509Certificate(ca.certPem));
    const anchors = new TrustAnchors([ca.certPem]);
    const inOrder = await serve(leaf, exchange, ca, {}, { anchors });
    const reordered = await serve(leaf, exchange, ca, {}, { order: outOfOrder, anchors });
    expect(reordered.tls.chainLength).toBe(inOrder.tls.chainLength);
    expect(reordered.chainDigests?.map((digest) => digest.sent)).toEqual(inOrder.chainDigests?.map((digest) => digest.sent));
    expect(matchTlsa([record], inOrder.chainDigests ?? [], () => true)).not.toBeNull();
    expect(matchTlsa([record], reordered.chainDigests ?? [], () => true)).not.toBeNull();
  });

  it('an expired leaf under an expired cross-signature of the trusted root: the leaf is named (depth 0), as OpenSSL ends the path at the trusted root', async () => {
    const expired = await inspect({
      names: [exchange],
      intermediates: 1,
      notBefore: new Date(Date.now() - 60 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
      crossSignedRoot: { signatureHash: 'SHA-256', notAfter: new Date(Date.now() - 30 * DAY_MS) },
    });
    expect(expired.tls.error).toBe('CERT_HAS_EXPIRED');
    expect(expired.tls.failedCertificate).toMatchObject({ depth: 0 });
  });
});

describe('a chain whose root is left out, and DANE-TA records carrying it whole (RFC 7671 5.2.2)', () => {
  const exchange = 'mx.bare.test';
  /** A TLSA record of usage 2 for `of`'s certificate (selector 0) or key (selector 1), whole or as SHA-256. */
  function taRecord(of: TestCa, selector: 0 | 1, matchingType: 0 | 1): TlsaCandidate {
    const cert = new X509Certificate(of.certPem);
    const selected = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
    const sha256 = createHash('sha256').update(selected).digest('hex');
    const data = matchingType === 0 ? selected.toString('hex') : sha256;
    return {
      usage: 2,
      selector,
      matchingType,
      data,
      dataSha256: createHash('sha256').update(Buffer.from(data, 'hex')).digest('hex'),
    };
  }
  const matches = (inspection: TlsInspection, record: TlsaCandidate, named = true): boolean =>
    matchTlsa([record], inspection.chainDigests ?? [], () => named) !== null;

  it('keeps the DER of the last certificate only when nothing in the chain issued it', async () => {
    const bare = await handshake(ca, { names: [exchange], intermediates: 1 }, exchange, otherCa);
    const digests = bare.chainDigests ?? [];
    expect(digests.map((digest) => digest.issuerlessDer !== undefined)).toEqual([false, true]);
    // The root in the trust store: Node ends the chain with it, and a root has nothing above it to look for.
    const trusted = await handshake(ca, { names: [exchange], intermediates: 1 }, exchange, ca);
    expect(trusted.chainDigests?.length).toBe(3);
    expect(trusted.chainDigests?.some((digest) => digest.issuerlessDer !== undefined)).toBe(false);
  });

  it('2 1 0 and 2 0 0 of the missing root match, as Postfix finds; other anchors, digests and names do not', async () => {
    const bare = await handshake(ca, { names: [exchange], intermediates: 1 }, exchange, otherCa);
    expect(matches(bare, taRecord(ca, 1, 0))).toBe(true);
    expect(matches(bare, taRecord(ca, 0, 0))).toBe(true);
    expect(matches(bare, taRecord(otherCa, 1, 0))).toBe(false);
    expect(matches(bare, taRecord(otherCa, 0, 0))).toBe(false);
    // A digest cannot stand for a certificate the server did not send (RFC 7672 3.1.2).
    expect(matches(bare, taRecord(ca, 1, 1))).toBe(false);
    expect(matches(bare, taRecord(ca, 0, 1))).toBe(false);
    // The leaf must still name the exchange (RFC 7672 3.2.3).
    expect(matches(bare, taRecord(ca, 1, 0), false)).toBe(false);
    // Data that is no key or certificate anchors nothing.
    for (const data of ['deadbeef', '30'.repeat(40)]) {
      expect(matches(bare, { usage: 2, selector: 1, matchingType: 0, data, dataSha256: '' })).toBe(false);
      expect(matches(bare, { usage: 2, selector: 0, matchingType: 0, data, dataSha256: '' })).toBe(false);
    }
  });

  it('the root sent by no one but signing the leaf directly: the leaf is what it must have signed', async () => {
    const leafOnly = await handshake(ca, { names: [exchange] }, exchange, otherCa);
    expect(leafOnly.chainDigests?.map((digest) => digest.issuerlessDer !== undefined)).toEqual([true]);
    expect(matches(leafOnly, taRecord(ca, 1, 0))).toBe(true);
    // Out of its dates, the leaf cannot be authenticated through an anchor (RFC 7671 5.2.1: DANE-TA keeps date checks).
    const expired = await handshake(
      ca,
      { names: [exchange], notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) },
      exchange,
      otherCa,
    );
    expect(expired.chainDigests?.[0]?.issuerlessDer).toBeUndefined();
    expect(matches(expired, taRecord(ca, 1, 0))).toBe(false);
  });

  it('a certificate over maxIssuerlessCertBytes is not kept, and cannot match so', async () => {
    const bare = await handshake(ca, { names: [exchange], intermediates: 1 }, exchange, otherCa, { maxIssuerlessCertBytes: 64 });
    expect(bare.chainDigests?.some((digest) => digest.issuerlessDer !== undefined)).toBe(false);
    expect(matches(bare, taRecord(ca, 1, 0))).toBe(false);
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
    // RFC 9525 6.3, Postfix and GnuTLS: a wildcard only as the whole left-most label (Node alone matches these).
    ['partial wildcard after a prefix', { commonName: null, subjectAltName: 'DNS:mx*.example.test' }, 'mx1.example.test', false],
    ['partial wildcard before a suffix', { commonName: null, subjectAltName: 'DNS:*x1.example.test' }, 'mx1.example.test', false],
    ['wildcard in another label', { commonName: null, subjectAltName: 'DNS:mx1.*.test' }, 'mx1.example.test', false],
    [
      'a partial wildcard beside a name that covers it',
      { commonName: null, subjectAltName: 'DNS:mx*.example.test, DNS:mx1.example.test' },
      'mx1.example.test',
      true,
    ],
    [
      'only partial wildcards: no fall back to the CN',
      { commonName: 'mx1.example.test', subjectAltName: 'DNS:mx*.example.test' },
      'mx1.example.test',
      false,
    ],
    ['a CN with a partial wildcard', { commonName: 'mx*.example.test', subjectAltName: null }, 'mx1.example.test', false],
    ['a CN with a whole-label wildcard', { commonName: '*.example.test', subjectAltName: null }, 'mx1.example.test', true],
    [
      'a quoted DNS name (Node quotes a comma) is read unquoted',
      { commonName: null, subjectAltName: 'DNS:"mx*.example.test,x", DNS:*.example.test' },
      'mx1.example.test',
      true,
    ],
    // openssl s_client (num=62), posttls-finger and gnutls-cli compare a presented name as written (stop 33's TLS audit).
    ['a SAN with a final dot', { commonName: null, subjectAltName: 'DNS:mx.example.test.' }, 'mx.example.test', false],
    [
      'a SAN with a final dot, the name too',
      { commonName: null, subjectAltName: 'DNS:mx.example.test.' },
      'mx.example.test.',
      false,
    ],
    [
      'a SAN with a final dot beside one without',
      { commonName: null, subjectAltName: 'DNS:mx.example.test., DNS:mx.example.test' },
      'mx.example.test',
      true,
    ],
    ['a CN with a final dot', { commonName: 'mx.example.test.', subjectAltName: null }, 'mx.example.test', false],
    [
      'an address is matched by its IP SAN whatever the DNS names',
      { commonName: null, subjectAltName: 'DNS:mx*.example.test, IP Address:192.0.2.1' },
      '192.0.2.1',
      true,
    ],
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
