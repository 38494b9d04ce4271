import type { HostDane, HostResult, TlsaRecord } from '@mxv/schema';
import type { CertIdentity, ChainDigest } from '../engine/host-types.js';
import { certCoversName } from '../smtp/tls-inspect.js';
import { anchoredUnsent, isUsableTlsa, matchesAboveRefusedDigest, matchesUnsentAnchor, matchTlsa } from './match-tlsa.js';
import type { TlsaCandidate, TlsaLookup } from './tlsa-lookup.js';

/** What DANE needs of one host beyond its TLSA answer. */
export interface DaneHostFacts {
  host: Pick<HostResult, 'connect' | 'starttls' | 'exchange'>;
  chainDigests: readonly ChainDigest[] | null;
  certIdentity: CertIdentity | null;
  /** Names the leaf may carry for DANE-TA (RFC 7672 3.2.3): the exchange, and where its CNAME chain led. */
  names: readonly string[];
  /** Whether the answers that led here were DNSSEC-secure: the MX answer, and the exchange's A/AAAA answers. */
  mxSecure: boolean;
  addressesSecure: boolean;
}

function shown(record: TlsaCandidate, maxDataBytes: number): TlsaRecord {
  const maxHex = maxDataBytes * 2;
  const data = record.data.length > maxHex ? `${record.data.slice(0, maxHex)}…` : record.data;
  return { usage: record.usage, selector: record.selector, matchingType: record.matchingType, data };
}

/**
 * DANE for one host (RFC 7672). The TLSA records count only when every answer
 * on the way was secure: MX, the exchange's addresses, and the TLSA answer
 * itself (2.2.1-2.2.2); otherwise `not_applicable`, with the first insecure
 * link as reason. With secure records TLS is mandatory (2.2): no STARTTLS or a
 * failed handshake is `fail`. Records that are all unusable (usages 0/1,
 * unknown fields, wrong digest lengths) still make TLS mandatory, but can
 * authenticate nothing (3.1.3): `fail` with `unusable_records` once TLS worked.
 * A host never reached says nothing about DANE: null, as for an unchecked host.
 */
export function hostDane(lookup: TlsaLookup, facts: DaneHostFacts, maxShownDataBytes: number): HostDane | null {
  const secureRoute = facts.mxSecure && facts.addressesSecure;
  const name = lookup.name;
  if (lookup.status === 'dns_error') {
    // RFC 7672 2.2.1: a failed TLSA lookup under a secure route must not be read as "no TLSA" (a downgrade).
    return secureRoute
      ? { name, status: 'dns_error', tlsa: [], reason: lookup.reason }
      : { name, status: 'not_applicable', tlsa: [], reason: facts.mxSecure ? 'address_not_secure' : 'mx_not_secure' };
  }
  if (lookup.status === 'none') return { name, status: 'none', tlsa: [], reason: null };

  const tlsa = lookup.records.map((record) => shown(record, maxShownDataBytes));
  const omitted = lookup.total > lookup.records.length ? lookup.total - lookup.records.length : null;
  // Written out rather than `{ ...listed, status, reason }`: on V8 11 (Node 20) a literal that starts with a
  // spread and then adds keys makes new hidden classes each time, old-space garbage for every host checked.
  const listed = (status: HostDane['status'], reason: string | null, matched?: TlsaRecord | null): HostDane => ({
    name,
    tlsa,
    ...(omitted !== null ? { omitted } : {}),
    status,
    reason,
    ...(matched !== undefined ? { matched } : {}),
  });
  if (!facts.mxSecure) return listed('not_applicable', 'mx_not_secure');
  if (!facts.addressesSecure) return listed('not_applicable', 'address_not_secure');
  if (!lookup.authenticated) return listed('not_applicable', 'tlsa_not_secure');

  if (facts.host.connect !== 'ok') return null;
  if (facts.host.starttls === 'not_offered') return listed('fail', 'no_starttls');
  if (facts.host.starttls !== 'ok') return listed('fail', 'tls_failed');
  if (!lookup.records.some(isUsableTlsa)) return listed('fail', 'unusable_records');
  // A cached probe from an mxv that kept no chain digests cannot be matched: not checked, rather than a guess.
  if (facts.chainDigests === null) return null;
  const identity = facts.certIdentity;
  const matched = matchTlsa(
    lookup.records,
    facts.chainDigests,
    () => identity !== null && facts.names.some((name) => certCoversName(identity, name)),
  );
  if (matched === null) {
    const failed = listed('fail', 'no_match', null);
    if (matchesAboveRefusedDigest(lookup.records, facts.chainDigests)) failed.hint = 'weak_signature';
    else if (matchesUnsentAnchor(lookup.records, facts.chainDigests)) failed.hint = 'ta_not_sent';
    return failed;
  }
  const passed = listed('pass', null, shown(matched, maxShownDataBytes));
  if (anchoredUnsent(matched, facts.chainDigests)) passed.hint = 'ta_not_sent';
  return passed;
}
