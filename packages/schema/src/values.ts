/**
 * `@mxv/schema/values`: the contract's plain values and helpers, without the
 * zod schemas around them. The engine and `mxv check` import these (types come
 * from the main entry, erased at build), so a check never loads zod (bench/startup).
 */
import type { CheckResult, HostResult, TlsInfo } from './result.js';
import type { ExtendedDnsError, SecuritySection, Spf } from './security.js';

export * from './smtp-inspection.js';
export * from './greeting-name.js';
export * from './prober-refusal.js';

/** Bumped only with a CHANGELOG note; see shared/CONTRACT.md. */
export const RESULT_SCHEMA_VERSION = 1 as const;

/**
 * Names of the RFC 8914 INFO-CODEs (IANA "Extended DNS Error Codes"), for
 * people: the table and the page say "signature expired", not "7".
 */
export const EDE_INFO_CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'other error',
  1: 'unsupported DNSKEY algorithm',
  2: 'unsupported DS digest type',
  3: 'stale answer',
  4: 'forged answer',
  5: 'DNSSEC indeterminate',
  6: 'DNSSEC bogus',
  7: 'signature expired',
  8: 'signature not yet valid',
  9: 'DNSKEY missing',
  10: 'RRSIGs missing',
  11: 'no zone key bit set',
  12: 'NSEC missing',
  13: 'cached error',
  14: 'not ready',
  15: 'blocked',
  16: 'censored',
  17: 'filtered',
  18: 'prohibited',
  19: 'stale NXDOMAIN answer',
  20: 'not authoritative',
  21: 'not supported',
  22: 'no reachable authority',
  23: 'network error',
  24: 'invalid data',
};

/** An EDE in words: the code's name, and the resolver's own text when it differs. */
export function describeExtendedDnsError(ede: ExtendedDnsError): string {
  const name = EDE_INFO_CODE_NAMES[ede.code] ?? `extended DNS error ${ede.code}`;
  return ede.text && ede.text.toLowerCase() !== name ? `${name}: ${ede.text}` : name;
}

/** Every security check null: not asked for, or not applicable (an invalid input, a domain that does not exist). */
export const NO_SECURITY: SecuritySection = { dane: null, mtaSts: null, tlsRpt: null, spf: null, dmarc: null };

/**
 * A negotiated `tls.version` below TLS 1.2 (OpenSSL's names: "TLSv1" is 1.0): the server offers nothing
 * newer. RFC 8996 deprecates TLS 1.0 and 1.1; OpenSSL 3 at its defaults refuses the SHA-1 signatures of
 * their handshakes (openssl s_client does), so senders that keep those defaults send in clear, while
 * others still negotiate them (Postfix 3.7 on Debian 12 does: apps/cli/test/interop-mta.test.ts).
 */
export function isDeprecatedTlsVersion(version: string | null | undefined): boolean {
  return version === 'TLSv1' || version === 'TLSv1.1' || version === 'SSLv3';
}

/**
 * How long mxv waited, in ms, at a host that took the connection and never greeted (greeting_timeout, or
 * the host's whole budget spent waiting); null for any other host. Such a host is not always broken: some
 * hold their greeting back on purpose (SILENT_GREETING_WORDS).
 */
export function silentGreetingWaitMs(host: Pick<HostResult, 'connect' | 'banner' | 'error' | 'timingsMs'>): number | null {
  if (host.connect !== 'ok' || host.banner !== null) return null;
  if (host.error !== 'greeting_timeout' && host.error !== 'budget_exceeded') return null;
  return Math.max(0, host.timingsMs.total - (host.timingsMs.connect ?? 0));
}

/** What a missing greeting may mean, for the table and the page alike. */
export const SILENT_GREETING_WORDS =
  'a server may hold its greeting back on purpose (a tarpit for spam bots), and RFC 5321 4.5.3.2.1 has senders wait 5 minutes for it, so mail may still arrive, late';

