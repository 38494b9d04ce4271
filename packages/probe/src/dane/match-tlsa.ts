import { createPublicKey, X509Certificate } from 'node:crypto';
import type { ChainDigest } from '../engine/host-types.js';
import type { TlsaCandidate } from './tlsa-lookup.js';

/** RFC 7218 mnemonics of the fields mxv acts on. */
const DANE_TA = 2;
const DANE_EE = 3;
/** Digest lengths in bytes of matching types 1 (SHA2-256) and 2 (SHA2-512), RFC 6698 2.1.3. */
const DIGEST_BYTES: Readonly<Record<number, number>> = { 1: 32, 2: 64 };

/**
 * Whether a record can authenticate an SMTP server (RFC 7672 3.1.3): usages
 * PKIX-TA(0) and PKIX-EE(1) are not, since SMTP has no agreed set of trust
 * anchors; unknown usages, selectors or matching types are not (RFC 6698 4.1);
 * and neither is a digest of the wrong length, which can never match.
 */
export function isUsableTlsa(record: TlsaCandidate): boolean {
  if (record.usage !== DANE_TA && record.usage !== DANE_EE) return false;
  if (record.selector !== 0 && record.selector !== 1) return false;
  if (record.matchingType === 0) return record.data.length > 0;
  const bytes = DIGEST_BYTES[record.matchingType];
  return bytes !== undefined && record.data.length === bytes * 2;
}

/** RFC 6698 2.1.2-2.1.3: the selected part (certificate or SPKI), compared as the matching type says. */
function matchesCert(record: TlsaCandidate, cert: ChainDigest): boolean {
  const full = record.selector === 0;
  switch (record.matchingType) {
    case 0:
      // Exact match of the DER, compared by SHA-256 of both (the DER is not kept).
      return record.dataSha256 === (full ? cert.certSha256 : cert.spkiSha256);
    case 1:
      return record.data === (full ? cert.certSha256 : cert.spkiSha256);
    case 2:
      return record.data === (full ? cert.certSha512 : cert.spkiSha512);
    default:
      return false;
  }
}

/**
 * RFC 7671 5.2.2: a DANE-TA digest names a trust anchor the server must send in
 * its chain; a record holding the whole certificate or key (matching type 0)
 * brings the anchor itself. So a digest does not match a root that only this
 * machine's trust store supplied: Postfix, with its default empty CA file,
 * fails such a server, and so must the check that reports on it.
 */
function mayAnchor(record: TlsaCandidate, cert: ChainDigest): boolean {
  return record.matchingType === 0 || cert.sent !== false;
}

/**
 * RFC 7671 5.2.2: a DANE-TA record of matching type Full(0) carries its trust
 * anchor whole, a certificate (`2 0 0`) or a public key (`2 1 0`), so it can
 * stand for an anchor the server left out of its chain. The chain's last
 * certificate, which nothing in the chain issued (`issuerlessDer`), must then
 * be issued by that certificate (names and signature) or signed by that key.
 * Postfix accepts such servers (OpenSSL's DANE takes the anchor from the
 * record), though RFC 7672 3.1.2 asks SMTP servers to send it.
 */
function anchorsIssuerless(record: TlsaCandidate, issuerless: () => X509Certificate | null): boolean {
  if (record.matchingType !== 0) return false;
  const issued = issuerless();
  if (issued === null) return false;
  try {
    const data = Buffer.from(record.data, 'hex');
    if (record.selector === 1) return issued.verify(createPublicKey({ key: data, format: 'der', type: 'spki' }));
    const anchor = new X509Certificate(data);
    return issued.checkIssued(anchor) && issued.verify(anchor.publicKey);
  } catch {
    // Data that is no certificate or key, or a key this Node cannot verify with: it anchors nothing.
    return false;
  }
}

/** The chain's issuerless last certificate, if the probe kept one and the leaf chains up to it. */
function issuerlessTop(chain: readonly ChainDigest[]): X509Certificate | null {
  const top = chain.at(-1);
  if (top?.issuerlessDer === undefined || !top.leafChains) return null;
  try {
    return new X509Certificate(Buffer.from(top.issuerlessDer, 'base64'));
  } catch {
    return null;
  }
}

/**
 * Digest algorithm agility (RFC 7671 9): for each usage and selector, only the
 * strongest digest present counts: a key matching only the "3 1 1" of a
 * "3 1 1" + "3 1 2" pair SHOULD NOT be accepted, so that a stronger digest
 * published beside a weaker one still protects if the weaker is broken. Full(0)
 * is no digest and always counts. Postfix (through OpenSSL's DANE matching)
 * behaves so, and a stale "3 1 2" fails its delivery; only usable records take part.
 * Returns, per `usage/selector`, the strongest digest matching type present.
 */
