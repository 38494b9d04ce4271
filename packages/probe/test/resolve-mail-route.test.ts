import type { DnsStatus } from '@mxv/schema';
import { describe, expect, it } from 'vitest';
import {
  resolveMailRoute,
  boundValues,
  TtlCacheResolver,
  ROUTE_BOUNDS,
  type DnsAnswer,
  type DnsQuestionType,
  type DnsRecord,
  type DnsResolver,
  type MailRoute,
} from '@mxv/probe';

/** The route without what the DNSSEC checks read (the MX answer itself; tested in dnssec-dane.test.ts). */
function withoutDnssec(route: MailRoute): Omit<MailRoute, 'dnssec'> {
  const { dnssec: _dnssec, ...rest } = route;
  return rest;
}

type Entry = { status: DnsStatus; records?: DnsRecord[]; error?: string | null; authenticated?: boolean };

/** An in-memory resolver: "name TYPE" → answer; anything else is NXDOMAIN. Records every question. */
class FakeResolver implements DnsResolver {
  readonly asked: string[] = [];
  constructor(private readonly zone: Record<string, Entry>) {}

  async query(name: string, type: DnsQuestionType): Promise<DnsAnswer> {
    const key = `${name} ${type}`;
    this.asked.push(key);
    const entry = this.zone[key] ?? { status: 'NXDOMAIN' };
    return {
      status: entry.status,
      records: entry.records ?? [],
      authenticated: entry.authenticated ?? false,
      usedTcp: false,
      server: 'fake:53',
      elapsedMs: 0,
      error: entry.error ?? null,
    };
  }
}

const mx = (name: string, priority: number, exchange: string, ttl = 3600): DnsRecord => ({
  type: 'MX',
  name,
  ttl,
  priority,
  exchange,
});
const a = (name: string, address: string, ttl = 300): DnsRecord => ({ type: 'A', name, ttl, address });
const aaaa = (name: string, address: string, ttl = 300): DnsRecord => ({ type: 'AAAA', name, ttl, address });
const cname = (name: string, target: string, ttl = 60): DnsRecord => ({ type: 'CNAME', name, ttl, target });
const noerror = (...records: DnsRecord[]): Entry => ({ status: 'NOERROR', records });
const NODATA: Entry = { status: 'NODATA' };

const bounds = (overrides: Record<string, number> = {}) => boundValues(ROUTE_BOUNDS, overrides);

/** A host with one A and one AAAA. */
function host(name: string, v4: string, v6: string, ttl = 300): Record<string, Entry> {
  return { [`${name} A`]: noerror(a(name, v4, ttl)), [`${name} AAAA`]: noerror(aaaa(name, v6, ttl + 100)) };
}

describe('resolveMailRoute: the MX question fails or says no', () => {
  it('NXDOMAIN: no route, no further questions', async () => {
    const resolver = new FakeResolver({ 'gone.example.test MX': { status: 'NXDOMAIN' } });
    const route = await resolveMailRoute('gone.example.test', resolver, bounds());
    expect(withoutDnssec(route)).toEqual({
      mx: { source: 'none', dns: 'NXDOMAIN', records: [] },
      targets: [],
      error: null,
      dnsQueries: 1,
    });
    expect(resolver.asked).toEqual(['gone.example.test MX']);
  });

  it.each([
    ['SERVFAIL', null, 'mx_servfail'],
    ['SERVFAIL', 'rcode_FORMERR', 'mx_servfail:rcode_FORMERR'],
    ['TIMEOUT', 'timeout', 'mx_timeout'],
    ['TIMEOUT', 'connection_refused', 'mx_timeout:connection_refused'],
    ['REFUSED', null, 'mx_refused'],
  ] as const)('%s (%s): source none with that status and error %s', async (status, detail, error) => {
    const resolver = new FakeResolver({ 'broken.example.test MX': { status, error: detail } });
    const route = await resolveMailRoute('broken.example.test', resolver, bounds());
    expect(withoutDnssec(route)).toEqual({ mx: { source: 'none', dns: status, records: [] }, targets: [], error, dnsQueries: 1 });
  });

  it('a resolver that throws is treated as SERVFAIL, not as a crash', async () => {
    const throwing: DnsResolver = { query: () => Promise.reject(new Error('boom')) };
    const route = await resolveMailRoute('x.example.test', throwing, bounds());
    expect(route.mx).toEqual({ source: 'none', dns: 'SERVFAIL', records: [] });
    expect(route.error).toBe('mx_servfail:resolver_failed');
  });
});