/** A key of the handshake smaller than an OpenSSL security level allows (tlsKeyWeaknesses). */
export interface TlsKeyWeakness {
  /** The certificate's public key, or the ephemeral key exchange's. */
  key: 'certificate' | 'key_exchange';
  /** "RSA", "DSA", "DH", "EC", "ECDH"... as in `tls.certKey` / `tls.keyExchange`. */
  type: string;
  bits: number;
  /** The security level it falls below: 1 is OpenSSL 3's own default, 2 that of Debian, Ubuntu and RHEL. */
  belowLevel: 1 | 2;
  /** The least size of the level it falls below. */
  minimumBits: number;
}

/**
 * OpenSSL's security levels (SSL_CTX_set_security_level(3)) as key sizes: level 1 (80 bits of security)
 * wants RSA, DSA and DH of 1024 bits and elliptic curves of 160, level 2 (112 bits) 2048 and 224. Debian
 * (since 10), Ubuntu (since 20.04) and RHEL 9's DEFAULT policy run at level 2.
 */
const SECURITY_LEVELS = [
  { level: 1, finiteField: 1024, ellipticCurve: 160 },
  { level: 2, finiteField: 2048, ellipticCurve: 224 },
] as const;

const FINITE_FIELD_KEYS = new Set(['RSA', 'RSA-PSS', 'DSA', 'DH']);
const ELLIPTIC_CURVE_KEYS = new Set(['EC', 'ECDH']);

function weakness(key: TlsKeyWeakness['key'], type: string, bits: number | null): TlsKeyWeakness | null {
  const family = FINITE_FIELD_KEYS.has(type) ? 'finiteField' : ELLIPTIC_CURVE_KEYS.has(type) ? 'ellipticCurve' : null;
  if (family === null || bits === null || bits <= 0) return null;
  const level = SECURITY_LEVELS.find((l) => bits < l[family]);
  return level ? { key, type, bits, belowLevel: level.level, minimumBits: level[family] } : null;
}

/**
 * The keys of a completed handshake that senders at a common OpenSSL security level refuse (mxv itself
 * handshakes at level 0, to see what the most lenient sender gets). What that costs differs, as openssl
 * s_client on Debian 12 (OpenSSL 3.0, level 2) shows: a small certificate key fails certificate
 * verification only ("EE certificate key too weak"), so opportunistic TLS still encrypts and only senders
 * that verify (MTA-STS, DANE-TA) refuse to deliver; a small DH group fails the handshake itself ("dh key
 * too small"), and senders fall back to clear.
 * Ed25519, Ed448 and X25519 keys are never weak here.
 */
export function tlsKeyWeaknesses(tls: Pick<TlsInfo, 'certKey' | 'keyExchange'> | null | undefined): TlsKeyWeakness[] {
  if (!tls) return [];
  const found = [
    tls.certKey ? weakness('certificate', tls.certKey.type, tls.certKey.bits) : null,
    tls.keyExchange ? weakness('key_exchange', tls.keyExchange.type, tls.keyExchange.bits) : null,
  ];
  return found.filter((w): w is TlsKeyWeakness => w !== null);
}

/** Who runs each security level: the words for people (the table's line, the page's "Keys" row). */
const LEVEL_WHO: Readonly<Record<TlsKeyWeakness['belowLevel'], string>> = {
  1: "OpenSSL 3's own default",
  2: 'the default on Debian, Ubuntu and RHEL',
};

/**
 * One weakness in plain words: `what` ("DH 1024-bit key exchange") and `effect`, what it costs a sender,
 * with OpenSSL's own error for it, which is what a bounce or a sender's log shows. Shared by the table and
 * the page so that both say the same. Postfix and GnuTLS are named apart: on Debian 12, Postfix 3.7
 * (which sets its own security level) and GnuTLS 3.7's gnutls-cli negotiate DHE over a 1024-bit group and
 * verify a 1024-bit RSA certificate, where openssl s_client at the defaults refuses both
 * (apps/cli/test/interop-mta.test.ts); below level 1 nothing was checked against them, so nothing is said.
 */
