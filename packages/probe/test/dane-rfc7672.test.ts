import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTP_PORT_TOKEN, startWorld, type World, type WorldSpec } from '@mxv/testkit';
import { type DnsAnswer, type DnsQuestionType, type DnsRecord, type DnsResolver } from '@mxv/probe';
import type { DnsStatus } from '@mxv/schema';
import { worldEngine, type WorldEngine } from './support/world-engine.js';
import { hostDane, type DaneHostFacts } from '../src/dane/host-dane.js';
import { matchTlsa } from '../src/dane/match-tlsa.js';
import { lookupExchangeTlsa, lookupTlsa, type TlsaCandidate } from '../src/dane/tlsa-lookup.js';
import type { ChainDigest } from '../src/engine/host-types.js';

/**
 * RFC 7672 (SMTP DANE) and RFC 6698/7671 (TLSA) points where mxv differed from
 * what Postfix (smtp_tls_security_level=dane) does: the TLSA base domain of an
 * exchange that is a CNAME (RFC 7672 2.2.3), and TLSA data hex in upper case.
 */

const BOUNDS = { maxTlsaRecords: 8, maxShownTlsaDataBytes: 64 };
const hex = (byte: string, bytes: number): string => byte.repeat(bytes);
const leaf: ChainDigest = {
  certSha256: hex('a1', 32),
  certSha512: hex('a2', 64),
  spkiSha256: hex('a3', 32),
  spkiSha512: hex('a4', 64),
  leafChains: true,
};

type Entry = { records: DnsRecord[]; authenticated: boolean } | DnsStatus;

/** Answers TLSA questions from a fixed table and records what was asked, in order. */
class TlsaResolver implements DnsResolver {
  asked: string[] = [];
  constructor(private readonly zone: Record<string, Entry>) {}

  query(name: string, type: DnsQuestionType): Promise<DnsAnswer> {
    this.asked.push(name);
    const base = { usedTcp: false, server: 'fake', elapsedMs: 0, error: null };
    const entry = this.zone[name];
    if (entry === undefined) return Promise.resolve({ ...base, status: 'NXDOMAIN', records: [], authenticated: true });
    if (typeof entry === 'string') return Promise.resolve({ ...base, status: entry, records: [], authenticated: false });
    const records = entry.records.filter((record) => record.type === type);
    return Promise.resolve({
      ...base,
      status: records.length > 0 ? 'NOERROR' : 'NODATA',
      records,
      authenticated: entry.authenticated,
    });
  }
}

function tlsaAt(name: string, data: string, matchingType = 1): DnsRecord {
  return { type: 'TLSA', name, ttl: 300, usage: 3, selector: 1, matchingType, data };
}

const secure = (name: string, data = leaf.spkiSha256): Entry => ({ records: [tlsaAt(name, data)], authenticated: true });