describe('resolveMailRoute: MX records', () => {
  it('resolves each exchange (A first, then AAAA), in preference order, with TTLs and DNS statuses', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(
        mx('example.test', 20, 'mx2.example.test', 1800),
        mx('example.test', 10, 'mx1.example.test', 3600),
      ),
      ...host('mx1.example.test', '192.0.2.1', '2001:db8::1', 120),
      'mx2.example.test A': noerror(a('mx2.example.test', '192.0.2.2', 50), a('mx2.example.test', '192.0.2.3', 40)),
      'mx2.example.test AAAA': NODATA,
    });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx).toEqual({
      source: 'mx',
      dns: 'NOERROR',
      records: [
        {
          exchange: 'mx1.example.test',
          priority: 10,
          addresses: ['192.0.2.1', '2001:db8::1'],
          problems: [],
          ttl: 3600,
          addressTtl: 120,
          cnameTarget: null,
          dns: { a: 'NOERROR', aaaa: 'NOERROR' },
        },
        {
          exchange: 'mx2.example.test',
          priority: 20,
          addresses: ['192.0.2.2', '192.0.2.3'],
          problems: [],
          ttl: 1800,
          addressTtl: 40,
          cnameTarget: null,
          dns: { a: 'NOERROR', aaaa: 'NODATA' },
        },
      ],
    });
    expect(route.targets).toEqual([
      { exchange: 'mx1.example.test', priority: 10, ip: '192.0.2.1' },
      { exchange: 'mx1.example.test', priority: 10, ip: '2001:db8::1' },
      { exchange: 'mx2.example.test', priority: 20, ip: '192.0.2.2' },
      { exchange: 'mx2.example.test', priority: 20, ip: '192.0.2.3' },
    ]);
    expect(route.error).toBeNull();
    expect(route.dnsQueries).toBe(5);
    expect(resolver.asked.sort()).toEqual(
      ['example.test MX', 'mx1.example.test A', 'mx1.example.test AAAA', 'mx2.example.test A', 'mx2.example.test AAAA'].sort(),
    );
  });

  it('takes the MX records at the end of the domain CNAME chain, and ignores records of other owners', async () => {
    const resolver = new FakeResolver({
      'alias.example.test MX': noerror(
        cname('alias.example.test', 'real.example.test'),
        mx('real.example.test', 10, 'mx.example.test'),
        mx('stranger.example.test', 5, 'evil.example.test'),
      ),
      ...host('mx.example.test', '192.0.2.1', '2001:db8::1'),
    });
    const route = await resolveMailRoute('alias.example.test', resolver, bounds());
    expect(route.mx.source).toBe('mx');
    expect(route.mx.records.map((record) => record.exchange)).toEqual(['mx.example.test']);
    expect(resolver.asked).not.toContain('evil.example.test A');
  });

  it('canonicalizes names from the resolver (case, trailing dot)', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('Example.TEST.', 10, 'MX.Example.Test.')),
      ...host('mx.example.test', '192.0.2.1', '2001:db8::1'),
    });
    const route = await resolveMailRoute('Example.Test.', resolver, bounds());
    expect(route.mx.records[0]?.exchange).toBe('mx.example.test');
    expect(route.targets).toHaveLength(2);
  });

  it('sorts equal preferences by name, drops duplicate (exchange, preference) pairs, and looks each name up once', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(
        mx('example.test', 10, 'b.example.test'),
        mx('example.test', 10, 'a.example.test'),
        mx('example.test', 10, 'b.example.test'),
        mx('example.test', 30, 'a.example.test'),
      ),
      ...host('a.example.test', '192.0.2.1', '2001:db8::1'),
      ...host('b.example.test', '192.0.2.2', '2001:db8::2'),
    });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx.records.map((record) => `${record.priority} ${record.exchange}`)).toEqual([
      '10 a.example.test',
      '10 b.example.test',
      '30 a.example.test',
    ]);
    expect(route.mx.records[2]?.addresses).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(route.dnsQueries).toBe(5);
    expect(route.mx.truncated).toBeUndefined();
  });

  it('resolves only maxMxRecords records and says how many there were', async () => {
    const records = [5, 4, 3, 2, 1].map((i) => mx('example.test', i * 10, `mx${i}.example.test`));
    const zone: Record<string, Entry> = { 'example.test MX': noerror(...records) };
    for (const i of [1, 2, 3, 4, 5]) Object.assign(zone, host(`mx${i}.example.test`, `192.0.2.${i}`, `2001:db8::${i}`));
    const resolver = new FakeResolver(zone);
    const route = await resolveMailRoute('example.test', resolver, bounds({ maxMxRecords: 3 }));
    expect(route.mx.records.map((record) => record.exchange)).toEqual([
      'mx1.example.test',
      'mx2.example.test',
      'mx3.example.test',
    ]);
    expect(route.mx.truncated).toBe(true);
    expect(route.mx.totalRecords).toBe(5);
    expect(resolver.asked).not.toContain('mx4.example.test A');
    expect(route.dnsQueries).toBe(7);
  });

  it('keeps at most maxAddressesPerHost addresses (A first, deduplicated) and marks the record truncated', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('example.test', 10, 'mx.example.test')),
      'mx.example.test A': noerror(
        a('mx.example.test', '192.0.2.1'),
        a('mx.example.test', '192.0.2.1'),
        a('mx.example.test', '192.0.2.2'),
        a('mx.example.test', '192.0.2.3'),
      ),
      'mx.example.test AAAA': noerror(aaaa('mx.example.test', '2001:db8::1'), aaaa('mx.example.test', '2001:db8::2')),
    });
    const route = await resolveMailRoute('example.test', resolver, bounds({ maxAddressesPerHost: 4 }));
    expect(route.mx.records[0]?.addresses).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '2001:db8::1']);
    expect(route.mx.records[0]?.problems).toEqual(['truncated']);
    const exact = await resolveMailRoute('example.test', resolver, bounds({ maxAddressesPerHost: 5 }));
    expect(exact.mx.records[0]?.problems).toEqual([]);
  });

  it('stops adding targets at maxHostsPerDomain, in record order', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('example.test', 10, 'mx1.example.test'), mx('example.test', 20, 'mx2.example.test')),
      ...host('mx1.example.test', '192.0.2.1', '2001:db8::1'),
      ...host('mx2.example.test', '192.0.2.2', '2001:db8::2'),
    });
    const route = await resolveMailRoute('example.test', resolver, bounds({ maxHostsPerDomain: 3 }));
    expect(route.targets).toEqual([
      { exchange: 'mx1.example.test', priority: 10, ip: '192.0.2.1' },
      { exchange: 'mx1.example.test', priority: 10, ip: '2001:db8::1' },
      { exchange: 'mx2.example.test', priority: 20, ip: '192.0.2.2' },
    ]);
    expect(route.mx.records[1]?.addresses).toEqual(['192.0.2.2', '2001:db8::2']);
  });

  it('ignores address records of other owners and malformed addresses', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('example.test', 10, 'mx.example.test')),
      'mx.example.test A': noerror(
        a('other.example.test', '192.0.2.66'),
        a('mx.example.test', '0x7f000001'),
        a('mx.example.test', '192.0.2.1'),
      ),
      'mx.example.test AAAA': noerror(aaaa('mx.example.test', '192.0.2.9')),
    });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx.records[0]?.addresses).toEqual(['192.0.2.1']);
  });
});