export function describeTlsKeyWeakness(weak: TlsKeyWeakness): { what: string; effect: string } {
  const level = `below OpenSSL security level ${weak.belowLevel} (${weak.minimumBits} bits), ${LEVEL_WHO[weak.belowLevel]}`;
  const checked = weak.belowLevel === 2;
  if (weak.key === 'certificate') {
    return {
      what: `${weak.type} ${weak.bits}-bit certificate key`,
      effect: `${level}: senders on that default that verify certificates (MTA-STS, DANE-TA) refuse it ("EE certificate key too weak")${checked ? '; Postfix 3.7 and GnuTLS 3.7 (Exim) accept it' : ''}`,
    };
  }
  return {
    what: `${weak.type} ${weak.bits}-bit key exchange`,
    effect: `${level}: senders on that default fail the handshake ("dh key too small") and send in clear${checked ? '; Postfix 3.7 and GnuTLS 3.7 (Exim) negotiate it' : ''}`,
  };
}

/** A certificate verification failure (`tls.error` of a completed handshake) in plain words (describeCertificateError). */
export interface CertificateErrorWords {
  /** What is wrong, as a domain's administrator would say it: "the certificate is self-signed". */
  what: string;
  /** What usually causes it and how it is fixed. */
  fix: string;
}

const CHAIN_TO_PUBLIC_CA = 'send the whole chain of a public CA';
/**
 * Who refuses a chain signed over SHA-1 or MD5 (openssl s_client at Debian 12's defaults and posttls-finger:
 * verify error 68, "CA signature digest algorithm too weak"; gnutls-cli: "insecure algorithm"; checked in
 * apps/cli/test/interop-mta.test.ts).
 */
const WEAK_SIGNATURE_REFUSERS = 'senders that verify certificates (OpenSSL 3, Postfix, GnuTLS)';
const WEAK_SIGNATURE_FIX = 'have it issued again, signed with SHA-256';
const NOT_A_TRUSTED_ISSUER: CertificateErrorWords = {
  what: 'the chain the server sends does not lead to a CA that senders trust',
  fix: `an intermediate certificate is missing or is not the one that issued it, or the chain comes from a private CA: ${CHAIN_TO_PUBLIC_CA}`,
};
const BAD_SIGNATURE: CertificateErrorWords = {
  what: 'a signature in the chain does not verify',
  fix: 'the chain pairs a certificate with an issuer that did not sign it: send the intermediate that issued it',
};
const UNREADABLE_DATES: CertificateErrorWords = {
  what: "the certificate's dates cannot be read",
  fix: 'issue it again',
};
const NAME_CONSTRAINTS: CertificateErrorWords = {
  what: 'the certificate names a host that its CA may not certify (the CA is limited by name constraints)',
  fix: 'have it issued by a CA allowed to certify that name',
};
const NOT_A_CA: CertificateErrorWords = {
  what: 'a certificate of the chain signs another without being allowed to (not a CA, or past its path length)',
  fix: "send the CA's own intermediate certificates",
};

/**
 * OpenSSL's verify errors as Node names them (`authorizationError`; X509_V_ERR_* without the prefix),
 * and mxv's own NO_PEER_CERTIFICATE. A missing intermediate, the commonest of them on mail servers,
 * shows as UNABLE_TO_VERIFY_LEAF_SIGNATURE when the leaf comes alone (openssl s_client's verify code
 * 21, as Postfix serving a certificate without its chain shows in apps/cli/test/interop-mta.test.ts).
 */
