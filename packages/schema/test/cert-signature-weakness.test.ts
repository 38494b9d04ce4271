import { describe, expect, it } from 'vitest';
import type { TlsInfo } from '@mxv/schema';
import {
  describeCertificateError,
  describeWeakCertSignature,
  isRefusedSignatureHash,
  weakCertSignatures,
} from '@mxv/schema/values';

type Signature = NonNullable<TlsInfo['chainSignatures']>[number];
const signed = (algorithm: string, hash: string | null, selfIssued = false): Signature => ({ algorithm, hash, selfIssued });

describe('weakCertSignatures: signatures over a digest OpenSSL 3 refuses from security level 1 up', () => {
  it.each([
    ['SHA-1', true],
    ['MD5', true],
    ['MD4', true],
    ['MD2', true],
    ['SHA-224', false],
    ['SHA-256', false],
    ['SHA3-256', false],
    ['SM3', false],
    [null, false],
  ])('%s refused: %s', (hash, refused) => {
    expect(isRefusedSignatureHash(hash)).toBe(refused);
  });

  it('lists the leaf and intermediates by depth, never a self-issued root (nobody checks its own signature)', () => {
    const tls = {
      chainSignatures: [
        signed('sha1WithRSAEncryption', 'SHA-1'),
        signed('sha256WithRSAEncryption', 'SHA-256'),
        signed('md5WithRSAEncryption', 'MD5'),
        signed('sha1WithRSAEncryption', 'SHA-1', true),
      ],
    };
    expect(weakCertSignatures(tls)).toEqual([
      { depth: 0, algorithm: 'sha1WithRSAEncryption', hash: 'SHA-1' },
      { depth: 2, algorithm: 'md5WithRSAEncryption', hash: 'MD5' },
    ]);
  });

  it('nothing to judge: no list (an older probe), an empty one, Ed25519, an unknown algorithm', () => {
    expect(weakCertSignatures(null)).toEqual([]);
    expect(weakCertSignatures({})).toEqual([]);
    expect(weakCertSignatures({ chainSignatures: [] })).toEqual([]);
    expect(weakCertSignatures({ chainSignatures: [signed('ED25519', null), signed('1.2.643.7.1.1.3.2', null)] })).toEqual([]);
  });
});

describe('the words for a chain signed over SHA-1', () => {
  it('CA_MD_TOO_WEAK without the chain: the general words, with the fix', () => {
    const words = describeCertificateError('CA_MD_TOO_WEAK');
    expect(words?.what).toBe(
      'a certificate of the chain is signed with SHA-1 or MD5, which senders that verify certificates (OpenSSL 3, Postfix, GnuTLS) refuse',
    );
    expect(words?.fix).toBe('have it issued again, signed with SHA-256');
  });

  it('CA_MD_TOO_WEAK with the chain: which certificate, and over what', () => {
    const words = describeCertificateError('CA_MD_TOO_WEAK', {
      chainSignatures: [signed('ecdsa-with-SHA256', 'SHA-256'), signed('sha1WithRSAEncryption', 'SHA-1')],
    });
    expect(words?.what).toBe(
      "the chain's intermediate certificate 1 is signed with SHA-1 (sha1WithRSAEncryption), which senders that verify certificates (OpenSSL 3, Postfix, GnuTLS) refuse",
    );
    // Another code is not rewritten because the chain has a weak signature.
    expect(
      describeCertificateError('CERT_HAS_EXPIRED', { chainSignatures: [signed('sha1WithRSAEncryption', 'SHA-1')] })?.what,
    ).toBe('the certificate has expired');
  });

  it('one weak signature alone (where the verify error says something else): what it costs and the fix', () => {
    expect(describeWeakCertSignature({ depth: 0, algorithm: 'dsaWithSHA1', hash: 'SHA-1' })).toEqual({
      what: 'the certificate is signed with SHA-1 (dsaWithSHA1)',
      effect:
        'senders that verify certificates (OpenSSL 3, Postfix, GnuTLS) refuse it, opportunistic TLS still encrypts; have it issued again, signed with SHA-256',
    });
  });
});
