import { describe, expect, it } from 'vitest';
import type { HostResult } from '@mxv/schema';
import { aggregateDane } from '../src/dane/aggregate-dane.js';
import { hostDane, type DaneHostFacts } from '../src/dane/host-dane.js';
import { isUsableTlsa, matchTlsa } from '../src/dane/match-tlsa.js';
import type { TlsaCandidate, TlsaLookup } from '../src/dane/tlsa-lookup.js';
import type { ChainDigest } from '../src/engine/host-types.js';

const hex = (byte: string, bytes: number): string => byte.repeat(bytes);
const leaf: ChainDigest = {
  certSha256: hex('a1', 32),
  certSha512: hex('a2', 64),
  spkiSha256: hex('a3', 32),
  spkiSha512: hex('a4', 64),
  leafChains: true,
};
const issuer: ChainDigest = { ...leaf, certSha256: hex('b1', 32), spkiSha256: hex('b3', 32), leafChains: true };
const stranger: ChainDigest = { ...issuer, spkiSha256: hex('c3', 32), leafChains: false };

function record(usage: number, selector: number, matchingType: number, data: string, dataSha256 = ''): TlsaCandidate {
  return { usage, selector, matchingType, data, dataSha256 };
}

describe('isUsableTlsa (RFC 7672 3.1.3, RFC 6698 4.1)', () => {
  it.each([
    [record(3, 1, 1, hex('00', 32)), true],
    [record(2, 0, 2, hex('00', 64)), true],
    [record(3, 0, 0, 'ab'), true],
    [record(0, 1, 1, hex('00', 32)), false],
    [record(1, 1, 1, hex('00', 32)), false],
    [record(4, 1, 1, hex('00', 32)), false],
    [record(3, 2, 1, hex('00', 32)), false],
    [record(3, 1, 3, hex('00', 32)), false],
    [record(3, 1, 1, hex('00', 31)), false],
    [record(3, 1, 2, hex('00', 32)), false],
    [record(3, 1, 0, ''), false],
  ])('%o → %s', (candidate, usable) => {
    expect(isUsableTlsa(candidate)).toBe(usable);
  });
});

describe('matchTlsa', () => {
  const named = (): boolean => true;
  const unnamed = (): boolean => false;
  it('DANE-EE matches the leaf by every selector and matching type, whatever the name', () => {
    expect(matchTlsa([record(3, 1, 1, leaf.spkiSha256)], [leaf], unnamed)).not.toBeNull();
    expect(matchTlsa([record(3, 0, 1, leaf.certSha256)], [leaf], unnamed)).not.toBeNull();
    expect(matchTlsa([record(3, 1, 2, leaf.spkiSha512)], [leaf], unnamed)).not.toBeNull();
    expect(matchTlsa([record(3, 0, 0, 'beef', leaf.certSha256)], [leaf], unnamed)).not.toBeNull();
    expect(matchTlsa([record(3, 1, 1, issuer.spkiSha256)], [leaf, issuer], named)).toBeNull();
  });
  it('DANE-TA matches a certificate the leaf chains to, and then needs the name', () => {
    expect(matchTlsa([record(2, 1, 1, issuer.spkiSha256)], [leaf, issuer], named)).not.toBeNull();
    expect(matchTlsa([record(2, 1, 1, issuer.spkiSha256)], [leaf, issuer], unnamed)).toBeNull();
    expect(matchTlsa([record(2, 1, 1, stranger.spkiSha256)], [leaf, stranger], named)).toBeNull();
  });
  it('unusable records never match, and an empty chain matches nothing', () => {
    expect(matchTlsa([record(1, 1, 1, leaf.spkiSha256)], [leaf], named)).toBeNull();
    expect(matchTlsa([record(3, 1, 1, leaf.spkiSha256)], [], named)).toBeNull();
  });
});