describe('resolveMailRoute: exchange problems', () => {
  it('cname: the exchange is an alias; the addresses at the end of the chain are kept', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('example.test', 10, 'alias.example.test')),
      'alias.example.test A': noerror(
        cname('alias.example.test', 'mid.example.test'),
        cname('mid.example.test', 'real.example.test'),
        a('real.example.test', '192.0.2.8', 90),
      ),
      'alias.example.test AAAA': {
        status: 'NODATA',
        records: [cname('alias.example.test', 'mid.example.test'), cname('mid.example.test', 'real.example.test')],
      },
    });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx.records[0]).toMatchObject({
      problems: ['cname'],
      cnameTarget: 'real.example.test',
      addresses: ['192.0.2.8'],
      addressTtl: 90,
    });
    expect(route.targets).toEqual([{ exchange: 'alias.example.test', priority: 10, ip: '192.0.2.8' }]);
  });

  it.each([
    '192.0.2.1',
    '192.0.2.1.',
    '[192.0.2.1]',
    '2130706433',
    '0x7f000001',
    '127.1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    'mx.0x7f',
  ])('ip_literal: %j is neither resolved nor turned into an address', async (exchange) => {
    const resolver = new FakeResolver({ 'example.test MX': noerror(mx('example.test', 10, exchange)) });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx.source).toBe('mx');
    expect(route.mx.records).toHaveLength(1);
    expect(route.mx.records[0]).toMatchObject({ addresses: [], problems: ['ip_literal', 'no_address'] });
    expect(route.targets).toEqual([]);
    expect(resolver.asked).toEqual(['example.test MX']);
    expect(route.dnsQueries).toBe(1);
  });

  it.each(['localhost', 'mx.localhost'])(
    'localhost: %s is flagged but still resolved (the address policy decides)',
    async (exchange) => {
      const resolver = new FakeResolver({
        'example.test MX': noerror(mx('example.test', 10, exchange)),
        [`${exchange} A`]: noerror(a(exchange, '127.0.0.1')),
        [`${exchange} AAAA`]: noerror(aaaa(exchange, '::1')),
      });
      const route = await resolveMailRoute('example.test', resolver, bounds());
      expect(route.mx.records[0]).toMatchObject({ problems: ['localhost'], addresses: ['127.0.0.1', '::1'] });
      expect(route.targets.map((target) => target.ip)).toEqual(['127.0.0.1', '::1']);
    },
  );

  it.each([
    ['SERVFAIL', 'TIMEOUT', ['dns_error', 'no_address']],
    ['REFUSED', 'SERVFAIL', ['dns_error', 'no_address']],
    ['TIMEOUT', 'NODATA', ['dns_error', 'no_address']],
    ['NODATA', 'NODATA', ['no_address']],
    ['NXDOMAIN', 'NXDOMAIN', ['no_address']],
  ] as const)('A %s and AAAA %s → %j', async (aStatus, aaaaStatus, problems) => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('example.test', 10, 'mx.example.test')),
      'mx.example.test A': { status: aStatus },
      'mx.example.test AAAA': { status: aaaaStatus },
    });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx.records[0]).toMatchObject({
      addresses: [],
      problems,
      addressTtl: null,
      dns: { a: aStatus, aaaa: aaaaStatus },
    });
    expect(route.mx.source).toBe('mx');
    expect(route.targets).toEqual([]);
  });

  it('one failed lookup beside a working one gives the addresses it has, and says the list may be incomplete', async () => {
    const resolver = new FakeResolver({
      'example.test MX': noerror(mx('example.test', 10, 'mx.example.test')),
      'mx.example.test A': noerror(a('mx.example.test', '192.0.2.1')),
      'mx.example.test AAAA': { status: 'TIMEOUT', error: 'timeout' },
    });
    const route = await resolveMailRoute('example.test', resolver, bounds());
    expect(route.mx.records[0]).toMatchObject({
      addresses: ['192.0.2.1'],
      problems: ['dns_error'],
      dns: { a: 'NOERROR', aaaa: 'TIMEOUT' },
    });
  });
});