describe('TLSA base domain of an aliased exchange (RFC 7672 2.2.3, RFC 7671 7)', () => {
  const exchange = 'mx.customer.test';
  const expanded = 'mx.provider.test';
  const original = '_25._tcp.mx.customer.test';
  const final = '_25._tcp.mx.provider.test';
  const base = { exchange, expanded, expansionSecure: true };

  it('asks the CNAME-expanded name first and keeps its secure records', async () => {
    const resolver = new TlsaResolver({ [final]: secure(final) });
    const lookup = await lookupExchangeTlsa(base, 25, resolver, BOUNDS);
    expect(lookup).toMatchObject({ status: 'found', name: final, authenticated: true });
    expect(resolver.asked).toEqual([final]);
  });

  it('falls back to the original name when the expanded name has no TLSA, or only insecure ones', async () => {
    for (const atFinal of [undefined, 'NODATA', { records: [tlsaAt(final, leaf.spkiSha256)], authenticated: false }]) {
      const zone: Record<string, Entry> = { [original]: secure(original) };
      if (atFinal !== undefined) zone[final] = atFinal as Entry;
      const resolver = new TlsaResolver(zone);
      const lookup = await lookupExchangeTlsa(base, 25, resolver, BOUNDS);
      expect(lookup).toMatchObject({ status: 'found', name: original, authenticated: true });
      expect(resolver.asked).toEqual([final, original]);
    }
  });

  it('a failed lookup at the expanded name is a failure, not a reason to try the original name (no downgrade)', async () => {
    const resolver = new TlsaResolver({ [final]: 'SERVFAIL', [original]: secure(original) });
    const lookup = await lookupExchangeTlsa(base, 25, resolver, BOUNDS);
    expect(lookup).toMatchObject({ status: 'dns_error', name: final, reason: 'tlsa_servfail' });
    expect(resolver.asked).toEqual([final]);
  });

  it('an insecure CNAME expansion is not followed: only the original name is asked', async () => {
    const resolver = new TlsaResolver({ [final]: secure(final), [original]: secure(original) });
    const lookup = await lookupExchangeTlsa({ ...base, expansionSecure: false }, 25, resolver, BOUNDS);
    expect(lookup).toMatchObject({ name: original });
    expect(resolver.asked).toEqual([original]);
  });

  it('an exchange that is no alias is asked at its own name only', async () => {
    const resolver = new TlsaResolver({ [original]: secure(original) });
    await lookupExchangeTlsa({ exchange, expanded: null, expansionSecure: true }, 25, resolver, BOUNDS);
    expect(resolver.asked).toEqual([original]);
  });
});

describe('digest algorithm agility (RFC 7671 9)', () => {
  const record = (usage: number, selector: number, matchingType: number, data: string): TlsaCandidate => ({
    usage,
    selector,
    matchingType,
    data,
    dataSha256: '',
  });
  const named = (): boolean => true;

  it('a key that matches only the weaker SHA-256 of a SHA-256 + SHA-512 pair is not accepted', () => {
    const staleSha512 = record(3, 1, 2, hex('ff', 64));
    expect(matchTlsa([record(3, 1, 1, leaf.spkiSha256), staleSha512], [leaf], named)).toBeNull();
    expect(matchTlsa([staleSha512, record(3, 1, 1, leaf.spkiSha256)], [leaf], named)).toBeNull();
  });

  it('the stronger digest matching passes; other usages or selectors are judged apart', () => {
    expect(matchTlsa([record(3, 1, 1, hex('ff', 32)), record(3, 1, 2, leaf.spkiSha512)], [leaf], named)).not.toBeNull();
    expect(matchTlsa([record(3, 1, 1, leaf.spkiSha256), record(3, 0, 2, hex('ff', 64))], [leaf], named)).not.toBeNull();
    // A malformed SHA-512 (wrong length) is unusable and takes no part.
    expect(matchTlsa([record(3, 1, 1, leaf.spkiSha256), record(3, 1, 2, hex('ff', 32))], [leaf], named)).not.toBeNull();
  });
});