describe('hostDane', () => {
  const found = (records: TlsaCandidate[], authenticated = true): TlsaLookup => ({
    status: 'found',
    name: '_25._tcp.mx.a.test',
    records,
    total: records.length,
    authenticated,
  });
  const facts = (over: Partial<DaneHostFacts> = {}, host: Partial<DaneHostFacts['host']> = {}): DaneHostFacts => ({
    host: { connect: 'ok', starttls: 'ok', exchange: 'mx.a.test', ...host },
    chainDigests: [leaf],
    certIdentity: { commonName: 'mx.a.test', subjectAltName: 'DNS:mx.a.test' },
    nextHop: 'a.test',
    isAlias: false,
    mxSecure: true,
    addressesSecure: true,
    ...over,
  });
  const good = [record(3, 1, 1, leaf.spkiSha256)];
  it.each<[string, TlsaLookup, DaneHostFacts, string | null, string | null]>([
    ['pass', found(good), facts(), 'pass', null],
    ['no TLSA', { status: 'none', name: 'n', authenticated: true }, facts(), 'none', null],
    ['MX insecure', found(good), facts({ mxSecure: false }), 'not_applicable', 'mx_not_secure'],
    ['address insecure', found(good), facts({ addressesSecure: false }), 'not_applicable', 'address_not_secure'],
    ['TLSA insecure', found(good, false), facts(), 'not_applicable', 'tlsa_not_secure'],
    ['no STARTTLS', found(good), facts({}, { starttls: 'not_offered' }), 'fail', 'no_starttls'],
    ['handshake failed', found(good), facts({}, { starttls: 'failed' }), 'fail', 'tls_failed'],
    ['only PKIX usages', found([record(1, 1, 1, leaf.spkiSha256)]), facts(), 'fail', 'unusable_records'],
    ['no match', found([record(3, 1, 1, hex('ff', 32))]), facts(), 'fail', 'no_match'],
    ['lookup failed, secure', { status: 'dns_error', name: 'n', reason: 'tlsa_servfail' }, facts(), 'dns_error', 'tlsa_servfail'],
    [
      'lookup failed, insecure',
      { status: 'dns_error', name: 'n', reason: 'tlsa_servfail' },
      facts({ mxSecure: false }),
      'not_applicable',
      'mx_not_secure',
    ],
  ])('%s', (_label, lookup, hostFacts, status, reason) => {
    const dane = hostDane(lookup, hostFacts, 64);
    expect(dane?.status ?? null).toBe(status);
    expect(dane?.reason ?? null).toBe(reason);
  });
  it('a DANE-TA record naming the issuer of a leaf signed over SHA-1: no_match with hint weak_signature; DANE-EE still passes', () => {
    // The leaf does not chain to its issuer for OpenSSL (verify error 68), as chainDigests records it.
    const sha1Leaf: ChainDigest = { ...leaf, refusedDigest: true };
    const unchained: ChainDigest = { ...issuer, leafChains: false };
    const ta = hostDane(found([record(2, 1, 1, issuer.spkiSha256)]), facts({ chainDigests: [sha1Leaf, unchained] }), 64);
    expect(ta).toMatchObject({ status: 'fail', reason: 'no_match', hint: 'weak_signature' });
    const ee = hostDane(found([record(3, 1, 1, leaf.spkiSha256)]), facts({ chainDigests: [sha1Leaf, unchained] }), 64);
    expect(ee).toMatchObject({ status: 'pass', reason: null });
    expect(ee).not.toHaveProperty('hint');
    // A record that names nothing in the chain gets no hint: the signature is not why it fails.
    const other = hostDane(found([record(2, 1, 1, hex('ee', 32))]), facts({ chainDigests: [sha1Leaf, unchained] }), 64);
    expect(other).toMatchObject({ status: 'fail', reason: 'no_match' });
    expect(other).not.toHaveProperty('hint');
  });
  it('under an insecure MX answer, with secure addresses and TLSA: not_applicable, and beside it the check Postfix >= 3.6 makes anyway', () => {
    const passed = hostDane(found(good), facts({ mxSecure: false }), 64);
    expect(passed).toMatchObject({
      status: 'not_applicable',
      reason: 'mx_not_secure',
      insecureMx: { status: 'pass', reason: null },
    });
    const failed = hostDane(found([record(3, 1, 1, hex('ff', 32))]), facts({ mxSecure: false }), 64);
    expect(failed).toMatchObject({ status: 'not_applicable', insecureMx: { status: 'fail', reason: 'no_match' } });
    // Nothing to say when the addresses or the TLSA answer are insecure too, or the host was not reached.
    expect(hostDane(found(good), facts({ mxSecure: false, addressesSecure: false }), 64)).not.toHaveProperty('insecureMx');
    expect(hostDane(found(good, false), facts({ mxSecure: false }), 64)).not.toHaveProperty('insecureMx');
    expect(
      hostDane(found(good), facts({ mxSecure: false }, { connect: 'refused', starttls: 'not_tried' }), 64),
    ).not.toHaveProperty('insecureMx');
  });

  it('an alias whose addresses are insecure (its expansion leaves the signed zone): its own secure TLSA records still count', () => {
    const alias = facts({ addressesSecure: false, isAlias: true });
    expect(hostDane(found(good), alias, 64)).toMatchObject({ status: 'pass' });
    expect(hostDane(found([record(3, 1, 1, hex('ff', 32))]), alias, 64)).toMatchObject({ status: 'fail', reason: 'no_match' });
    expect(hostDane(found(good, false), alias, 64)).toMatchObject({ status: 'not_applicable', reason: 'address_not_secure' });
  });

  it('DANE-TA reference names (RFC 7672 3.2.2, as Postfix): the TLSA base domain and the next-hop domain, not the alias behind the base', () => {
    const ta = [record(2, 1, 1, issuer.spkiSha256)];
    const naming = (san: string) =>
      facts({ chainDigests: [leaf, issuer], certIdentity: { commonName: null, subjectAltName: san } });
    expect(hostDane(found(ta), naming('DNS:mx.a.test'), 64)).toMatchObject({ status: 'pass' });
    expect(hostDane(found(ta), naming('DNS:a.test'), 64)).toMatchObject({ status: 'pass' });
    expect(hostDane(found(ta), naming('DNS:other.test'), 64)).toMatchObject({ status: 'fail', reason: 'no_match' });
    // Records found at the alias's expansion: its base is host.b.test, and the alias name mx.a.test no longer counts.
    const expanded: TlsaLookup = { status: 'found', name: '_25._tcp.host.b.test', records: ta, total: 1, authenticated: true };
    expect(hostDane(expanded, naming('DNS:host.b.test'), 64)).toMatchObject({ status: 'pass' });
    expect(hostDane(expanded, naming('DNS:mx.a.test'), 64)).toMatchObject({ status: 'fail', reason: 'no_match' });
  });

  it('a host never reached says nothing', () => {
    expect(hostDane(found(good), facts({}, { connect: 'refused', starttls: 'not_tried' }), 64)).toBeNull();
  });
});

describe('aggregateDane', () => {
  const hosts = (...statuses: Array<NonNullable<HostResult['dane']>['status'] | null>): Array<Pick<HostResult, 'dane'>> =>
    statuses.map((status) => ({ dane: status === null ? null : { status, tlsa: [], reason: null } }));
  it.each([
    [hosts(), null],
    [hosts(null), null],
    [hosts('none', 'none'), 'none'],
    [hosts('pass', 'none'), 'pass'],
    [hosts('pass', 'fail'), 'fail'],
    [hosts('pass', 'dns_error'), 'fail'],
    [hosts('not_applicable', 'none'), 'not_applicable'],
    [hosts('pass', 'not_applicable'), 'pass'],
  ])('%o → %s', (list, expected) => {
    expect(aggregateDane(list)).toBe(expected);
  });
});
