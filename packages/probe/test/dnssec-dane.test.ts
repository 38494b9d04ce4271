import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTP_PORT_TOKEN, startDnsServer, startWorld, type World, type WorldSpec } from '@mxv/testkit';
import { createEngineParts, boundValues, DNS_BOUNDS, MailCheckEngine, StubResolver, type MemoryHostSource } from '@mxv/probe';
import { worldEngine, type WorldEngine } from './support/world-engine.js';

/**
 * DNSSEC of the MX answer and DANE (RFC 7672) through the whole engine, against
 * the testkit playing a validating resolver; and the bad TLSA inputs of the
 * issue (a 60 KB record over TCP, garbage fields, a thousand records), each
 * bounded and classified.
 */

const tlsa = (exchange: string): string => `_${SMTP_PORT_TOKEN}._tcp.${exchange}`;
const MANY_TLSA = 1000;
const MAX_TLSA = 8;
/** Near the 64 KB a DNS message can hold over TCP: far past any UDP answer. */
const HUGE_TLSA_BYTES = 60_000;

function spec(): WorldSpec {
  const records: WorldSpec['records'] = {
    'signed.test': [{ type: 'MX', priority: 10, exchange: 'mx.signed.test' }],
    // Another customer of the same exchange: its TLSA answer is shared, not asked again.
    'also-signed.test': [{ type: 'MX', priority: 10, exchange: 'mx.signed.test' }],
    'mx.signed.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.signed.test')]: [{ type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 1 }],
    // The same host under another name whose TLSA is a full certificate, exact match (3 0 0), and SHA-512 (3 1 2).
    'full.test': [{ type: 'MX', priority: 10, exchange: 'mx.full.test' }],
    'mx.full.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.full.test')]: [
      { type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: '00'.repeat(32) },
      { type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 0, matchingType: 0 },
    ],
    'sha512.test': [{ type: 'MX', priority: 10, exchange: 'mx.sha512.test' }],
    'mx.sha512.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.sha512.test')]: [{ type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 2 }],
    // DANE-TA matches the intermediate, but the leaf names another host: RFC 7672 3.2.3 says fail.
    'ta-wrong-name.test': [{ type: 'MX', priority: 10, exchange: 'mx.ta-wrong-name.test' }],
    'mx.ta-wrong-name.test': [{ type: 'A', host: 'ta' }],
    [tlsa('mx.ta-wrong-name.test')]: [{ type: 'TLSA', host: 'ta', of: 'issuer', usage: 2, selector: 1, matchingType: 1 }],
    'ta.test': [{ type: 'MX', priority: 10, exchange: 'mx.ta.test' }],
    'mx.ta.test': [{ type: 'A', host: 'ta' }],
    [tlsa('mx.ta.test')]: [{ type: 'TLSA', host: 'ta', of: 'issuer', usage: 2, selector: 0, matchingType: 1 }],
    // The MX is secure but the exchange's zone is not: the TLSA cannot count.
    'addr-insecure.test': [{ type: 'MX', priority: 10, exchange: 'mx.plain.zone.test' }],
    'mx.plain.zone.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.plain.zone.test')]: [{ type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 1 }],
    'bogus.test': [{ type: 'MX', priority: 10, exchange: 'mx.signed.test' }],
    'bogus-quiet.test': [{ type: 'MX', priority: 10, exchange: 'mx.signed.test' }],
    'broken.test': [{ type: 'MX', priority: 10, exchange: 'mx.signed.test' }],
    // Bad input.
    'huge.test': [{ type: 'MX', priority: 10, exchange: 'mx.huge.test' }],
    'mx.huge.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.huge.test')]: [{ type: 'TLSA', usage: 3, selector: 0, matchingType: 0, data: 'ab'.repeat(HUGE_TLSA_BYTES) }],
    'garbage.test': [{ type: 'MX', priority: 10, exchange: 'mx.garbage.test' }],
    'mx.garbage.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.garbage.test')]: [
      { type: 'TLSA', usage: 255, selector: 1, matchingType: 1, data: 'ab'.repeat(32) },
      { type: 'TLSA', usage: 3, selector: 9, matchingType: 1, data: 'ab'.repeat(32) },
      { type: 'TLSA', usage: 3, selector: 1, matchingType: 77, data: 'ab'.repeat(32) },
      // A SHA-256 that is 3 bytes long, and an empty exact match.
      { type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'abcdef' },
      { type: 'TLSA', usage: 3, selector: 1, matchingType: 0, data: '' },
    ],
    'many.test': [{ type: 'MX', priority: 10, exchange: 'mx.many.test' }],
    'mx.many.test': [{ type: 'A', host: 'ee' }],
    [tlsa('mx.many.test')]: [
      ...Array.from({ length: MANY_TLSA - 1 }, (_, i) => ({
        type: 'TLSA' as const,
        usage: 3,
        selector: 1,
        matchingType: 1,
        // Short (unusable) digests keep 1,000 records within one 64 KB TCP message: the testkit does not compress names.
        data: i.toString(16).padStart(8, '0'),
      })),
      // The one that matches comes last, past the bound: only the first MAX_TLSA are looked at.
      { type: 'TLSA', host: 'ee', of: 'leaf', usage: 3, selector: 1, matchingType: 1 },
    ],
  };
  return {
    hosts: [
      { id: 'ee', behaviour: 'esmtp', hostname: 'mx.signed.test', cert: { names: ['mx.signed.test'] } },
      { id: 'ta', behaviour: 'esmtp', hostname: 'mx.ta.test', cert: { names: ['mx.ta.test'], intermediates: 1 } },
    ],
    records,
    zones: ['test'],
    dnssec: {
      test: { state: 'secure' },
      'zone.test': { state: 'insecure' },
      'bogus.test': { state: 'bogus', ede: { code: 7, text: 'signature expired\u0007 on bogus.test' } },
      'bogus-quiet.test': { state: 'bogus' },
    },
    dnsBehaviours: { 'broken.test': { fail: 'servfail', types: ['MX'] } },
    domains: [],
  };
}

