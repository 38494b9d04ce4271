/**
 * The signature algorithm of a DER certificate (RFC 5280 4.1.1.2), which Node's X509Certificate does not
 * expose. Only the outer frame is walked: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue }. The bytes are those OpenSSL has already parsed in the handshake, so a full ASN.1
 * library (@peculiar/asn1-x509: ~0.7 ms per certificate and ~190 ms to load, measured) would buy nothing
 * but cost on every probe; any frame that does not read as DER gives null.
 */

export interface CertSignature {
  /** OpenSSL's long name ("sha256WithRSAEncryption", "ecdsa-with-SHA1", "rsassaPss"), else the dotted OID. */
  algorithm: string;
  /** The digest signed ("SHA-1", "SHA-256"...); null for schemes without a separate one (Ed25519) or unknown OIDs. */
  hash: string | null;
}

const SEQUENCE = 0x30;
const OBJECT_IDENTIFIER = 0x06;
const CONTEXT_0 = 0xa0;

/** Signature algorithm OIDs (RFC 3279, 4055, 5758, 8410, NIST CSOR) as OpenSSL names them. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, CertSignature>> = {
  '1.2.840.113549.1.1.2': { algorithm: 'md2WithRSAEncryption', hash: 'MD2' },
  '1.2.840.113549.1.1.3': { algorithm: 'md4WithRSAEncryption', hash: 'MD4' },
  '1.2.840.113549.1.1.4': { algorithm: 'md5WithRSAEncryption', hash: 'MD5' },
  '1.2.840.113549.1.1.5': { algorithm: 'sha1WithRSAEncryption', hash: 'SHA-1' },
  '1.3.14.3.2.29': { algorithm: 'sha1WithRSA', hash: 'SHA-1' },
  '1.2.840.113549.1.1.11': { algorithm: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { algorithm: 'sha384WithRSAEncryption', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { algorithm: 'sha512WithRSAEncryption', hash: 'SHA-512' },
  '1.2.840.113549.1.1.14': { algorithm: 'sha224WithRSAEncryption', hash: 'SHA-224' },
  '2.16.840.1.101.3.4.3.13': { algorithm: 'RSA-SHA3-224', hash: 'SHA3-224' },
  '2.16.840.1.101.3.4.3.14': { algorithm: 'RSA-SHA3-256', hash: 'SHA3-256' },
  '2.16.840.1.101.3.4.3.15': { algorithm: 'RSA-SHA3-384', hash: 'SHA3-384' },
  '2.16.840.1.101.3.4.3.16': { algorithm: 'RSA-SHA3-512', hash: 'SHA3-512' },
  '1.2.840.10045.4.1': { algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1' },
  '1.2.840.10045.4.3.1': { algorithm: 'ecdsa-with-SHA224', hash: 'SHA-224' },
  '1.2.840.10045.4.3.2': { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { algorithm: 'ecdsa-with-SHA384', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { algorithm: 'ecdsa-with-SHA512', hash: 'SHA-512' },
  '1.2.840.10040.4.3': { algorithm: 'dsaWithSHA1', hash: 'SHA-1' },
  '2.16.840.1.101.3.4.3.1': { algorithm: 'dsa_with_SHA224', hash: 'SHA-224' },
  '2.16.840.1.101.3.4.3.2': { algorithm: 'dsa_with_SHA256', hash: 'SHA-256' },
  '1.3.101.112': { algorithm: 'ED25519', hash: null },
  '1.3.101.113': { algorithm: 'ED448', hash: null },
  '1.2.156.10197.1.501': { algorithm: 'SM2-with-SM3', hash: 'SM3' },
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Digest OIDs that RSASSA-PSS parameters name (RFC 4055 2.1). */
const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

interface Tlv {
  tag: number;
  /** First byte of the contents. */
  start: number;
  /** One past the last byte of the contents. */
  end: number;
}

/** One DER TLV at `offset` within `limit`: definite lengths only, at most 4 length bytes (a certificate is far smaller). */
function readTlv(der: Uint8Array, offset: number, limit: number): Tlv | null {
  if (offset + 2 > limit) return null;
  const tag = der[offset] as number;
  let length = der[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] as number);
    start += count;
  }
  const end = start + length;
  return end <= limit ? { tag, start, end } : null;
}

/** An OBJECT IDENTIFIER's contents in dotted form (X.690 8.19); null if malformed. */
function decodeOid(der: Uint8Array, tlv: Tlv): string | null {
  if (tlv.tag !== OBJECT_IDENTIFIER || tlv.end <= tlv.start || tlv.end - tlv.start > 64) return null;
  const arcs: number[] = [];
  let value = 0;
  for (let i = tlv.start; i < tlv.end; i++) {
    const byte = der[i] as number;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) return null;
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if ((der[tlv.end - 1] as number) & 0x80) return null;
  const [first, ...rest] = arcs as [number, ...number[]];
  const top = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [top, first - top * 40, ...rest].join('.');
}

/**
 * RSASSA-PSS-params (RFC 4055 3.1): hashAlgorithm is [0] EXPLICIT and DEFAULT sha1, so a certificate
 * that leaves it out is signed over SHA-1.
 */
function pssHash(der: Uint8Array, params: Tlv | null): string | null {
  if (params === null || params.tag !== SEQUENCE) return 'SHA-1';
  const first = readTlv(der, params.start, params.end);
  if (first === null || first.tag !== CONTEXT_0) return 'SHA-1';
  const algorithm = readTlv(der, first.start, first.end);
  if (algorithm === null || algorithm.tag !== SEQUENCE) return null;
  const oid = readTlv(der, algorithm.start, algorithm.end);
  const dotted = oid === null ? null : decodeOid(der, oid);
  return dotted === null ? null : (DIGESTS[dotted] ?? dotted);
}

/** The certificate's outer signatureAlgorithm, named; null when the frame does not read as a certificate. */
export function certSignature(der: Uint8Array): CertSignature | null {
  const certificate = readTlv(der, 0, der.length);
  if (certificate === null || certificate.tag !== SEQUENCE) return null;
  const tbs = readTlv(der, certificate.start, certificate.end);
  if (tbs === null || tbs.tag !== SEQUENCE) return null;
  const algorithmIdentifier = readTlv(der, tbs.end, certificate.end);
  if (algorithmIdentifier === null || algorithmIdentifier.tag !== SEQUENCE) return null;
  const oidTlv = readTlv(der, algorithmIdentifier.start, algorithmIdentifier.end);
  const oid = oidTlv === null ? null : decodeOid(der, oidTlv);
  if (oid === null || oidTlv === null) return null;
  if (oid === RSASSA_PSS) {
    const params = oidTlv.end < algorithmIdentifier.end ? readTlv(der, oidTlv.end, algorithmIdentifier.end) : null;
    return { algorithm: 'rsassaPss', hash: pssHash(der, params) };
  }
  return SIGNATURE_ALGORITHMS[oid] ?? { algorithm: oid, hash: null };
}
