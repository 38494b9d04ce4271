import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type IssuedCert, type TestCa } from '../src/test-ca.js';

const HOST = '127.0.0.1';
const DAY = 86_400_000;

interface Outcome {
  authorized: boolean;
  error: string | null;
  peerChainLength: number;
}

/** Start a real TLS server with `cert`, connect once with `ca` trusted, report what the client saw. */
async function handshake(ca: TestCa, cert: IssuedCert, servername: string, strict = false): Promise<Outcome> {
  const server = tls.createServer({ cert: cert.chainPem, key: cert.keyPem }, (s) => s.end());
  server.on('tlsClientError', () => {});
  server.listen(0, HOST);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<Outcome>((resolve) => {
      // Not strict: rejectUnauthorized false so the handshake completes and authorizationError says why.
      const socket = tls.connect({ host: HOST, port, servername, ca: [ca.certPem], rejectUnauthorized: strict }, () => {
        let peerChainLength = 0;
        let peer: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
        const seen = new Set<string>();
        while (peer && peer.fingerprint256 && !seen.has(peer.fingerprint256)) {
          seen.add(peer.fingerprint256);
          peerChainLength++;
          peer = peer.issuerCertificate;
        }
        const authErr = socket.authorizationError;
        let error = authErr ? String((authErr as NodeJS.ErrnoException).code ?? authErr) : null;
        if (error === null) {
          const idErr = tls.checkServerIdentity(servername, socket.getPeerCertificate());
          error = idErr ? String((idErr as NodeJS.ErrnoException).code ?? idErr.message) : null;
        }
        socket.destroy();
        resolve({ authorized: socket.authorized, error, peerChainLength });
      });
      socket.on('error', (err) =>
        resolve({ authorized: false, error: String((err as NodeJS.ErrnoException).code ?? err.message), peerChainLength: 0 }),
      );
    });
  } finally {
    server.close();
  }
}

describe('createTestCa', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createTestCa();
  });

  it('issues a leaf that Node trusts with the root as ca', async () => {
    const cert = await ca.issue({ names: ['mx1.ok.test', '127.0.0.1'] });
    const out = await handshake(ca, cert, 'mx1.ok.test');
    expect(out).toEqual({ authorized: true, error: null, peerChainLength: 2 });
    const parsed = new X509Certificate(cert.certPem);
    expect(parsed.subjectAltName).toContain('DNS:mx1.ok.test');
    expect(parsed.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(parsed.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('rejects an expired leaf', async () => {
    const cert = await ca.issue({
      names: ['mx.expired.test'],
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const out = await handshake(ca, cert, 'mx.expired.test');
    expect(out.authorized).toBe(false);
    expect(out.error).toBe('CERT_HAS_EXPIRED');
  });

  it('rejects a leaf that is not yet valid', async () => {
    const cert = await ca.issue({
      names: ['mx.future.test'],
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
    });
    const out = await handshake(ca, cert, 'mx.future.test');
    expect(out.error).toBe('CERT_NOT_YET_VALID');
  });

  it('signs a chain the client trusts but whose names do not cover another host', async () => {
    const cert = await ca.issue({ names: ['mx.other.test'] });
    const out = await handshake(ca, cert, 'mx.wrongname.test');
    // Node folds the name check into `authorized`; the chain itself is fine (same CA as the first test).
    expect(out.authorized).toBe(false);
    expect(out.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(await handshake(ca, cert, 'mx.other.test')).toMatchObject({ authorized: true, error: null });
  });

  it('fails a strict client handshake on an expired or misnamed leaf', async () => {
    const expired = await ca.issue({
      names: ['mx.expired.test'],
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    expect(await handshake(ca, expired, 'mx.expired.test', true)).toEqual({
      authorized: false,
      error: 'CERT_HAS_EXPIRED',
      peerChainLength: 0,
    });
    const misnamed = await ca.issue({ names: ['mx.other.test'] });
    expect(await handshake(ca, misnamed, 'mx.wrongname.test', true)).toEqual({
      authorized: false,
      error: 'ERR_TLS_CERT_ALTNAME_INVALID',
      peerChainLength: 0,
    });
  });

  it('makes self-signed leaves that the client does not trust', async () => {
    const cert = await ca.issue({ names: ['mx.selfsigned.test'], selfSigned: true });
    const out = await handshake(ca, cert, 'mx.selfsigned.test');
    expect(out.authorized).toBe(false);
    expect(out.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('builds chains through intermediates that still verify', async () => {
    const cert = await ca.issue({ names: ['mx.long.test'], intermediates: 3 });
    expect(cert.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(4);
    const out = await handshake(ca, cert, 'mx.long.test');
    expect(out).toEqual({ authorized: true, error: null, peerChainLength: 5 });
  });

  it('does not trust a leaf from a different root', async () => {
    const other = await createTestCa({ commonName: 'another root' });
    const cert = await other.issue({ names: ['mx.ok.test'] });
    const out = await handshake(ca, cert, 'mx.ok.test');
    expect(out.authorized).toBe(false);
    expect(out.error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
