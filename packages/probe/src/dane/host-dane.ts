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
  /**
   * Names a DANE-TA leaf may carry besides the TLSA base domain (RFC 7672 3.2.2): the next-hop domain,
   * the domain mail is for. Postfix accepts exactly these two; the exchange's unexpanded alias name is not
   * one of them when the records came from its expansion.
   */
  nextHop: string;
  /** Whether the answers that led here were DNSSEC-secure: the MX answer, and the exchange's A/AAAA answers. */
  mxSecure: boolean;
  addressesSecure: boolean;
  /**
   * The exchange is an alias (CNAME). Its TLSA records are looked up even when its addresses are insecure
   * (an alias in a signed zone may point into an unsigned one) and count when their own answer is secure,
   * as Postfix looks them up for aliases (posttls-finger -f) and RFC 7672 2.2.3 names the original name
   * the TLSA base domain when the expansion is not secure.
   */
  isAlias: boolean;
}

function shown(record: TlsaCandidate, maxDataBytes: number): TlsaRecord {
  const maxHex = maxDataBytes * 2;
  const data = record.data.length > maxHex ? `${record.data.slice(0, maxHex)}…` : record.data;
  return { usage: record.usage, selector: record.selector, matchingType: record.matchingType, data };
}

/** The TLSA base domain of a lookup: the name its owner `_<port>._tcp.<base>` was made from (RFC 7672 2.2.3). */
function tlsaBaseDomain(owner: string): string {
  return owner.replace(/^_\d+\._tcp\./, '');
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
 * Under an insecure MX answer with secure addresses and TLSA records, the check
 * is still made, as Postfix 3.6 and later make it by default, and kept beside
 * `not_applicable` as `insecureMx`.
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
  const addressesCount = facts.addressesSecure || (facts.isAlias && lookup.authenticated);
  if (!facts.mxSecure) {
    const skipped = listed('not_applicable', 'mx_not_secure');
    if (addressesCount && lookup.authenticated) {
      const anyway = judge(lookup, facts, listed, maxShownDataBytes);
      if (anyway !== null && (anyway.status === 'pass' || anyway.status === 'fail')) {
        skipped.insecureMx = {
          status: anyway.status,
          reason: anyway.reason,
          ...(anyway.matched !== undefined ? { matched: anyway.matched } : {}),
          ...(anyway.hint !== undefined ? { hint: anyway.hint } : {}),
        };
      }
    }
    return skipped;
  }
  if (!addressesCount) return listed('not_applicable', 'address_not_secure');
  if (!lookup.authenticated) return listed('not_applicable', 'tlsa_not_secure');
  return judge(lookup, facts, listed, maxShownDataBytes);
}

/** With secure records: what the host's TLS makes of them (pass, fail with why), or null when the host was not reached. */
function judge(
  lookup: Extract<TlsaLookup, { status: 'found' }>,
  facts: DaneHostFacts,
  listed: (status: HostDane['status'], reason: string | null, matched?: TlsaRecord | null) => HostDane,
  maxShownDataBytes: number,
): HostDane | null {
  if (facts.host.connect !== 'ok') return null;
  if (facts.host.starttls === 'not_offered') return listed('fail', 'no_starttls');
  if (facts.host.starttls !== 'ok') return listed('fail', 'tls_failed');
  if (!lookup.records.some(isUsableTlsa)) return listed('fail', 'unusable_records');
  // A cached probe from an mxv that kept no chain digests cannot be matched: not checked, rather than a guess.
  if (facts.chainDigests === null) return null;
  const identity = facts.certIdentity;
  const names = [tlsaBaseDomain(lookup.name), facts.nextHop];
  const matched = matchTlsa(
    lookup.records,
    facts.chainDigests,
    () => identity !== null && names.some((name) => certCoversName(identity, name)),
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
