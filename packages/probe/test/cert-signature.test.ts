import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { certSignature } from '../src/smtp/cert-signature.js';

const dir = mkdtempSync(join(tmpdir(), 'mxv-cert-signature-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
/**
 * A self-signed certificate made by the openssl command line (what real CAs' tooling writes), and
 * the algorithm `openssl x509 -text` names for it, which certSignature must agree with.
 */
function opensslCert(keyArgs: string[], signArgs: string[]): { der: Buffer; opensslName: string } {
  const base = join(dir, `c${serial++}`);
  execFileSync('openssl', ['genpkey', ...keyArgs, '-out', `${base}.key`], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    ['req', '-x509', '-new', '-key', `${base}.key`, '-subj', '/CN=mx.sig.test', '-days', '2', ...signArgs, '-out', `${base}.pem`],
    { stdio: 'ignore' },
  );
  const text = execFileSync('openssl', ['x509', '-in', `${base}.pem`, '-noout', '-text'], { encoding: 'utf8' });
  const opensslName = /Signature Algorithm: (\S+)/.exec(text)?.[1] ?? '';
  return { der: new X509Certificate(readFileSync(`${base}.pem`)).raw, opensslName };
}

const RSA = ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
const EC = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

describe('certSignature: the outer signatureAlgorithm of a DER certificate, named as OpenSSL names it', () => {
  it.each([
    ['RSA over SHA-1', RSA, ['-sha1'], { algorithm: 'sha1WithRSAEncryption', hash: 'SHA-1' }],
    ['RSA over MD5', RSA, ['-md5'], { algorithm: 'md5WithRSAEncryption', hash: 'MD5' }],
    ['RSA over SHA-256', RSA, ['-sha256'], { algorithm: 'sha256WithRSAEncryption', hash: 'SHA-256' }],
    ['RSA over SHA-512', RSA, ['-sha512'], { algorithm: 'sha512WithRSAEncryption', hash: 'SHA-512' }],
    ['RSA over SHA-224', RSA, ['-sha224'], { algorithm: 'sha224WithRSAEncryption', hash: 'SHA-224' }],
    ['ECDSA over SHA-1', EC, ['-sha1'], { algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1' }],
    ['ECDSA over SHA-384', EC, ['-sha384'], { algorithm: 'ecdsa-with-SHA384', hash: 'SHA-384' }],
    ['Ed25519', ['-algorithm', 'ED25519'], [], { algorithm: 'ED25519', hash: null }],
    ['Ed448', ['-algorithm', 'ED448'], [], { algorithm: 'ED448', hash: null }],
  ])('%s', (_name, keyArgs, signArgs, expected) => {
    const { der, opensslName } = opensslCert(keyArgs, signArgs);
    expect(certSignature(der)).toEqual(expected);
    expect(opensslName).toBe(expected.algorithm);
  });

  it('RSASSA-PSS reads its digest from the parameters: SHA-256 when named, SHA-1 when left to the default (RFC 4055 3.1)', () => {
    const pss = opensslCert(RSA, ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']);
    expect(pss.opensslName).toBe('rsassaPss');
    expect(certSignature(pss.der)).toEqual({ algorithm: 'rsassaPss', hash: 'SHA-256' });
    const pssSha1 = opensslCert(RSA, ['-sha1', '-sigopt', 'rsa_padding_mode:pss']);
    // OpenSSL writes no hashAlgorithm for SHA-1, the default: the reader must fill it in.
    expect(certSignature(pssSha1.der)).toEqual({ algorithm: 'rsassaPss', hash: 'SHA-1' });
  });

  /** SEQUENCE { tbs, algorithmIdentifier, BIT STRING }, with a short placeholder tbs: only the frame is read. */
  function frame(algorithmIdentifier: number[]): Buffer {
    const tbs = [0x30, 0x03, 0x02, 0x01, 0x01];
    const body = [...tbs, ...algorithmIdentifier, 0x03, 0x02, 0x00, 0x00];
    return Buffer.from([0x30, body.length, ...body]);
  }
  const PSS_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

  it('RSASSA-PSS with no parameters at all, or an empty SEQUENCE of them, is over SHA-1', () => {
    expect(certSignature(frame([0x30, PSS_OID.length, ...PSS_OID]))).toEqual({ algorithm: 'rsassaPss', hash: 'SHA-1' });
    expect(certSignature(frame([0x30, PSS_OID.length + 2, ...PSS_OID, 0x30, 0x00]))).toEqual({
      algorithm: 'rsassaPss',
      hash: 'SHA-1',
    });
  });

  it('an algorithm it has no name for is given as its dotted OID, with no digest claimed', () => {
    // 1.2.643.7.1.1.3.2: GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit).
    const gost = [0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x03, 0x02];
    expect(certSignature(frame([0x30, gost.length, ...gost]))).toEqual({ algorithm: '1.2.643.7.1.1.3.2', hash: null });
  });

  it('long-form lengths are read (a real certificate has them at every level)', () => {
    const { der } = opensslCert(RSA, ['-sha256']);
    expect(der[1]).toBe(0x82);
    expect(certSignature(der)?.hash).toBe('SHA-256');
  });

  it('what does not read as a certificate frame gives null, never a throw or a guess', () => {
    const good = opensslCert(EC, ['-sha256']).der;
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      Buffer.from([0x30]),
      Buffer.from([0x30, 0x80, 0x00, 0x00]), // indefinite length (BER, not DER)
      Buffer.from([0x30, 0x85, 0xff, 0xff, 0xff, 0xff, 0xff]), // a length of five bytes
      Buffer.from([0x31, 0x03, 0x30, 0x01, 0x00]), // a SET, not a SEQUENCE
      good.subarray(0, good.length - 80), // cut inside the signature
      good.subarray(0, 40), // cut inside the tbsCertificate
      frame([0x30, 0x03, 0x06, 0x01, 0x81]), // an OID whose last byte says more follows
      frame([0x30, 0x02, 0x06, 0x00]), // an empty OID
      frame([0x30, 0x02, 0x05, 0x00]), // NULL where the OID belongs
    ];
    for (const bytes of cases) expect(certSignature(bytes)).toBeNull();
  });

  it('any bytes at all, and any single-byte change of a real certificate: null or a named result, never a throw', () => {
    const good = opensslCert(RSA, ['-sha256']).der;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const found = certSignature(bytes);
        return found === null || typeof found.algorithm === 'string';
      }),
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const changed = Buffer.from(good);
        changed[at] = value;
        const found = certSignature(changed);
        return found === null || typeof found.algorithm === 'string';
      }),
    );
  });
});