let world: World;
let hosts: MemoryHostSource;
let check: WorldEngine['check'];

beforeAll(async () => {
  world = await startWorld(spec());
  ({ hosts, check } = worldEngine(world, {
    smtp: { port: world.smtpPort, hostBudgetMs: 3000 },
    dns: { queryTimeoutMs: 500, attemptsPerServer: 1 },
    politeness: { connectionsPerSecond: 1000, maxConcurrentPerIp: 100 },
    dane: { maxTlsaRecords: MAX_TLSA, maxShownTlsaDataBytes: 64 },
  }));
});

afterAll(async () => {
  await world?.stop();
});

describe('DNSSEC of the MX answer', () => {
  it('secure when the validating resolver sets AD', async () => {
    const result = await check('signed.test');
    expect(result.mx.dnssec).toBe('secure');
  });

  it('bogus when SERVFAIL turns into an answer with CD=1; the verdict stays dns_error and the EDE says why', async () => {
    const result = await check('bogus.test');
    expect(result.verdict).toBe('dns_error');
    expect(result.mx.dnssec).toBe('bogus');
    // Control characters of the resolver's text are dropped.
    expect(result.mx.dnssecEde).toEqual({ code: 7, text: 'signature expired on bogus.test' });
    const asked = world.dnsServer.queryLog.filter((q) => q.name === 'bogus.test' && q.type === 'MX');
    expect(asked.map((q) => q.outcome)).toEqual(['SERVFAIL', 'NOERROR']);
  });

  it('bogus without an EDE keeps the reason empty', async () => {
    const result = await check('bogus-quiet.test');
    expect(result.mx.dnssec).toBe('bogus');
    expect(result.mx.dnssecEde ?? null).toBeNull();
  });

  it('a SERVFAIL that CD does not cure is a broken server, not a signature: unknown', async () => {
    const result = await check('broken.test');
    expect(result.verdict).toBe('dns_error');
    expect(result.mx.dnssec).toBe('unknown');
  });

  it('a resolver that does not validate never sets AD: unknown, never insecure', async () => {
    const plain = await startDnsServer({
      host: world.dnsServer.host,
      records: { 'a.test': [{ type: 'MX', priority: 10, exchange: 'mx.a.test' }] },
      dnssec: { test: { state: 'secure' } },
      validating: false,
    });
    try {
      const setup = createEngineParts({ dnsServers: [plain.address], checks: ['dnssec'] });
      if (setup.status !== 'ok') throw new Error(setup.reason);
      const outcome = await new MailCheckEngine(setup.parts).check('a.test', hosts);
      expect(outcome.status === 'complete' && outcome.result.mx.dnssec).toBe('unknown');
    } finally {
      await plain.stop();
    }
  });

  it('the stub resolver sends DO and AD, and CD only when asked', async () => {
    const resolver = new StubResolver({ servers: [world.dnsServer], bounds: boundValues(DNS_BOUNDS) });
    const bogus = await resolver.query('bogus.test', 'MX');
    expect(bogus).toMatchObject({ status: 'SERVFAIL', authenticated: false, ede: { code: 7 } });
    const unchecked = await resolver.query('bogus.test', 'MX', undefined, { checkingDisabled: true });
    expect(unchecked).toMatchObject({ status: 'NOERROR', authenticated: false });
    const secure = await resolver.query('signed.test', 'MX');
    expect(secure).toMatchObject({ status: 'NOERROR', authenticated: true, ede: null });
  });

  it('--checks without dnssec leaves mx.dnssec null', async () => {
    const setup = createEngineParts({ dnsServers: [world.dns], allowNet: world.allowNet, checks: ['dane'] });
    if (setup.status !== 'ok') throw new Error(setup.reason);
    const outcome = await new MailCheckEngine(setup.parts).check('signed.test', hosts);
    expect(outcome.status === 'complete' && outcome.result.mx.dnssec).toBeNull();
  });
});

