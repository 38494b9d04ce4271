import { createHash, X509Certificate } from 'node:crypto';
import type { ZoneRecord } from './dns-records.js';

/**
 * Which certificate a TLSA record describes: the leaf (DANE-EE), the one above it
 * in the chain the host sends (DANE-TA), or the CA's root, which hosts do not send.
 */
export type TlsaSubject = 'leaf' | 'issuer' | 'root';

export interface TlsaFields {
  usage: number;
  selector: number;
  matchingType: number;
}

/** The certificates of a PEM bundle, in order. */
function certificatesOf(chainPem: string): X509Certificate[] {
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * The TLSA record a zone operator would publish for a certificate of this chain
 * (RFC 6698 2.1): selector 0 the whole DER, 1 the SubjectPublicKeyInfo;
 * matching type 0 the bytes, 1 SHA-256, 2 SHA-512.
 */
export function tlsaForChain(chainPem: string, fields: TlsaFields, subject: TlsaSubject, rootPem: string): ZoneRecord {
  const certs = certificatesOf(chainPem);
  const cert = subject === 'leaf' ? certs[0] : subject === 'issuer' ? certs[1] : certificatesOf(rootPem)[0];
  if (cert === undefined) throw new Error(`TLSA for the ${subject}: the chain has ${certs.length} certificate(s)`);
  const selected = fields.selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  const data =
    fields.matchingType === 1
      ? createHash('sha256').update(selected).digest('hex')
      : fields.matchingType === 2
        ? createHash('sha512').update(selected).digest('hex')
        : selected.toString('hex');
  return { type: 'TLSA', usage: fields.usage, selector: fields.selector, matchingType: fields.matchingType, data };
}