describe('resolveMailRoute: null MX (RFC 7505)', () => {
  it('exactly the null MX: source null, one "." record, nothing resolved', async () => {
    const resolver = new FakeResolver({ 'nomail.example.test MX': noerror(mx('nomail.example.test', 0, '', 7200)) });
    const route = await resolveMailRoute('nomail.example.test', resolver, bounds());
    expect(withoutDnssec(route)).toEqual({
      mx: { source: 'null', dns: 'NOERROR', records: [{ exchange: '.', priority: 0, addresses: [], problems: [], ttl: 7200 }] },
      targets: [],
      error: null,
      dnsQueries: 1,
    });
  });

  it('a null MX beside other MX records: still no delivery, the others listed with null_mx_mixed', async () => {
    const resolver = new FakeResolver({
      'mixed.example.test MX': noerror(mx('mixed.example.test', 10, 'mx.example.test'), mx('mixed.example.test', 0, '.')),
      ...host('mx.example.test', '192.0.2.1', '2001:db8::1'),
    });
    const route = await resolveMailRoute('mixed.example.test', resolver, bounds());
    expect(route.mx).toEqual({
      source: 'null',
      dns: 'NOERROR',
      records: [
        { exchange: '.', priority: 0, addresses: [], problems: [], ttl: 3600 },
        { exchange: 'mx.example.test', priority: 10, addresses: [], problems: ['null_mx_mixed'], ttl: 3600 },
      ],
    });
    expect(route.targets).toEqual([]);
    expect(resolver.asked).toEqual(['mixed.example.test MX']);
  });

  it('the null MX is listed even when other records with lower preference fill maxMxRecords', async () => {
    const resolver = new FakeResolver({
      'mixed.example.test MX': noerror(
        mx('mixed.example.test', 1, 'a.example.test'),
        mx('mixed.example.test', 2, 'b.example.test'),
        mx('mixed.example.test', 50, ''),
      ),
    });
    const route = await resolveMailRoute('mixed.example.test', resolver, bounds({ maxMxRecords: 2 }));
    expect(route.mx.source).toBe('null');
    expect(route.mx.records.map((record) => record.exchange)).toEqual(['.', 'a.example.test']);
    expect(route.mx).toMatchObject({ truncated: true, totalRecords: 3 });
  });
});

