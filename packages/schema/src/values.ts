/**
 * `@mxv/schema/values`: the contract's plain values and helpers, without the
 * zod schemas around them. The engine and `mxv check` import these (types come
 * from the main entry, erased at build), so a check never loads zod (bench/startup).
 */
import type { ExtendedDnsError, SecuritySection } from './security.js';

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
