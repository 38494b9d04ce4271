import { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import type { TrustAnchors } from './trust-anchors.js';

/**
 * The peer's certificates linked leaf to root by issuance, whatever order the server sent them in.
 *
 * Node's getPeerCertificate(true) links each certificate to its issuer among those the server sent, but its
 * walk (AddIssuerChainToObject) stops as soon as the issuer it found was the last one left in its list: a
 * chain sent as leaf, root-side intermediate, leaf-side intermediate ends after the leaf's issuer. Then
 * chainLength is short, a signature over SHA-1 or a date error above the cut is not seen, and a DANE-TA
 * record for the root-side intermediate finds nothing to match, where OpenSSL's own path building, which
 * Postfix and GnuTLS senders rely on, takes the certificates in any order (RFC 8446 4.4.2 lets servers send
 * them so). The walk is taken up where Node's stopped, from the certificates the server sent (`sent`, the
 * leaf's X509Certificate, whose issuer links are the order sent), and completed from the trust store as
 * Node completes it; a self-issued root links to itself, as in Node's objects. Node's objects are reused
 * as they are; a chain Node walked whole comes back untouched.
 */
export function linkPeerChain(
  peer: tls.DetailedPeerCertificate,
  sent: X509Certificate | undefined,
  max: number,
  anchors: TrustAnchors | undefined,
): tls.DetailedPeerCertificate {
  const sentCerts = sentCertificates(sent);
  const sentFingerprints = new Set(sentCerts.map((cert) => cert.fingerprint256));
  // Node's walk, up to where it ended or, if sooner, to the last certificate before one the server did not send
  // (a root Node completed the cut walk with, where the server sent more: a DANE-TA record matches what was sent).
  const walked = new Set<string>();
  let top = peer;
  for (;;) {
    walked.add(top.fingerprint256);
    const next: tls.DetailedPeerCertificate | undefined = top.issuerCertificate;
    if (next === undefined || Object.keys(next).length === 0) break;
    const root = next === top || next.fingerprint256 === top.fingerprint256;
    if ((root && sentFingerprints.has(top.fingerprint256)) || walked.size >= max) return peer;
    if (root || !sentFingerprints.has(next.fingerprint256)) break;
    top = next;
  }
  const unlinked = sentCerts.filter((cert) => !walked.has(cert.fingerprint256));
  // Node linked all the server sent (the usual case, a chain in order): nothing to parse.
  if (unlinked.length === 0) return peer;
  let child = parse(top.raw);
  // Only a walk a certificate the server sent takes further is redone: where Node ended otherwise, OpenSSL did too.
  if (child === null || !unlinked.some((cert) => issued(child as X509Certificate, cert))) return peer;
  const linked = new Set(walked);
  while (child !== null && linked.size < max) {
    const below: X509Certificate = child;
    const issuer =
      unlinked.find((cert) => !linked.has(cert.fingerprint256) && issued(below, cert)) ?? trustedIssuer(below, anchors, linked);
    if (issuer === null) break;
    const object = issuer.toLegacyObject() as tls.DetailedPeerCertificate;
    top.issuerCertificate = object;
    linked.add(issuer.fingerprint256);
    top = object;
    child = issuer;
    if (issued(issuer, issuer)) {
      top.issuerCertificate = top;
      break;
    }
  }
  return peer;
}

/**
 * Most steps walked of what the server sent. OpenSSL takes at most max_cert_list (100 KiB by default) of it, a
 * few hundred certificates; the walk skips a repeat rather than stop at it (a server may send one twice).
 */
export const MAX_SENT_CERTIFICATES = 512;

/** The certificates the server sent, in the order sent (the X509Certificate's issuer links), each once. */
export function sentCertificates(leaf: X509Certificate | undefined): X509Certificate[] {
  const certs: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: X509Certificate | undefined = leaf;
  for (let step = 0; cert !== undefined && step < MAX_SENT_CERTIFICATES; step++) {
    if (!seen.has(cert.fingerprint256)) {
      seen.add(cert.fingerprint256);
      certs.push(cert);
    }
    cert = cert.issuerCertificate;
  }
  return certs;
}

/** The trusted certificate that issued `cert`, unless it is already in the walk. */
function trustedIssuer(
  cert: X509Certificate,
  anchors: TrustAnchors | undefined,
  linked: ReadonlySet<string>,
): X509Certificate | null {
  const anchor = anchors?.issuerOf(cert) ?? null;
  return anchor === null || linked.has(anchor.fingerprint256) ? null : anchor;
}

/** Whether `issuer` issued `cert`: its name, key identifier and key usage fit (OpenSSL's X509_check_issued) and its key verifies the signature. */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function parse(raw: Buffer | undefined): X509Certificate | null {
  if (!Buffer.isBuffer(raw)) return null;
  try {
    return new X509Certificate(raw);
  } catch {
    return null;
  }
}
