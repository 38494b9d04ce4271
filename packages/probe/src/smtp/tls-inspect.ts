import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsInfo } from '@mxv/schema';
import { isPartialWildcard, weakCertSignatures } from '@mxv/schema/values';
import type { CertIdentity, ChainDigest } from '../engine/host-types.js';
import { chainDigests, sentFingerprints } from './cert-chain-digests.js';
import { certSignature } from './cert-signature.js';
import { stripControls } from '../display-text.js';
import { truncateUtf8 } from './reply-text.js';
import type { TrustAnchors } from './trust-anchors.js';
import { linkPeerChain } from './link-peer-chain.js';

export interface TlsInspection {
  tls: TlsInfo;
  certIdentity: CertIdentity | null;
  chainDigests: ChainDigest[] | null;
}

export interface TlsInspectBounds {
  maxCertChain: number;
  /** Subject alternative names kept in the result; the rest are counted (`subjectAltNamesOmitted`). */
  maxStoredAltNames: number;
  /** DER kept of a chain's last certificate when nothing in the chain issued it (cert-chain-digests.ts). */
  maxIssuerlessCertBytes: number;
  /** Cut for the one-line subject and issuer strings. */
  maxStoredTextBytes: number;
}

type DnValue = string | string[] | undefined;

function firstValue(value: DnValue): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** {CN: 'mx', O: ['a', 'b']} → "CN=mx, O=a, O=b": one line, what people read in openssl's output. */
function describeName(name: Record<string, DnValue> | undefined, maxBytes: number): string | null {
  if (!name || typeof name !== 'object') return null;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) parts.push(`${key}=${v}`);
  }
  return parts.length > 0 ? truncateUtf8(stripControls(parts.join(', ')), maxBytes) : null;
}

function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * Split Node's subjectaltname ("DNS:a, DNS:b, IP Address:1.2.3.4"). Since Node
 * 17 (CVE-2021-44533) an entry whose value contains a comma or quote is written
 * as a JSON string ("DNS:\"a, b\""), so the split respects quotes.
 */
