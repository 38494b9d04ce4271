import { describe, expect, it } from 'vitest';
import { describeTlsKeyWeakness, tlsKeyWeaknesses } from '@mxv/schema/values';

const certificate = (type: string, bits: number | null) => ({ certKey: { type, bits, curve: null }, keyExchange: null });
const exchange = (type: string, bits: number | null) => ({ certKey: null, keyExchange: { type, group: null, bits } });

describe('tlsKeyWeaknesses: OpenSSL security levels 1 and 2 as key sizes', () => {
  it.each([
    ['RSA', 2048, null],
    ['RSA', 2047, 2],
    ['RSA', 1024, 2],
    ['RSA', 1023, 1],
    ['RSA-PSS', 1024, 2],
    ['DSA', 1024, 2],
    ['EC', 256, null],
    ['EC', 224, null],
    ['EC', 192, 2],
    ['EC', 159, 1],
    ['Ed25519', null, null],
    ['Ed448', null, null],
    ['unknown', 512, null],
  ] as const)('a %s %s-bit certificate key: below level %s', (type, bits, belowLevel) => {
    const found = tlsKeyWeaknesses(certificate(type, bits));
    expect(found.map((w) => w.belowLevel)).toEqual(belowLevel === null ? [] : [belowLevel]);
  });

  it.each([
    ['DH', 4096, null],
    ['DH', 2048, null],
    ['DH', 1536, 2],
    ['DH', 512, 1],
    ['ECDH', 253, null], // X25519
    ['ECDH', 448, null], // X448
    ['ECDH', 163, 2],
    ['DH', null, null],
    ['DH', 0, null],
  ] as const)('a %s %s-bit key exchange: below level %s', (type, bits, belowLevel) => {
    const found = tlsKeyWeaknesses(exchange(type, bits));
    expect(found.map((w) => w.belowLevel)).toEqual(belowLevel === null ? [] : [belowLevel]);
  });

  it('both keys judged, the certificate first; nothing known (an older probe, no TLS) is nothing weak', () => {
    expect(
      tlsKeyWeaknesses({
        certKey: { type: 'RSA', bits: 1024, curve: null },
        keyExchange: { type: 'DH', group: null, bits: 1024 },
      }),
    ).toEqual([
      { key: 'certificate', type: 'RSA', bits: 1024, belowLevel: 2, minimumBits: 2048 },
      { key: 'key_exchange', type: 'DH', bits: 1024, belowLevel: 2, minimumBits: 2048 },
    ]);
    expect(tlsKeyWeaknesses({})).toEqual([]);
    expect(tlsKeyWeaknesses(null)).toEqual([]);
  });

  it('in words: what each costs, and Postfix and GnuTLS named only where they were checked (level 2)', () => {
    const [rsa] = tlsKeyWeaknesses(certificate('RSA', 1024));
    const [dh] = tlsKeyWeaknesses(exchange('DH', 768));
    expect(rsa && describeTlsKeyWeakness(rsa).what).toBe('RSA 1024-bit certificate key');
    expect(rsa && describeTlsKeyWeakness(rsa).effect).toMatch(
      /verify certificates .* refuse it.*; Postfix 3\.7 and GnuTLS 3\.7 \(Exim\) accept it$/,
    );
    expect(dh && describeTlsKeyWeakness(dh).what).toBe('DH 768-bit key exchange');
    expect(dh && describeTlsKeyWeakness(dh).effect).toMatch(
      /^below OpenSSL security level 1 \(1024 bits\), OpenSSL 3's own default: .*fail the handshake/,
    );
    expect(dh && describeTlsKeyWeakness(dh).effect).not.toContain('Postfix');
  });
});