describe('a DANE-TA anchor the server did not send (RFC 7671 5.2.2)', () => {
  const root: ChainDigest = { ...leaf, certSha256: hex('d1', 32), spkiSha256: hex('d3', 32), sent: false };
  const tlsa = (matchingType: number, data: string, dataSha256 = ''): TlsaCandidate => ({
    usage: 2,
    selector: 1,
    matchingType,
    data,
    dataSha256,
  });
  it('a digest does not match a root only the local trust store supplied', () => {
    expect(matchTlsa([tlsa(1, root.spkiSha256)], [leaf, root], () => true)).toBeNull();
  });
  it('the same root, sent by the server, matches', () => {
    expect(matchTlsa([tlsa(1, root.spkiSha256)], [leaf, { ...root, sent: true }], () => true)).not.toBeNull();
  });
  it('a record carrying the whole key brings the anchor itself: it matches unsent', () => {
    expect(matchTlsa([tlsa(0, 'beef', root.spkiSha256)], [leaf, root], () => true)).not.toBeNull();
  });
  it('the host result says why nothing matched: ta_not_sent, and only then', async () => {
    const name = '_25._tcp.mx.a.test';
    const facts: DaneHostFacts = {
      host: { connect: 'ok', starttls: 'ok', exchange: 'mx.a.test' },
      chainDigests: [leaf, root],
      certIdentity: { commonName: 'mx.a.test', subjectAltName: 'DNS:mx.a.test' },
      nextHop: 'a.test',
      isAlias: false,
      mxSecure: true,
      addressesSecure: true,
    };
    const taRecord = { type: 'TLSA' as const, name, ttl: 300, usage: 2, selector: 1, matchingType: 1, data: root.spkiSha256 };
    const lookup = await lookupTlsa(
      'mx.a.test',
      25,
      new TlsaResolver({ [name]: { records: [taRecord], authenticated: true } }),
      BOUNDS,
    );
    expect(hostDane(lookup, facts, 64)).toMatchObject({ status: 'fail', reason: 'no_match', hint: 'ta_not_sent' });
    const other = await lookupTlsa('mx.a.test', 25, new TlsaResolver({ [name]: secure(name, hex('ee', 32)) }), BOUNDS);
    expect(hostDane(other, facts, 64)).not.toHaveProperty('hint');
  });

  it('a pass through an anchor the server did not send says so (RFC 7672 3.1.2); one it sent does not', async () => {
    const name = '_25._tcp.mx.a.test';
    // A 2 1 0 record holding the root's whole key: its SHA-256 is the root's SPKI digest.
    const whole = { type: 'TLSA' as const, name, ttl: 300, usage: 2, selector: 1, matchingType: 0, data: 'beef' };
    const lookup = await lookupTlsa(
      'mx.a.test',
      25,
      new TlsaResolver({ [name]: { records: [whole], authenticated: true } }),
      BOUNDS,
    );
    const record = lookup.status === 'found' ? lookup.records[0] : undefined;
    if (record === undefined) throw new Error('the record is found');
    const rootOf = (sent: boolean): ChainDigest => ({ ...leaf, spkiSha256: record.dataSha256, sent });
    const facts = (sent: boolean): DaneHostFacts => ({
      host: { connect: 'ok', starttls: 'ok', exchange: 'mx.a.test' },
      chainDigests: [leaf, rootOf(sent)],
      certIdentity: { commonName: 'mx.a.test', subjectAltName: 'DNS:mx.a.test' },
      nextHop: 'a.test',
      isAlias: false,
      mxSecure: true,
      addressesSecure: true,
    });
    expect(hostDane(lookup, facts(false), 64)).toMatchObject({ status: 'pass', reason: null, hint: 'ta_not_sent' });
    expect(hostDane(lookup, facts(true), 64)).not.toHaveProperty('hint');
    expect(hostDane(lookup, facts(true), 64)).toMatchObject({ status: 'pass' });
  });

  it('a probe cached before "sent" was recorded is read as sent', () => {
    const { sent: _unknown, ...older } = root;
    expect(matchTlsa([tlsa(1, root.spkiSha256)], [leaf, older], () => true)).not.toBeNull();
  });
});

describe('TLSA association data as hex (RFC 6698 2.2)', () => {
  const name = '_25._tcp.mx.a.test';
  const facts: DaneHostFacts = {
    host: { connect: 'ok', starttls: 'ok', exchange: 'mx.a.test' },
    chainDigests: [leaf],
    certIdentity: { commonName: 'mx.a.test', subjectAltName: 'DNS:mx.a.test' },
    nextHop: 'a.test',
    isAlias: false,
    mxSecure: true,
    addressesSecure: true,
  };

  it('upper-case hex from a resolver matches like lower case', async () => {
    const resolver = new TlsaResolver({ [name]: secure(name, leaf.spkiSha256.toUpperCase()) });
    const lookup = await lookupTlsa('mx.a.test', 25, resolver, BOUNDS);
    expect(hostDane(lookup, facts, 64)).toMatchObject({ status: 'pass', reason: null });
  });

  it('a 100 KB record is bounded in the result and authenticates nothing', async () => {
    const huge = hex('AB', 100_000);
    for (const matchingType of [0, 1]) {
      const resolver = new TlsaResolver({ [name]: { records: [tlsaAt(name, huge, matchingType)], authenticated: true } });
      const dane = hostDane(await lookupTlsa('mx.a.test', 25, resolver, BOUNDS), facts, 64);
      // An exact match is usable and compared (no match); a SHA-256 of 100 KB has the wrong length (unusable).
      expect(dane).toMatchObject({ status: 'fail', reason: matchingType === 0 ? 'no_match' : 'unusable_records' });
      expect(dane?.tlsa[0]?.data).toHaveLength(64 * 2 + 1);
    }
  });
});

