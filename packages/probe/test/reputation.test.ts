import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer, type ZoneRecord } from '@mxv/testkit';
import {
  AddressReputation,
  checkDnsblZone,
  boundValues,
  DNS_BOUNDS,
  dnsblQueryName,
  lookupDnsbl,
  lookupPtr,
  parseProbeOptions,
  reverseDnsName,
  ReputationHostSource,
  StubResolver,
  type HostProbe,
  type HostProbeSource,
} from '@mxv/probe';

// This file's loopback address (other files use others).
const DNS_HOST = '127.61.0.1';
const BOUNDS = { maxPtrNames: 10, maxDnsblCodes: 8, maxDnsblReasonChars: 512 };
const ZONE = 'bl.example';

const IP_PASS = '192.0.2.1';
const IP_FAIL = '192.0.2.2';
const IP_NONE = '192.0.2.3';
const IP_SERVFAIL = '192.0.2.4';
const IP_MANY = '192.0.2.5';
const IP_LOOP = '192.0.2.6';
const IP_V6 = '2001:db8::1';

function ptrOwner(ip: string): string {
  return reverseDnsName(ip) as string;
}

function records(): Record<string, ZoneRecord[]> {
  const many: ZoneRecord[] = Array.from({ length: 100 }, (_, i) => ({ type: 'PTR', target: `host${i}.many.example` }));
  const out: Record<string, ZoneRecord[]> = {
    [ptrOwner(IP_PASS)]: [{ type: 'PTR', target: 'mx.good.example' }],
    'mx.good.example': [{ type: 'A', address: IP_PASS }],
    [ptrOwner(IP_FAIL)]: [{ type: 'PTR', target: 'mx.liar.example' }],
    'mx.liar.example': [{ type: 'A', address: '198.51.100.9' }],
    [ptrOwner(IP_MANY)]: many,
    // The fifth of a hundred names confirms: within the first ten followed.
    'host4.many.example': [{ type: 'A', address: IP_MANY }],
    [ptrOwner(IP_LOOP)]: [{ type: 'CNAME', target: 'loop-a.example' }],
    'loop-a.example': [{ type: 'CNAME', target: 'loop-b.example' }],
    'loop-b.example': [{ type: 'CNAME', target: 'loop-a.example' }],
    [ptrOwner(IP_V6)]: [{ type: 'PTR', target: 'mx6.good.example' }],
    'mx6.good.example': [{ type: 'AAAA', address: '2001:db8:0:0::1' }],
    // Block list data (RFC 5782): 2.0.0.127 is the test point every list must list.
    [`2.0.0.127.${ZONE}`]: [
      { type: 'A', address: '127.0.0.2' },
      { type: 'TXT', text: 'test point' },
    ],
    [dnsblQueryName(IP_PASS, ZONE) as string]: [
      { type: 'A', address: '127.0.0.4' },
      { type: 'A', address: '127.0.0.10' },
      { type: 'TXT', text: 'https://bl.example/why?ip=192.0.2.1' },
    ],
    [dnsblQueryName(IP_FAIL, ZONE) as string]: [{ type: 'A', address: '127.255.255.254' }],
    [dnsblQueryName(IP_NONE, ZONE) as string]: [{ type: 'A', address: '198.51.100.7' }],
    [dnsblQueryName(IP_MANY, ZONE) as string]: Array.from({ length: 1000 }, (_, i) => ({
      type: 'A' as const,
      address: `127.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    })),
    [dnsblQueryName(IP_V6, ZONE) as string]: [{ type: 'A', address: '127.0.0.3' }],
  };
  return out;
}

let dns: DnsServer;
let resolver: StubResolver;

beforeAll(async () => {
  dns = await startDnsServer({
    host: DNS_HOST,
    records: records(),
    behaviours: {
      [ptrOwner(IP_SERVFAIL)]: { fail: 'servfail' },
      [dnsblQueryName(IP_SERVFAIL, ZONE) as string]: { fail: 'timeout' },
    },
    zones: ['arpa', 'example'],
  });
  resolver = new StubResolver({
    servers: [{ host: dns.host, port: dns.port }],
    bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 200, attemptsPerServer: 1 }),
  });
});
afterAll(async () => {
  await dns.stop();
});

describe('reverse names', () => {
  it.each([
    ['192.0.2.1', '1.2.0.192.in-addr.arpa'],
    ['2001:db8::1', `1.0.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa`],
    ['::ffff:192.0.2.1', `1.0.2.0.0.0.0.c.f.f.f.f.${'0.'.repeat(20)}ip6.arpa`],
    ['not an address', null],
  ])('%s → %s', (ip, expected) => {
    expect(reverseDnsName(ip)).toBe(expected);
  });
});

describe('PTR and FCrDNS', () => {
  it('pass when the PTR name resolves back to the address', async () => {
    expect(await lookupPtr(IP_PASS, resolver, BOUNDS)).toEqual({ names: ['mx.good.example'], fcrdns: 'pass' });
  });
  it('pass over IPv6 (nibble form; another spelling of the same address)', async () => {
    expect(await lookupPtr(IP_V6, resolver, BOUNDS)).toEqual({ names: ['mx6.good.example'], fcrdns: 'pass' });
  });
  it('fail when no PTR name resolves back', async () => {
    expect(await lookupPtr(IP_FAIL, resolver, BOUNDS)).toEqual({ names: ['mx.liar.example'], fcrdns: 'fail' });
  });
  it('none without a PTR', async () => {
    expect(await lookupPtr(IP_NONE, resolver, BOUNDS)).toEqual({ names: [], fcrdns: 'none' });
  });
  it('dns_error when the PTR question fails', async () => {
    expect((await lookupPtr(IP_SERVFAIL, resolver, BOUNDS)).fcrdns).toBe('dns_error');
  });
  it('a CNAME loop at the reverse name is bounded: no PTR', async () => {
    expect((await lookupPtr(IP_LOOP, resolver, BOUNDS)).fcrdns).toMatch(/^(none|dns_error)$/);
  });
  it('100 PTR records: the first 10 are followed, and a confirming one among them passes', async () => {
    dns.clearLog();
    const found = await lookupPtr(IP_MANY, resolver, BOUNDS);
    expect(found.names).toHaveLength(10);
    expect(found.fcrdns).toBe('pass');
    const forward = dns.queryLog.filter((entry) => entry.type === 'A');
    expect(forward.length).toBeLessThanOrEqual(10);
  });
});

describe('DNS block lists (RFC 5782)', () => {
  it('listed: the codes and the TXT reason', async () => {
    expect(await lookupDnsbl(IP_PASS, ZONE, resolver, BOUNDS)).toEqual({
      zone: ZONE,
      status: 'listed',
      codes: ['127.0.0.4', '127.0.0.10'],
      reason: 'https://bl.example/why?ip=192.0.2.1',
    });
  });
  it('listed over IPv6 (nibbles)', async () => {
    expect((await lookupDnsbl(IP_V6, ZONE, resolver, BOUNDS)).status).toBe('listed');
  });
  it('not_listed on NXDOMAIN', async () => {
    expect(await lookupDnsbl('192.0.2.200', ZONE, resolver, BOUNDS)).toEqual({
      zone: ZONE,
      status: 'not_listed',
      codes: [],
      reason: null,
    });
  });
  it('127.255.255.x is the list refusing us: error, not listed', async () => {
    expect(await lookupDnsbl(IP_FAIL, ZONE, resolver, BOUNDS)).toMatchObject({ status: 'error', reason: 'list_refused' });
  });
  it('an answer outside 127/8 is an error', async () => {
    expect(await lookupDnsbl(IP_NONE, ZONE, resolver, BOUNDS)).toMatchObject({
      status: 'error',
      reason: 'not_a_loopback_answer',
    });
  });
  it('1,000 A records: an error, with the codes kept bounded', async () => {
    const entry = await lookupDnsbl(IP_MANY, ZONE, resolver, BOUNDS);
    expect(entry).toMatchObject({ status: 'error', reason: 'too_many_codes' });
    expect(entry.codes).toHaveLength(BOUNDS.maxDnsblCodes);
  });
  it('a timeout is an error', async () => {
    expect(await lookupDnsbl(IP_SERVFAIL, ZONE, resolver, BOUNDS)).toMatchObject({ status: 'error', reason: 'dns_timeout' });
  });
  it.each(['bl', 'bad zone.example', '-x.example', 'a..b', `${'a'.repeat(64)}.example`, `${'abcdefghi.'.repeat(20)}example`])(
    'zone "%s" is refused',
    (zone) => {
      expect(checkDnsblZone(zone).status).toBe('invalid');
      expect(() => parseProbeOptions({ dnsbl: [zone] })).toThrow();
    },
  );
  it('zones are canonical and listed once', () => {
    expect(parseProbeOptions({ dnsbl: ['BL.Example.', 'bl.example'] }).dnsbl).toEqual(['bl.example']);
  });
});

describe('facts of a cached probe', () => {
  const base = { ip: IP_PASS, port: 25, tlsMode: 'starttls' } as const;
  function cachedSource(probe: Partial<HostProbe>): HostProbeSource {
    return { obtain: () => Promise.resolve({ status: 'cached', probe: { ...base, ...probe } as HostProbe }) };
  }
  const target = { ...base, exchange: 'mx.good.example' };

  it('facts the cache lacks are looked up; facts not asked are dropped', async () => {
    const reputation = new AddressReputation(resolver, BOUNDS);
    const other = { zone: 'other.example', status: 'not_listed' as const, codes: [], reason: null };
    const source = new ReputationHostSource(cachedSource({ ptr: null, dnsbl: [other] }), reputation, {
      ptr: true,
      zones: [ZONE],
    });
    const obtained = await source.obtain(target);
    if (obtained.status === 'deferred') throw new Error('deferred');
    expect(obtained.probe.ptr).toEqual({ names: ['mx.good.example'], fcrdns: 'pass' });
    expect(obtained.probe.dnsbl?.map((entry) => [entry.zone, entry.status])).toEqual([[ZONE, 'listed']]);
  });
  it('checks off: null, whatever the cache holds', async () => {
    const reputation = new AddressReputation(resolver, BOUNDS);
    const source = new ReputationHostSource(
      cachedSource({ ptr: { names: ['x.example'], fcrdns: 'pass' }, dnsbl: [] }),
      reputation,
      { ptr: false, zones: [] },
    );
    const obtained = await source.obtain(target);
    if (obtained.status === 'deferred') throw new Error('deferred');
    expect([obtained.probe.ptr, obtained.probe.dnsbl]).toEqual([null, null]);
  });
  it('one address asked by many at once is looked up once', async () => {
    const reputation = new AddressReputation(resolver, BOUNDS);
    dns.clearLog();
    await Promise.all(Array.from({ length: 20 }, () => reputation.lookup(IP_FAIL, { ptr: true, zones: [ZONE] })));
    expect(dns.queryLog.filter((entry) => entry.type === 'PTR')).toHaveLength(1);
    expect(dns.queryLog.filter((entry) => entry.name.endsWith(ZONE) && entry.type === 'A')).toHaveLength(1);
  });
});