describe('DANE for SMTP', () => {
  it('DANE-EE 3 1 1 passes; the matched record is named', async () => {
    const result = await check('signed.test');
    expect(result.security.dane).toBe('pass');
    expect(result.hosts[0]?.dane).toMatchObject({
      status: 'pass',
      reason: null,
      matched: { usage: 3, selector: 1, matchingType: 1 },
    });
    expect(result.hosts[0]?.dane?.name).toBe(`_${world.smtpPort}._tcp.mx.signed.test`);
  });

  it('3 0 0 (exact full certificate) and 3 1 2 (SHA-512) match; names are ignored for DANE-EE', async () => {
    for (const domain of ['full.test', 'sha512.test']) {
      const result = await check(domain);
      // The certificate names mx.signed.test, not this exchange: DANE-EE does not care (RFC 7672 3.1.1).
      expect(result.hosts[0]?.tls?.hostnameMatch).toBe(false);
      expect(result.hosts[0]?.dane?.status, domain).toBe('pass');
    }
  });

  it('DANE-TA 2 0 1 on the intermediate passes when the leaf names the exchange, fails when it does not', async () => {
    expect((await check('ta.test')).hosts[0]?.dane?.status).toBe('pass');
    const wrong = await check('ta-wrong-name.test');
    expect(wrong.hosts[0]?.dane).toMatchObject({ status: 'fail', reason: 'no_match' });
  });

  it('a secure MX with an insecure exchange address: not_applicable', async () => {
    const result = await check('addr-insecure.test');
    expect(result.mx.dnssec).toBe('secure');
    expect(result.hosts[0]?.dane).toMatchObject({ status: 'not_applicable', reason: 'address_not_secure' });
    expect(result.security.dane).toBe('not_applicable');
  });

  it('the same cached probe is matched per exchange (TLSA are per name, probes per address)', async () => {
    const before = hosts.stats.entries;
    const garbage = await check('garbage.test');
    expect(hosts.stats.entries).toBe(before);
    expect(garbage.hosts[0]?.cached).toBe(true);
    expect(garbage.hosts[0]?.dane).toMatchObject({ status: 'fail', reason: 'unusable_records' });
    expect(garbage.hosts[0]?.dane?.tlsa).toHaveLength(5);
  });

  it('a 60 KB TLSA record comes over TCP, is bounded in the result, and matches nothing', async () => {
    const result = await check('huge.test');
    const asked = world.dnsServer.queryLog.filter((q) => q.name.startsWith('_') && q.name.endsWith('mx.huge.test'));
    expect(asked.map((q) => q.transport)).toContain('tcp');
    const dane = result.hosts[0]?.dane;
    expect(dane).toMatchObject({ status: 'fail', reason: 'no_match' });
    expect(dane?.tlsa[0]?.data).toHaveLength(64 * 2 + 1);
    expect(JSON.stringify(result).length).toBeLessThan(20_000);
  });

  it('a thousand TLSA records: the first maxTlsaRecords are used and listed, the rest counted', async () => {
    const result = await check('many.test');
    const dane = result.hosts[0]?.dane;
    expect(dane?.tlsa).toHaveLength(MAX_TLSA);
    expect(dane?.omitted).toBe(MANY_TLSA - MAX_TLSA);
    // The matching record is past the bound: what was looked at is unusable.
    expect(dane).toMatchObject({ status: 'fail', reason: 'unusable_records' });
  });

  it("an exchange's TLSA is asked once for all the domains of an engine that use it (kept for its TTL)", async () => {
    const setup = createEngineParts(
      { dnsServers: [world.dns], allowNet: world.allowNet, smtp: { port: world.smtpPort }, checks: ['dnssec', 'dane'] },
      { extraCaPem: [world.caCertPem] },
    );
    if (setup.status !== 'ok') throw new Error(setup.reason);
    const shared = new MailCheckEngine(setup.parts);
    world.dnsServer.clearLog();
    for (const domain of ['signed.test', 'also-signed.test', 'signed.test']) {
      const outcome = await shared.check(domain, hosts);
      expect(outcome.status === 'complete' && outcome.result.security.dane).toBe('pass');
    }
    expect(world.dnsServer.queryLog.filter((q) => q.type === 'TLSA').map((q) => q.name)).toEqual([
      tlsa('mx.signed.test').replace(SMTP_PORT_TOKEN, String(world.smtpPort)),
    ]);
    // The domains' own questions are asked afresh each check.
    expect(world.dnsServer.queryLog.filter((q) => q.type === 'MX')).toHaveLength(3);
  });

  it('with --checks none nothing of DANE is asked', async () => {
    const setup = createEngineParts({ dnsServers: [world.dns], allowNet: world.allowNet, checks: [] });
    if (setup.status !== 'ok') throw new Error(setup.reason);
    world.dnsServer.clearLog();
    const outcome = await new MailCheckEngine(setup.parts).check('signed.test', hosts);
    expect(outcome.status === 'complete' && outcome.result.security.dane).toBeNull();
    expect(world.dnsServer.queryLog.filter((q) => q.type === 'TLSA' || q.type === 'SOA')).toEqual([]);
  });
});