const CERTIFICATE_ERROR_WORDS: Readonly<Record<string, CertificateErrorWords>> = {
  CERT_HAS_EXPIRED: {
    what: 'the certificate has expired',
    fix: 'renew it and have the mail server load the new one (a certificate renewed on disk while the server still serves the old one looks the same)',
  },
  CERT_NOT_YET_VALID: {
    what: 'the certificate is not valid yet (its start date is in the future)',
    fix: 'it was installed before its start date, or a clock is off',
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    what: 'the certificate is self-signed',
    fix: "no sender can verify it against a CA; use one from a CA (Let's Encrypt is free), or publish a DANE TLSA 3 1 1 record for it in a DNSSEC-signed zone",
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    what: 'the server sends its certificate alone, and its issuer is not a CA that senders trust',
    fix: 'most often the intermediate certificate is missing: configure the full chain (fullchain.pem; Postfix smtpd_tls_chain_files, Exim tls_certificate); otherwise it comes from a private CA',
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: NOT_A_TRUSTED_ISSUER,
  UNABLE_TO_GET_ISSUER_CERT: NOT_A_TRUSTED_ISSUER,
  SELF_SIGNED_CERT_IN_CHAIN: {
    what: 'the chain ends at a root certificate that senders do not trust (a private CA)',
    fix: 'use a certificate from a public CA, or publish a DANE TLSA 2 record for the private CA in a DNSSEC-signed zone',
  },
  CERT_SIGNATURE_FAILURE: BAD_SIGNATURE,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: BAD_SIGNATURE,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: BAD_SIGNATURE,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: UNREADABLE_DATES,
  ERROR_IN_CERT_NOT_AFTER_FIELD: UNREADABLE_DATES,
  INVALID_CA: NOT_A_CA,
  PATH_LENGTH_EXCEEDED: NOT_A_CA,
  INVALID_PURPOSE: {
    what: 'the certificate is not meant for TLS servers (its extended key usage)',
    fix: 'issue one for TLS server authentication',
  },
  CERT_CHAIN_TOO_LONG: { what: 'the chain is longer than senders follow', fix: CHAIN_TO_PUBLIC_CA },
  CERT_UNTRUSTED: { what: 'the root of the chain is not trusted for TLS servers', fix: CHAIN_TO_PUBLIC_CA },
  CERT_REJECTED: { what: 'the root of the chain is marked as rejected', fix: CHAIN_TO_PUBLIC_CA },
  CERT_REVOKED: { what: 'the certificate has been revoked', fix: 'replace it' },
  NO_PEER_CERTIFICATE: {
    what: 'the server sent no certificate (anonymous TLS)',
    fix: 'configure a certificate for the MX name',
  },
  UNHANDLED_CRITICAL_EXTENSION: {
    what: 'a certificate of the chain has an extension marked critical that senders do not know, so they must refuse it',
    fix: 'issue it again without that extension, or without marking it critical',
  },
  KEYUSAGE_NO_CERTSIGN: {
    what: 'a certificate of the chain signs the next one though its key usage does not allow signing certificates',
    fix: "send the CA's own intermediate certificate (the server may send a wrong one)",
  },
  PERMITTED_VIOLATION: NAME_CONSTRAINTS,
  EXCLUDED_VIOLATION: NAME_CONSTRAINTS,
  AKID_SKID_MISMATCH: {
    what: "the chain's certificates do not link up by key identifier",
    fix: 'send the intermediate that issued the certificate (an older intermediate of the same name is not it)',
  },
  INVALID_EXTENSION: { what: 'a certificate of the chain has a malformed or inconsistent extension', fix: 'issue it again' },
  CA_MD_TOO_WEAK: {
    what: `a certificate of the chain is signed with SHA-1 or MD5, which ${WEAK_SIGNATURE_REFUSERS} refuse`,
    fix: WEAK_SIGNATURE_FIX,
  },
};

/**
 * Why a certificate failed verification, in plain words and with the usual fix, for a `tls.error` of a
 * completed handshake (`tls.version` not null; a failed handshake's error is a TLS alert, not this).
 * Shared by the table and the page so that both say the same; null for a code without words (shown as is).
 */
export function describeCertificateError(
  code: string | null | undefined,
  tls?: Pick<TlsInfo, 'chainSignatures' | 'failedCertificate'> | null,
): CertificateErrorWords | null {
  if (code === null || code === undefined || !Object.hasOwn(CERTIFICATE_ERROR_WORDS, code)) return null;
  const aboveLeaf = tls?.failedCertificate !== undefined && tls.failedCertificate.depth > 0 ? tls.failedCertificate : null;
  if (aboveLeaf !== null && (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')) {
    return chainDateWords(code, aboveLeaf, tls?.chainSignatures?.[aboveLeaf.depth]?.selfIssued === true);
  }
  // OpenSSL reports the date (checked last) of an expired self-signed certificate, where posttls-finger and
  // senders log "self-signed certificate" first: renewing it as it is would leave it untrusted.
  const selfSigned = aboveLeaf === null && tls?.chainSignatures?.length === 1 && tls.chainSignatures[0]?.selfIssued === true;
  if (selfSigned && (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')) {
    const selfSignedWords = CERTIFICATE_ERROR_WORDS.DEPTH_ZERO_SELF_SIGNED_CERT;
    return {
      what: `${CERTIFICATE_ERROR_WORDS[code]?.what ?? code}, and it is self-signed`,
      fix: `renewing it would not be enough: ${selfSignedWords?.fix ?? ''}`,
    };
  }
  const weak = code === 'CA_MD_TOO_WEAK' ? weakCertSignatures(tls) : [];
  if (weak.length > 0) {
    return {
      what: `${weak.map(weakSignatureWhat).join('; ')}, which ${WEAK_SIGNATURE_REFUSERS} refuse`,
      fix: WEAK_SIGNATURE_FIX,
    };
  }
  return CERTIFICATE_ERROR_WORDS[code] ?? null;
}

/** "the certificate is signed with SHA-1 (sha1WithRSAEncryption)"; above the leaf, the chain's certificate by its depth. */
function weakSignatureWhat(weak: WeakCertSignature): string {
  const which = weak.depth === 0 ? 'the certificate' : `the chain's intermediate certificate ${weak.depth}`;
  return `${which} is signed with ${weak.hash} (${weak.algorithm})`;
}

/**
 * One weak signature in plain words, for where the chain's verify error does not already say it (a chain
 * that fails for another reason first, a private CA's under DANE-TA): what it is, and what it costs.
 */
export function describeWeakCertSignature(weak: WeakCertSignature): { what: string; effect: string } {
  return {
    what: weakSignatureWhat(weak),
    effect: `${WEAK_SIGNATURE_REFUSERS} refuse it, opportunistic TLS still encrypts; ${WEAK_SIGNATURE_FIX}`,
  };
}

/**
 * A date error above the server's own certificate: an intermediate the chain file was never updated with
 * (the commonest), or a root past its date. Fixed in the chain the server sends, not by renewing.
 */
function chainDateWords(
  code: 'CERT_HAS_EXPIRED' | 'CERT_NOT_YET_VALID',
  failed: NonNullable<TlsInfo['failedCertificate']>,
  root: boolean,
): CertificateErrorWords {
  const which = `the chain's ${root ? 'root' : 'intermediate'} certificate ${failed.depth}${failed.subject !== null ? ` (${failed.subject})` : ''}`;
  if (code === 'CERT_NOT_YET_VALID') {
    return {
      what: `${which} is not valid before ${failed.notBefore?.slice(0, 10) ?? 'a date to come'}`,
      fix: "it was installed before its start date, or a clock is off; until then send the CA's current chain",
    };
  }
  return {
    what: `${which} expired${failed.notAfter !== null ? ` on ${failed.notAfter.slice(0, 10)}` : ''}`,
    fix: root
      ? "the chain leads to a root past its date: send the chain to the CA's current root"
      : "the server sends an out-of-date intermediate: replace it with the one the CA issues now (with Let's Encrypt, the fullchain.pem of the latest renewal), and reload the server",
  };
}

/**
 * Digests OpenSSL 3 rates below 80 bits of security (SHA-1 63, MD5 39), hence below security level 1, its
 * own default: from level 1 up, certificate verification refuses a signature over them.
 */
const REFUSED_SIGNATURE_HASHES = new Set(['MD2', 'MD4', 'MD5', 'SHA-1']);

/** A signature over this digest fails certificate verification in OpenSSL 3 from level 1 up (REFUSED_SIGNATURE_HASHES). */
export function isRefusedSignatureHash(hash: string | null | undefined): boolean {
  return hash !== null && hash !== undefined && REFUSED_SIGNATURE_HASHES.has(hash);
}

/** A certificate of the chain signed over a digest that verifiers refuse (weakCertSignatures). */
export interface WeakCertSignature {
  /** 0 for the leaf, 1 for its issuer... as in `tls.chainSignatures`. */
  depth: number;
  algorithm: string;
  hash: string;
}

/**
 * The certificates of the chain whose signature is over SHA-1 or MD5, leaf first. A self-issued root is
 * left out: as OpenSSL's check_auth_level does for the trust anchor, no verifier checks its own signature.
 */
export function weakCertSignatures(tls: Pick<TlsInfo, 'chainSignatures'> | null | undefined): WeakCertSignature[] {
  const weak: WeakCertSignature[] = [];
  for (const [depth, signature] of (tls?.chainSignatures ?? []).entries()) {
    if (signature.selfIssued || signature.hash === null || !isRefusedSignatureHash(signature.hash)) continue;
    weak.push({ depth, algorithm: signature.algorithm, hash: signature.hash });
  }
  return weak;
}

/**
 * A presented name with a wildcard other than the whole left-most label ("mx*.example.com",
 * "mx.*.example.com"): RFC 9525 6.3 and senders (Postfix, GnuTLS) match none of these.
 */
export function isPartialWildcard(presented: string): boolean {
  return presented.includes('*') && !(presented.startsWith('*.') && !presented.includes('*', 1));
}

/** Said beside a name mismatch when the certificate's names include a partial wildcard (isPartialWildcard). */
export const PARTIAL_WILDCARD_WORDS =
  'a wildcard matches only as the whole first label (*.example.com), as senders match it (RFC 9525 6.3)';

/** Said beside a name mismatch when a DNS name of the certificate ends in a dot ("mx.example.com."). */
export const FINAL_DOT_WORDS =
  'a name written with a final dot matches nothing: senders (OpenSSL, Postfix, GnuTLS) compare it as written';

/**
 * Why names the certificate seems to carry do not count, for the words beside a name mismatch: partial
 * wildcards (PARTIAL_WILDCARD_WORDS), names with a final dot (FINAL_DOT_WORDS); null when neither.
 */
export function unmatchedNamesWords(tls: Pick<TlsInfo, 'subjectAltNames'> | null | undefined): string | null {
  const names = certificateDnsNames(tls);
  const words = [
    ...(names.some(isPartialWildcard) ? [PARTIAL_WILDCARD_WORDS] : []),
    ...(names.some((name) => name.endsWith('.')) ? [FINAL_DOT_WORDS] : []),
  ];
  return words.length > 0 ? words.join('; ') : null;
}

/** The DNS names a certificate covers (its `DNS:` subject alternative names, as `tls.subjectAltNames` keeps them). */
export function certificateDnsNames(tls: Pick<TlsInfo, 'subjectAltNames'> | null | undefined): string[] {
  return (tls?.subjectAltNames ?? []).filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice('DNS:'.length));
}

/**
 * The names a certificate covers as a short list for people ("a.example, b.example and 4 more"), at most
 * `shown` of them (a CDN's certificate may carry hundreds); null when it has none.
 */
export function certificateNamesText(
  tls: Pick<TlsInfo, 'subjectAltNames' | 'subjectAltNamesOmitted'> | null | undefined,
  shown: number,
): string | null {
  const names = certificateDnsNames(tls);
  if (names.length === 0) return null;
  // Names the probe did not keep are counted with the rest (of any kind: most are DNS names).
  const hidden = Math.max(0, names.length - shown) + (tls?.subjectAltNamesOmitted ?? 0);
  const more = hidden > 0 ? ` and ${hidden} more` : '';
  return `${names.slice(0, shown).join(', ')}${more}`;
}

/**
 * The name an MX exchange was probably meant to be when it ends with the same two or more labels twice
 * (`mail.example.com.example.com` → `mail.example.com`): a zone file entry written without its final dot,
 * to which the zone's own name was appended (RFC 1035 5.1), the classic mistake of hand-written zones.
 * One repeated label (`mx.com.com`) is not taken for it; null when the name repeats nothing.
 */
export function repeatedOriginName(exchange: string): { intended: string; origin: string } | null {
  const labels = exchange.toLowerCase().replace(/\.$/, '').split('.');
  for (let size = Math.floor(labels.length / 2); size >= 2; size--) {
    const tail = labels.slice(labels.length - size);
    const before = labels.slice(labels.length - 2 * size, labels.length - size);
    if (tail.every((label, i) => label === before[i])) {
      return { intended: labels.slice(0, labels.length - size).join('.'), origin: tail.join('.') };
    }
  }
  return null;
}

/**
 * What SPF says of a host the record does not list (`spf.otherSenders`), for people: `short` for the
 * table's security line (the `all` people write), `words` for the page, and whether it leaves the domain
 * open to forgers (`protects`: false for neutral and pass). Shared so that both say the same.
 */
export function describeSpfOtherSenders(otherSenders: NonNullable<Spf['otherSenders']>): {
  short: string;
  words: string;
  protects: boolean;
} {
  switch (otherSenders) {
    case 'fail':
      return { short: '-all', words: 'hosts it does not list fail (-all): receivers may refuse their mail', protects: true };
    case 'softfail':
      return {
        short: '~all',
        words: 'hosts it does not list softfail (~all): receivers take their mail but may mark it, and DMARC decides',
        protects: true,
      };
    case 'neutral':
      return {
        short: 'neutral',
        words: 'it says nothing of hosts it does not list (?all, or no all at all): for them it is as if there were no SPF',
        protects: false,
      };
    case 'pass':
      return {
        short: '+all',
        words:
          'every host passes (+all, or a term every sender matches): anyone can send as this domain and pass SPF, and DMARC with it',
        protects: false,
      };
  }
}

/**
 * Verdict `ok` (the contract's: a host greets with 220) where no mail host went on to accept EHLO or HELO
 * (it hung up, or refused both): senders may get no further than mxv did.
 */
export function noMailHostTookEhlo(result: Pick<CheckResult, 'verdict' | 'hosts'>): boolean {
  if (result.verdict !== 'ok') return false;
  const accepted = (reply: { code: number } | null | undefined): boolean =>
    reply !== null && reply !== undefined && reply.code >= 200 && reply.code < 300;
  return !result.hosts.some((host) => host.service === undefined && (accepted(host.ehlo) || accepted(host.ehloTls)));
}

/**
 * A host that refused EHLO (other than "not implemented") and then took HELO: no error, the refusal kept.
 * Without EHLO there is no STARTTLS to ask for, and the refusal may be of mxv's own EHLO name.
 */
export function ehloRefusedHeloAccepted(host: Pick<HostResult, 'error' | 'refusal' | 'ehlo'>): boolean {
  return host.error === null && host.refusal?.command === 'EHLO' && !host.refusal.overTls && host.ehlo?.command === 'HELO';
}

/** Said beside such a refusal, in the table and on the page. */
export const EHLO_REFUSED_HELO_ACCEPTED_WORDS = 'HELO was accepted instead, so there was no STARTTLS to ask for';

/** Said after those words when the refusal's text does not say what it is about (proberRefusal gives no kind). */
export const EHLO_NAME_MAYBE_WORDS =
  "if the refusal is about the EHLO name, it judged mxv's own (--helo-name): senders that give a valid name of theirs may get EHLO and STARTTLS";

/**
 * Whether every MX record's address lookup failed (problem `dns_error`: SERVFAIL, a timeout, a refusal)
 * rather than answered "no address": under `unresolvable`, senders defer and retry instead of bouncing,
 * which the table's headline and the page say.
 */
export function addressLookupsFailed(mx: Pick<CheckResult['mx'], 'records'>): boolean {
  return mx.records.length > 0 && mx.records.every((record) => record.problems.includes('dns_error'));
}

/**
 * For a domain that receives no mail (a null MX), what it still lacks to make mail forged in its name fail,
 * as M3AAWG advises for parked domains: an SPF record that fails every host (`v=spf1 -all`) and a DMARC
 * policy of reject. Such a domain may still send (a no-reply domain), so this is advice, not a fault.
 * Empty when nothing is missing, or when SPF or DMARC was not checked (`--checks`) and nothing can be said.
 */
export function parkedDomainGaps(result: Pick<CheckResult, 'verdict' | 'security'>): ('SPF' | 'DMARC')[] {
  const { spf, dmarc } = result.security;
  if (result.verdict !== 'null_mx' || !spf || !dmarc) return [];
  const gaps: ('SPF' | 'DMARC')[] = [];
  if (!(spf.status === 'valid' && spf.otherSenders === 'fail')) gaps.push('SPF');
  if (!(dmarc.status === 'valid' && dmarc.policy === 'reject')) gaps.push('DMARC');
  return gaps;
}

/**
 * What a DANE pass means for a certificate that public-CA checks refuse or that names another host (RFC 7672):
 * one text for the table's certificate line and the host card's "Vouched for" row.
 */
export const DANE_VOUCHES_WORDS =
  'its DANE TLSA record matches it, so senders that use DANE deliver; senders that check it against public CAs (MTA-STS) do not';