describe('resolveMailRoute: implicit MX (RFC 5321 5.1)', () => {
  it('NODATA and the domain has addresses: one implicit record, preference 0', async () => {
    const resolver = new FakeResolver({
      'bare.example.test MX': NODATA,
      'bare.example.test A': noerror(a('bare.example.test', '192.0.2.7', 600)),
      'bare.example.test AAAA': noerror(aaaa('bare.example.test', '2001:db8::7', 500)),
    });
    const route = await resolveMailRoute('bare.example.test', resolver, bounds());
    expect(withoutDnssec(route)).toEqual({
      mx: {
        source: 'implicit',
        dns: 'NODATA',
        records: [
          {
            exchange: 'bare.example.test',
            priority: 0,
            addresses: ['192.0.2.7', '2001:db8::7'],
            problems: [],
            addressTtl: 500,
            dns: { a: 'NOERROR', aaaa: 'NOERROR' },
          },
        ],
      },
      targets: [
        { exchange: 'bare.example.test', priority: 0, ip: '192.0.2.7' },
        { exchange: 'bare.example.test', priority: 0, ip: '2001:db8::7' },
      ],
      error: null,
      dnsQueries: 3,
    });
  });

  it('a NOERROR answer with no MX for the name counts as NODATA', async () => {
    const resolver = new FakeResolver({
      'odd.example.test MX': noerror(mx('elsewhere.example.test', 10, 'mx.example.test')),
      'odd.example.test A': noerror(a('odd.example.test', '192.0.2.7')),
      'odd.example.test AAAA': NODATA,
    });
    const route = await resolveMailRoute('odd.example.test', resolver, bounds());
    expect(route.mx).toMatchObject({ source: 'implicit', dns: 'NODATA' });
    expect(route.targets).toEqual([{ exchange: 'odd.example.test', priority: 0, ip: '192.0.2.7' }]);
  });

  it('NODATA and no addresses either: source none, no error', async () => {
    const resolver = new FakeResolver({
      'empty.example.test MX': NODATA,
      'empty.example.test A': NODATA,
      'empty.example.test AAAA': NODATA,
    });
    const route = await resolveMailRoute('empty.example.test', resolver, bounds());
    expect(withoutDnssec(route)).toEqual({
      mx: { source: 'none', dns: 'NODATA', records: [] },
      targets: [],
      error: null,
      dnsQueries: 3,
    });
  });

  it.each([
    ['TIMEOUT', 'NODATA'],
    ['NODATA', 'SERVFAIL'],
    ['REFUSED', 'REFUSED'],
  ] as const)(
    'NODATA and the A/AAAA lookups failed (A %s, AAAA %s): source none with implicit_lookup_failed',
    async (aStatus, aaaaStatus) => {
      const resolver = new FakeResolver({
        'flaky.example.test MX': NODATA,
        'flaky.example.test A': { status: aStatus },
        'flaky.example.test AAAA': { status: aaaaStatus },
      });
      const route = await resolveMailRoute('flaky.example.test', resolver, bounds());
      expect(withoutDnssec(route)).toEqual({
        mx: { source: 'none', dns: 'NODATA', records: [] },
        targets: [],
        error: 'implicit_lookup_failed',
        dnsQueries: 3,
      });
    },
  );

  it('addresses of one family and the other lookup failed: the implicit record says dns_error, as an exchange does', async () => {
    const resolver = new FakeResolver({
      'half.example.test MX': NODATA,
      'half.example.test A': noerror(a('half.example.test', '192.0.2.7')),
      'half.example.test AAAA': { status: 'SERVFAIL' },
    });
    const route = await resolveMailRoute('half.example.test', resolver, bounds());
    expect(route.mx.records[0]).toMatchObject({ addresses: ['192.0.2.7'], problems: ['dns_error'] });
    expect(route.targets).toEqual([{ exchange: 'half.example.test', priority: 0, ip: '192.0.2.7' }]);
  });

  it('the implicit host keeps at most maxAddressesPerHost addresses', async () => {
    const resolver = new FakeResolver({
      'big.example.test MX': NODATA,
      'big.example.test A': noerror(a('big.example.test', '192.0.2.1'), a('big.example.test', '192.0.2.2')),
      'big.example.test AAAA': noerror(aaaa('big.example.test', '2001:db8::1')),
    });
    const route = await resolveMailRoute('big.example.test', resolver, bounds({ maxAddressesPerHost: 2 }));
    expect(route.mx.records[0]).toMatchObject({ addresses: ['192.0.2.1', '192.0.2.2'], problems: ['truncated'] });
  });
});