describe('an aliased exchange through the whole engine', () => {
  const tlsa = (exchange: string): string => `_${SMTP_PORT_TOKEN}._tcp.${exchange}`;
  let world: World;
  let check: WorldEngine['check'];

  function spec(): WorldSpec {
    return {
      hosts: [{ id: 'ee', behaviour: 'esmtp', hostname: 'mx.provider.test', cert: { names: ['mx.provider.test'] } }],
      records: {
        // The customer's MX is an alias of the provider's host, which publishes the TLSA (the common hosted case).
        'alias.test': [{ type: 'MX', priority: 10, exchange: 'mx.alias.test' }],
        'mx.alias.test': [{ type: 'CNAME', target: 'mx.provider.test' }],
        'mx.provider.test': [{ type: 'A', host: 'ee' }],
        [tlsa('mx.provider.test')]: [{ type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 1 }],
        // TLSA at the original name only: found by the fallback.
        'fallback.test': [{ type: 'MX', priority: 10, exchange: 'mx.fallback.test' }],
        'mx.fallback.test': [{ type: 'CNAME', target: 'mx.bare.test' }],
        'mx.bare.test': [{ type: 'A', host: 'ee' }],
        [tlsa('mx.fallback.test')]: [{ type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 1 }],
        // The expanded name's TLSA lookup fails: the original name's records must not stand in for it.
        'failing.test': [{ type: 'MX', priority: 10, exchange: 'mx.failing.test' }],
        'mx.failing.test': [{ type: 'CNAME', target: 'mx.servfail.test' }],
        'mx.servfail.test': [{ type: 'A', host: 'ee' }],
        [tlsa('mx.failing.test')]: [{ type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 1 }],
      },
      zones: ['test'],
      dnssec: { test: { state: 'secure' } },
      dnsBehaviours: { [tlsa('mx.servfail.test')]: { fail: 'servfail', types: ['TLSA'] } },
      domains: [],
    };
  }

  beforeAll(async () => {
    world = await startWorld(spec());
    ({ check } = worldEngine(world, {
      smtp: { port: world.smtpPort, hostBudgetMs: 3000 },
      dns: { queryTimeoutMs: 500, attemptsPerServer: 1 },
      politeness: { connectionsPerSecond: 1000, maxConcurrentPerIp: 100 },
    }));
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('the TLSA records of the CNAME-expanded exchange apply (they were missed: dane "none")', async () => {
    const result = await check('alias.test');
    expect(result.mx.records[0]?.cnameTarget).toBe('mx.provider.test');
    expect(result.hosts[0]?.dane).toMatchObject({ status: 'pass', name: `_${world.smtpPort}._tcp.mx.provider.test` });
    expect(result.security.dane).toBe('pass');
  });

  it('with nothing at the expanded name, the original name is asked', async () => {
    const result = await check('fallback.test');
    expect(result.hosts[0]?.dane).toMatchObject({ status: 'pass', name: `_${world.smtpPort}._tcp.mx.fallback.test` });
  });

  it('a failed TLSA lookup at the expanded name fails DANE for the host', async () => {
    const result = await check('failing.test');
    expect(result.hosts[0]?.dane).toMatchObject({ status: 'dns_error', reason: 'tlsa_servfail' });
    expect(result.security.dane).toBe('fail');
  });
});