function strongestDigests(records: readonly TlsaCandidate[]): Map<string, number> {
  const strongest = new Map<string, number>();
  for (const record of records) {
    if (record.matchingType === 0 || !isUsableTlsa(record)) continue;
    const key = `${record.usage}/${record.selector}`;
    strongest.set(key, Math.max(strongest.get(key) ?? 0, record.matchingType));
  }
  return strongest;
}

/**
 * The first usable record that authenticates the presented chain, or null.
 * DANE-EE(3) matches the leaf only and ignores names and dates (RFC 7672
 * 3.1.1). DANE-TA(2) matches any certificate of the chain the leaf chains up to,
 * or, carried whole, the issuer of its last one (`anchorsIssuerless`), and then
 * the leaf must name the exchange (`nameMatches`, RFC 7672 3.2.3).
 * Digests weaker than another of the same usage and selector are skipped
 * (RFC 7671 9); matching type numbers order SHA2-256(1) below SHA2-512(2).
 */
export function matchTlsa(
  records: readonly TlsaCandidate[],
  chain: readonly ChainDigest[],
  nameMatches: () => boolean,
): TlsaCandidate | null {
  const leaf = chain[0];
  if (leaf === undefined) return null;
  let named: boolean | undefined;
  // Parsed once, on the first record of matching type 0 that needs it (cached probes keep it as base64).
  let top: X509Certificate | null | undefined;
  const issuerless = (): X509Certificate | null => (top === undefined ? (top = issuerlessTop(chain)) : top);
  const strongest = strongestDigests(records);
  for (const record of records) {
    if (!isUsableTlsa(record)) continue;
    const best = strongest.get(`${record.usage}/${record.selector}`);
    if (record.matchingType !== 0 && best !== undefined && record.matchingType < best) continue;
    if (record.usage === DANE_EE) {
      if (matchesCert(record, leaf)) return record;
      continue;
    }
    const anchored = chain.some((cert) => cert.leafChains && mayAnchor(record, cert) && matchesCert(record, cert));
    if (!anchored && !anchorsIssuerless(record, issuerless)) continue;
    named ??= nameMatches();
    if (named) return record;
  }
  return null;
}

/**
 * Whether a DANE-TA record that matched did so with an anchor the server did
 * not send: one only its Full(0) data supplied (`anchorsIssuerless`), or a root
 * only this machine's trust store completed the chain with. Senders whose DANE
 * takes the anchor from the record (OpenSSL's, so Postfix's) still authenticate
 * the server, but RFC 7672 3.1.2 asks SMTP servers to send it: said beside the
 * `pass`, so that the fix can be named before a stricter sender fails it.
 */
export function anchoredUnsent(record: TlsaCandidate, chain: readonly ChainDigest[]): boolean {
  return record.usage === DANE_TA && !chain.some((cert) => cert.sent !== false && cert.leafChains && matchesCert(record, cert));
}

/**
 * Whether a usable DANE-TA record matches a certificate of the chain that the
 * leaf does not chain up to only because a certificate below it is signed over
 * SHA-1 or MD5, which OpenSSL's verification (Postfix's DANE-TA among it)
 * refuses. Said beside `no_match`: the record is right, the signature is not.
 */
export function matchesAboveRefusedDigest(records: readonly TlsaCandidate[], chain: readonly ChainDigest[]): boolean {
  return records.some(
    (record) =>
      record.usage === DANE_TA &&
      isUsableTlsa(record) &&
      chain.some(
        (cert, depth) => matchesCert(record, cert) && chain.slice(0, depth).some((below) => below.refusedDigest === true),
      ),
  );
}

/**
 * Whether a usable DANE-TA digest would match a certificate the leaf chains up
 * to but the server did not send (only this machine's trust store had it): the
 * commonest DANE-TA mistake (a TLSA for the root of a chain served without it).
 * Said beside `no_match` so that the fix can be named.
 */
export function matchesUnsentAnchor(records: readonly TlsaCandidate[], chain: readonly ChainDigest[]): boolean {
  return records.some(
    (record) =>
      record.usage === DANE_TA &&
      record.matchingType !== 0 &&
      isUsableTlsa(record) &&
      chain.some((cert) => cert.sent === false && cert.leafChains && matchesCert(record, cert)),
  );
}