describe("resolveMailRoute with a shared resolver (the engine's TTL cache)", () => {
  it("asks a provider's exchange addresses once for its customers, each domain's own MX every time, with the TTLs left", async () => {
    let now = 0;
    const zone: Record<string, Entry> = { ...host('mx.provider.test', '192.0.2.10', '2001:db8::10', 120) };
    for (const domain of ['a.test', 'b.test']) zone[`${domain} MX`] = noerror(mx(domain, 10, 'mx.provider.test'));
    const inner = new FakeResolver(zone);
    const shared = new TtlCacheResolver(inner, { maxSeconds: 300, negativeSeconds: 60, maxEntries: 10, now: () => now });
    const first = await resolveMailRoute('a.test', inner, bounds(), undefined, shared);
    now = 30_000;
    const second = await resolveMailRoute('b.test', inner, bounds(), undefined, shared);
    expect(inner.asked).toEqual(['a.test MX', 'mx.provider.test A', 'mx.provider.test AAAA', 'b.test MX']);
    expect(first.mx.records[0]).toMatchObject({ addresses: ['192.0.2.10', '2001:db8::10'], addressTtl: 120 });
    // As from a caching resolver 30 s later: the smallest TTL left (A's 120 − 30).
    expect(second.mx.records[0]).toMatchObject({ addresses: ['192.0.2.10', '2001:db8::10'], addressTtl: 90 });
    expect(second.targets).toEqual(first.targets.map((target) => ({ ...target })));
    // Past the A record's TTL, its question is asked again; the AAAA (TTL 220) still comes from the cache.
    now = 121_000;
    await resolveMailRoute('a.test', inner, bounds(), undefined, shared);
    expect(inner.asked.slice(4)).toEqual(['a.test MX', 'mx.provider.test A']);
  });

  it("asks the domain's own addresses (implicit MX) afresh each time", async () => {
    const inner = new FakeResolver({ 'own.test MX': NODATA, ...host('own.test', '192.0.2.20', '2001:db8::20') });
    const shared = new TtlCacheResolver(inner, { maxSeconds: 300, negativeSeconds: 60, maxEntries: 10 });
    await resolveMailRoute('own.test', inner, bounds(), undefined, shared);
    await resolveMailRoute('own.test', inner, bounds(), undefined, shared);
    expect(inner.asked).toEqual(['own.test MX', 'own.test A', 'own.test AAAA', 'own.test MX', 'own.test A', 'own.test AAAA']);
  });
});

describe('resolveMailRoute: which exchanges have secure addresses (for DANE)', () => {
  const secure = (...records: DnsRecord[]): Entry => ({ status: 'NOERROR', records, authenticated: true });
  it('a failed answer (a bogus AAAA is SERVFAIL) leaves the other family secure; an insecure answer does not; all failed is not secure', async () => {
    const resolver = new FakeResolver({
      'd.example.test MX': {
        status: 'NOERROR',
        records: [
          mx('d.example.test', 10, 'a.mx.test'),
          mx('d.example.test', 20, 'b.mx.test'),
          mx('d.example.test', 30, 'c.mx.test'),
        ],
        authenticated: true,
      },
      'a.mx.test A': secure(a('a.mx.test', '192.0.2.1')),
      'a.mx.test AAAA': { status: 'SERVFAIL' },
      'b.mx.test A': secure(a('b.mx.test', '192.0.2.2')),
      'b.mx.test AAAA': noerror(aaaa('b.mx.test', '2001:db8::2')),
      'c.mx.test A': { status: 'SERVFAIL' },
      'c.mx.test AAAA': { status: 'TIMEOUT' },
    });
    const route = await resolveMailRoute('d.example.test', resolver, bounds());
    expect([...route.dnssec.secureExchanges].sort()).toEqual(['a.mx.test']);
  });
});