export function splitSubjectAltName(san: string | null | undefined): string[] {
  if (!san) return [];
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < san.length; i++) {
    const ch = san[i] ?? '';
    if (ch === '"') quoted = !quoted;
    if (ch === '\\' && quoted) {
      current += ch + (san[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === ',' && !quoted) {
      if (current.trim()) entries.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) entries.push(current.trim());
  return entries;
}

/** The value of a `DNS:` entry of Node's subjectaltname string, unquoted (Node quotes values holding a comma or quote). */
function sanValue(entry: string): string {
  const value = entry.slice(entry.indexOf(':') + 1);
  if (!value.startsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

/**
 * Whether the certificate covers `name`, by Node's own rule (RFC 6125: SAN
 * dNSName with a left-most wildcard, CN only when there is no DNS SAN, IP SANs
 * for an address), without the partial wildcards ("mx*.example.com") that Node
 * alone matches: RFC 9525 6.3 matches a wildcard only as the whole left-most
 * label, and Postfix (OpenSSL with X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS) and
 * GnuTLS call such a certificate a name mismatch (apps/cli/test/interop-mta.test.ts).
 * Kept apart from the handshake so a probe made for one
 * exchange name can be matched against another one sharing the address.
 */
export function certCoversName(identity: CertIdentity, name: string): boolean {
  const host = name.replace(/\.$/, '');
  // Without a wildcard or a final dot there is nothing to drop: the names as they are (the common case, once per
  // host and exchange).
  if (!MAYBE_UNMATCHABLE.test(identity.subjectAltName ?? '') && !MAYBE_UNMATCHABLE.test(identity.commonName ?? '')) {
    return nodeCoversName(host, identity.commonName, identity.subjectAltName);
  }
  const entries = splitSubjectAltName(identity.subjectAltName);
  const isDns = (entry: string): boolean => entry.startsWith('DNS:');
  const kept = entries.filter((entry) => !(isDns(entry) && neverMatches(sanValue(entry))));
  // With every DNS name dropped Node would fall back to the CN, which a certificate with DNS names never is.
  if (entries.some(isDns) && !kept.some(isDns) && net.isIP(host) === 0) return false;
  const commonName = identity.commonName !== null && !neverMatches(identity.commonName) ? identity.commonName : null;
  return nodeCoversName(host, commonName, kept.length > 0 ? kept.join(', ') : null);
}

/** A "*" anywhere, or a name that ends in a dot: what neverMatches may drop. */
const MAYBE_UNMATCHABLE = /\*|\.(?:,|$)/;

/**
 * A presented name senders never match: a partial wildcard, or a name with a final dot ("mx.example.com."),
 * which Node strips and matches, while OpenSSL's X509_check_host (openssl s_client, Postfix) and GnuTLS
 * compare it as written and call it a name mismatch (apps/cli/test/interop-mta.test.ts).
 */
function neverMatches(presented: string): boolean {
  return isPartialWildcard(presented) || presented.endsWith('.');
}

/** Node's checkServerIdentity over a CN and a subjectaltname string. */
function nodeCoversName(host: string, commonName: string | null, subjectAltName: string | null): boolean {
  const cert = {
    subject: commonName !== null ? { CN: commonName } : {},
    ...(subjectAltName !== null ? { subjectaltname: subjectAltName } : {}),
  } as unknown as tls.PeerCertificate;
  try {
    return tls.checkServerIdentity(host, cert) === undefined;
  } catch {
    return false;
  }
}

/**
 * The certificates from the leaf up to the last issuer Node knows, bounded; a self-signed root points at
 * itself, hence the cycle check. What chainLength, chainSignatures and dateFailure walk.
 */
function peerChain(leaf: tls.DetailedPeerCertificate, max: number): tls.DetailedPeerCertificate[] {
  const chain: tls.DetailedPeerCertificate[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = leaf;
  while (cert && Object.keys(cert).length > 0 && !chain.includes(cert) && chain.length < max) {
    chain.push(cert);
    const next: tls.DetailedPeerCertificate | undefined = cert.issuerCertificate;
    if (next === cert || (next && next.fingerprint256 === cert.fingerprint256)) break;
    cert = next;
  }
  return chain;
}

type ChainSignature = NonNullable<TlsInfo['chainSignatures']>[number];

/**
 * Self-issued (RFC 5280 3.2): its subject is its issuer. Not X509Certificate.checkIssued, which also wants
 * keyCertSign in the key usage, and so says no for the self-signed leaf of a mail server.
 */
function issuedItself(raw: Buffer): boolean {
  try {
    const cert = new X509Certificate(raw);
    return cert.subject === cert.issuer;
  } catch {
    return false;
  }
}

/**
 * The signature of each certificate of the chain Node built (leaf first, bounded, as chainLength walks it).
 * Node links a root it completed the chain with to itself; the top of a chain it could not complete (a
 * self-signed leaf, a private root the server sent) is asked directly. A signature whose frame does not
 * read ends the list rather than be guessed.
 */
function chainSignatures(chain: readonly tls.DetailedPeerCertificate[]): ChainSignature[] {
  const signatures: ChainSignature[] = [];
  for (const cert of chain) {
    if (!Buffer.isBuffer(cert.raw)) break;
    const next: tls.DetailedPeerCertificate | undefined = cert.issuerCertificate;
    const selfIssued =
      next === cert ||
      (next !== undefined && next.fingerprint256 === cert.fingerprint256) ||
      ((next === undefined || Object.keys(next).length === 0) && issuedItself(cert.raw));
    const signature = certSignature(cert.raw);
    if (signature === null) break;
    signatures.push({ ...signature, selfIssued });
    if (selfIssued) break;
  }
  return signatures;
}

/**
 * The signatures of the path OpenSSL verified, when it ends below the top of the chain Node built: at the
 * first certificate a trusted one issued (TrustAnchors), then that anchor, whose own signature nobody checks
 * (OpenSSL's check_auth_level skips the trust anchor), listed only when it is a self-issued root. Null when
 * no trusted certificate issued any certificate of the chain (the path Node built is the one verified).
 */
function verifiedPathSignatures(chain: readonly tls.DetailedPeerCertificate[], anchors: TrustAnchors): ChainSignature[] | null {
  const cut = trustedCut(chain, anchors);
  if (cut === null) return null;
  const below = chainSignatures(chain.slice(0, cut.depth + 1));
  // A trusted self-signed certificate the server sent as its own: it is the anchor, already listed.
  if (below.length <= cut.depth || below[cut.depth]?.selfIssued === true) return below;
  const anchorSignature = cut.anchor.subject === cut.anchor.issuer ? certSignature(cut.anchor.raw) : null;
  return anchorSignature === null ? below : [...below, { ...anchorSignature, selfIssued: true }];
}

/**
 * Where the path OpenSSL verified leaves the chain: the first certificate a trusted one issued (OpenSSL looks in
 * the trust store first, X509_V_FLAG_TRUSTED_FIRST), with that anchor; null when no trusted certificate issued
 * any (the chain Node built is the path).
 */
function trustedCut(
  chain: readonly tls.DetailedPeerCertificate[],
  anchors: TrustAnchors,
): { depth: number; anchor: X509Certificate } | null {
  for (const [depth, cert] of chain.entries()) {
    if (!Buffer.isBuffer(cert.raw)) return null;
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert.raw);
    } catch {
      return null;
    }
    const anchor = anchors.issuerOf(x509);
    if (anchor !== null) return { depth, anchor };
  }
  return null;
}

type FailedCertificate = NonNullable<TlsInfo['failedCertificate']>;

/**
 * The certificate a date error is about. OpenSSL's verify error does not say which (Node keeps only the
 * code), and an expired intermediate asks for another fix than an expired certificate: the chain is
 * walked for the one out of its dates. OpenSSL checks from the top of the chain down and stops at the
 * first failure, so of several the highest is the one it reported.
 */
function dateFailure(
  peer: tls.DetailedPeerCertificate,
  error: string,
  bounds: TlsInspectBounds,
  now: number,
  anchors: TrustAnchors | undefined,
): FailedCertificate | null {
  if (error !== 'CERT_HAS_EXPIRED' && error !== 'CERT_NOT_YET_VALID') return null;
  const chain = peerChain(peer, bounds.maxCertChain);
  // Only the path OpenSSL verified: an out-of-date cross-signed root sent above the trusted one is not what failed.
  const cut = anchors === undefined ? null : trustedCut(chain, anchors);
  const path = cut === null ? chain : chain.slice(0, cut.depth + 1);
  let found: FailedCertificate | null = null;
  for (const [depth, cert] of path.entries()) {
    const notBefore = isoDate(cert.valid_from);
    const notAfter = isoDate(cert.valid_to);
    const outOfDate =
      error === 'CERT_HAS_EXPIRED'
        ? notAfter !== null && Date.parse(notAfter) < now
        : notBefore !== null && Date.parse(notBefore) > now;
    if (outOfDate) {
      const subject = describeName(cert.subject as unknown as Record<string, DnValue>, bounds.maxStoredTextBytes);
      found = { depth, subject, notBefore, notAfter };
    }
  }
  return found;
}

/** The leaf as an X509Certificate whose issuer links are only what the server sent (see sentFingerprints). */
function peerX509(socket: tls.TLSSocket): X509Certificate | undefined {
  try {
    return socket.getPeerX509Certificate();
  } catch {
    return undefined;
  }
}

type CertKey = NonNullable<TlsInfo['certKey']>;
type KeyExchange = NonNullable<TlsInfo['keyExchange']>;

const KEY_TYPE_NAMES: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  dsa: 'DSA',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
};

/**
 * The leaf's public key. The size comes from the key itself (RSA and DSA modulus), else from Node's
 * certificate object, whose `bits` is the EC group's order. A key Node cannot load (GOST, say) is
 * reported by the certificate's own numbers where there are any, and unknown otherwise.
 */
function describeCertKey(leaf: X509Certificate | undefined, peer: tls.PeerCertificate): CertKey | null {
  const peerBits = typeof peer.bits === 'number' && Number.isInteger(peer.bits) && peer.bits > 0 ? peer.bits : null;
  let key;
  try {
    key = leaf?.publicKey;
  } catch {
    key = undefined;
  }
  const rawType = key?.asymmetricKeyType;
  if (key === undefined || rawType === undefined) {
    return peerBits === null ? null : { type: 'unknown', bits: peerBits, curve: null };
  }
  const details = key.asymmetricKeyDetails ?? {};
  const bits = details.modulusLength ?? (rawType === 'ec' ? peerBits : null);
  return { type: KEY_TYPE_NAMES[rawType] ?? rawType, bits: bits ?? null, curve: details.namedCurve ?? null };
}

/**
 * The handshake's ephemeral key exchange as OpenSSL reports it (SSL_get_peer_tmp_key): {type: 'ECDH',
 * name: 'X25519', size: 253} or {type: 'DH', size: 1024}; an empty object when there was none.
 */
function describeKeyExchange(socket: tls.TLSSocket): KeyExchange | null {
  let info: { type?: unknown; name?: unknown; size?: unknown };
  try {
    info = socket.getEphemeralKeyInfo() ?? {};
  } catch {
    return null;
  }
  if (typeof info.type !== 'string') return null;
  return {
    type: info.type,
    group: typeof info.name === 'string' ? info.name : null,
    bits: typeof info.size === 'number' && Number.isInteger(info.size) ? info.size : null,
  };
}

/**
 * OpenSSL's verify errors that Node has no name for (it calls them all UNSPECIFIED), by the words
 * OpenSSL gives them (X509_verify_cert_error_string), named as X509_V_ERR_* without the prefix, as Node
 * names the others. Those a mail server's chain can carry at security level 0.
 */
const UNNAMED_VERIFY_ERRORS: Readonly<Record<string, string>> = {
  'unhandled critical extension': 'UNHANDLED_CRITICAL_EXTENSION',
  'key usage does not include certificate signing': 'KEYUSAGE_NO_CERTSIGN',
  'permitted subtree violation': 'PERMITTED_VIOLATION',
  'excluded subtree violation': 'EXCLUDED_VIOLATION',
  'authority and subject key identifier mismatch': 'AKID_SKID_MISMATCH',
  'invalid or inconsistent certificate extension': 'INVALID_EXTENSION',
  'CA signature digest algorithm too weak': 'CA_MD_TOO_WEAK',
  'EE certificate key too weak': 'EE_KEY_TOO_SMALL',
  'CA certificate key too weak': 'CA_KEY_TOO_SMALL',
};

/**
 * OpenSSL's words for the verify error, which Node keeps only on the socket's native handle (the
 * documented `authorizationError` is the code alone). Undocumented, so read defensively: null when absent.
 */
function verifyErrorText(socket: tls.TLSSocket): string | null {
  try {
    const handle = (socket as unknown as { _handle?: { verifyError?: () => unknown } })._handle;
    const error = handle?.verifyError?.();
    return error instanceof Error && error.message !== '' ? error.message : null;
  } catch {
    return null;
  }
}

function authorizationCode(socket: tls.TLSSocket): string | null {
  if (socket.authorized) return null;
  // At run time Node stores the OpenSSL verify code as a string ("CERT_HAS_EXPIRED"); the typings say Error.
  const err: unknown = socket.authorizationError;
  if (err === 'UNSPECIFIED') {
    const text = verifyErrorText(socket);
    return text !== null && Object.hasOwn(UNNAMED_VERIFY_ERRORS, text) ? (UNNAMED_VERIFY_ERRORS[text] ?? err) : err;
  }
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return 'UNKNOWN_VERIFY_ERROR';
}

/**
 * Describe a completed handshake. `certValid` is the chain and the dates only (and, as
 * senders verify a chain, no signature in it over SHA-1 or MD5):
 * the connection is made with rejectUnauthorized false and a checkServerIdentity
 * that accepts everything, so socket.authorized carries exactly that, and the
 * name is judged separately (hostnameMatch).
 */
export function inspectTls(
  socket: tls.TLSSocket,
  exchange: string,
  bounds: TlsInspectBounds,
  now = Date.now(),
  anchors?: TrustAnchors,
): TlsInspection {
  const cipher = socket.getCipher() as (tls.CipherNameAndProtocol & { standardName?: string }) | undefined;
  const base = {
    version: socket.getProtocol() ?? null,
    cipher: cipher ? (cipher.standardName ?? cipher.name ?? null) : null,
    keyExchange: describeKeyExchange(socket),
  };
  // Before getPeerX509Certificate: on Node 20 that call empties the socket's peer chain for both afterwards.
  const nodePeer = socket.getPeerCertificate(true);
  if (!nodePeer || Object.keys(nodePeer).length === 0) {
    return {
      tls: {
        ...base,
        certValid: false,
        hostnameMatch: false,
        notAfter: null,
        error: 'NO_PEER_CERTIFICATE',
        chainLength: 0,
        certKey: null,
      },
      certIdentity: null,
      chainDigests: null,
    };
  }
  const leaf = peerX509(socket);
  const peer = linkPeerChain(nodePeer, leaf, bounds.maxCertChain, anchors);
  // The certificate's size is bounded by OpenSSL's max_cert_list (100 KiB by default), so its SAN list is too.
  const certIdentity: CertIdentity = {
    commonName: firstValue(peer.subject?.CN as DnValue),
    subjectAltName: peer.subjectaltname ?? null,
  };
  let described = describeCertificate(peer, leaf, bounds);
  // A weak signature above the leaf may be that of a certificate the server sent above the trusted one the
  // path ends at (a cross-signed root): judged on the path OpenSSL verified, as senders judge it.
  if (socket.authorized && anchors !== undefined && weakCertSignatures(described).some((weak) => weak.depth > 0)) {
    const verified = verifiedPathSignatures(peerChain(peer, bounds.maxCertChain), anchors);
    if (verified !== null) described = { ...described, chainSignatures: verified };
  }
  const error = authorizationCode(socket);
  const failed = error === null ? null : dateFailure(peer, error, bounds, now, anchors);
  // An error mxv has no name for either: OpenSSL's own words, so that it is not a bare UNSPECIFIED.
  const errorText = error === 'UNSPECIFIED' ? verifyErrorText(socket) : null;
  // The handshake runs at security level 0, which accepts any digest; senders verify at 1 or more, where
  // OpenSSL, and Postfix and GnuTLS with it, refuse a chain signed over SHA-1 or MD5 (verify error 68).
  const refusedDigest = socket.authorized && weakCertSignatures(described).length > 0;
  return {
    tls: {
      ...base,
      certValid: socket.authorized && !refusedDigest,
      hostnameMatch: certCoversName(certIdentity, exchange),
      error: refusedDigest ? 'CA_MD_TOO_WEAK' : error,
      ...described,
      ...(failed !== null ? { failedCertificate: failed } : {}),
      ...(errorText !== null ? { errorText: truncateUtf8(stripControls(errorText), bounds.maxStoredTextBytes) } : {}),
    },
    certIdentity,
    chainDigests: chainDigests(peer, bounds, now, sentFingerprints(leaf)),
  };
}

/** What describeCertificate says of a certificate, taken from a handshake's whole TlsInfo. */
type CertificateFacts = ReturnType<typeof describeCertificate>;

/**
 * The certificate's part of a TLS description, without what belongs to a session (version, cipher, key
 * exchange, renegotiation, the verdict): for a session the server refused after the handshake, written as a
 * failed handshake is, with the certificate it sent.
 */
export function certificateFacts(tls: TlsInfo): CertificateFacts {
  const facts: CertificateFacts = {
    notAfter: tls.notAfter,
    notBefore: tls.notBefore,
    subject: tls.subject,
    issuer: tls.issuer,
    subjectAltNames: tls.subjectAltNames,
    fingerprintSha256: tls.fingerprintSha256,
    chainLength: tls.chainLength,
    certKey: tls.certKey,
    chainSignatures: tls.chainSignatures,
  };
  return tls.subjectAltNamesOmitted === undefined ? facts : { ...facts, subjectAltNamesOmitted: tls.subjectAltNamesOmitted };
}

/**
 * What a certificate says of itself, judged by nothing: its dates, names, issuer, fingerprint and key.
 * Also what is kept of the certificate a server sent before its handshake failed (SentCertificate), for
 * whoever debugs the failure: that one, which is not judged either, since the handshake that would have
 * proved the server holds its key never completed (`certValid` and `hostnameMatch` stay false, and no
 * DANE or MTA-STS check reads it).
 */
export function describeCertificate(
  peer: tls.DetailedPeerCertificate,
  leaf: X509Certificate | undefined,
  bounds: TlsInspectBounds,
): Pick<
  TlsInfo,
  | 'notAfter'
  | 'notBefore'
  | 'subject'
  | 'issuer'
  | 'subjectAltNames'
  | 'subjectAltNamesOmitted'
  | 'fingerprintSha256'
  | 'chainLength'
  | 'certKey'
  | 'chainSignatures'
> {
  const chain = peerChain(peer, bounds.maxCertChain);
  const altNames = splitSubjectAltName(peer.subjectaltname);
  const omitted = Math.max(0, altNames.length - bounds.maxStoredAltNames);
  return {
    notAfter: isoDate(peer.valid_to),
    notBefore: isoDate(peer.valid_from),
    subject: describeName(peer.subject as unknown as Record<string, DnValue>, bounds.maxStoredTextBytes),
    issuer: describeName(peer.issuer as unknown as Record<string, DnValue>, bounds.maxStoredTextBytes),
    // A shared-hosting certificate may carry thousands: the result keeps a bounded list, and says how many more.
    subjectAltNames: altNames.slice(0, bounds.maxStoredAltNames).map((name) => truncateUtf8(name, bounds.maxStoredTextBytes)),
    ...(omitted > 0 ? { subjectAltNamesOmitted: omitted } : {}),
    fingerprintSha256: peer.fingerprint256 ?? null,
    chainLength: chain.length,
    certKey: describeCertKey(leaf, peer),
    chainSignatures: chainSignatures(chain),
  };
}
