import { createHash, X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import { isRefusedSignatureHash } from '@mxv/schema/values';
import type { ChainDigest } from '../engine/host-types.js';
import { certSignature } from './cert-signature.js';
import { sentCertificates } from './link-peer-chain.js';

function digest(algorithm: 'sha256' | 'sha512', bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

/** Within its dates at `now`: RFC 7671 5.2.1 keeps date checks for DANE-TA chains (only DANE-EE ignores them). */
function withinDates(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/** The peer's certificates leaf first, by Node's issuer links, bounded, cycles cut (a self-signed root is its own issuer). */
function peerChain(leaf: tls.DetailedPeerCertificate, max: number): Buffer[] {
  const raws: Buffer[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = leaf;
  while (cert && Buffer.isBuffer(cert.raw) && raws.length < max && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    raws.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return raws;
}

/**
 * The SHA-256 fingerprints of the certificates the server itself sent, leaf
 * included. `getPeerCertificate(true)` completes the chain with a root from the
 * local trust store when the server left it out; the X509Certificate of
 * `getPeerX509Certificate()` links only what came over the wire (OpenSSL's
 * peer chain, in the order sent), so its issuer walk tells the two apart. A
 * certificate sent twice is walked past, not taken for the end.
 */
export function sentFingerprints(leaf: X509Certificate | undefined): Set<string> {
  return new Set(sentCertificates(leaf).map((cert) => cert.fingerprint256));
}

/**
 * Signed over SHA-1 or MD5: OpenSSL refuses such a signature in a chain it verifies (verify error 68) at
 * any security level above 0, and Postfix's DANE-TA verification with it (apps/cli/test/interop-dnssec-dane.test.ts).
 */
function refusedDigest(cert: X509Certificate): boolean {
  return isRefusedSignatureHash(certSignature(cert.raw)?.hash);
}

/** Issued by itself (a root): the end of a chain, with nothing above it to look for. */
function selfIssued(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert);
  } catch {
    return false;
  }
}

export interface ChainDigestBounds {
  maxCertChain: number;
  maxIssuerlessCertBytes: number;
}

/**
 * What DANE (RFC 6698 2.1, RFC 7671) matches a TLSA record against, per
 * certificate of the presented chain: SHA-256 and SHA-512 of the whole
 * certificate and of its SubjectPublicKeyInfo. Digests rather than the DER
 * itself, so the host cache stays small: an exact-match record (matching type 0)
 * is compared by the SHA-256 of its data, which is equal exactly when the bytes
 * are. `leafChains` says whether the leaf chains up to that certificate by
 * issuer names and signatures with every certificate below it within its dates
 * and signed over no refused digest (what a DANE-TA match needs, RFC 7671
 * 5.2.2, as OpenSSL verifies it); it is computed here, once per
 * probe, because the chain's DER is not kept. `sent` says whether the server
 * sent the certificate (`sentFingerprints`): a DANE-TA digest must match one it
 * sent (RFC 7671 5.2.2), not a root only this machine's trust store holds.
 *
 * When nothing in the chain issued its last certificate (the server left out a
 * root that no local trust store holds, as a private CA's usually is), that
 * certificate's DER is kept as `issuerlessDer`, if the leaf chains up to it, it
 * is within its dates, its own signature is over no refused digest and it is no
 * larger than `maxIssuerlessCertBytes`: a
 * DANE-TA record of matching type Full(0) carries the missing anchor whole and
 * may stand for it (RFC 7671 5.2.2), which only a signature check can tell.
 */
export function chainDigests(
  peer: tls.DetailedPeerCertificate,
  bounds: ChainDigestBounds,
  now: number,
  sent: ReadonlySet<string>,
): ChainDigest[] {
  let certs: X509Certificate[];
  try {
    certs = peerChain(peer, bounds.maxCertChain).map((raw) => new X509Certificate(raw));
  } catch {
    // A certificate OpenSSL accepted in the handshake but X509Certificate cannot parse: nothing to match.
    return [];
  }
  const digests: ChainDigest[] = [];
  let chainsSoFar = true;
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i] as X509Certificate;
    if (i > 0) {
      const below = certs[i - 1] as X509Certificate;
      chainsSoFar = chainsSoFar && withinDates(below, now) && !refusedDigest(below) && issuedAndSigned(below, cert);
    }
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    digests.push({
      certSha256: digest('sha256', cert.raw),
      certSha512: digest('sha512', cert.raw),
      spkiSha256: digest('sha256', spki),
      spkiSha512: digest('sha512', spki),
      leafChains: chainsSoFar,
      sent: sent.has(cert.fingerprint256),
      ...(refusedDigest(cert) ? { refusedDigest: true as const } : {}),
    });
  }
  const top = certs.at(-1);
  const topDigest = digests.at(-1);
  if (
    top !== undefined &&
    topDigest?.leafChains === true &&
    top.raw.length <= bounds.maxIssuerlessCertBytes &&
    withinDates(top, now) &&
    !refusedDigest(top) &&
    !selfIssued(top)
  ) {
    topDigest.issuerlessDer = top.raw.toString('base64');
  }
  return digests;
}

function issuedAndSigned(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
