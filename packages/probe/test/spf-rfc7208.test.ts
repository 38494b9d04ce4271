import { describe, expect, it } from 'vitest';
import { checkSpf, defaultsOf, parseSpfRecord, POLICY_BOUNDS } from '@mxv/probe';
import { a, FakeResolver, txt, type FakeZone } from './fake-txt-resolver.js';

/**
 * The SPF check against RFC 7208 as evaluators (pyspf, libspf2, Mail::SPF)
 * apply it; most cases are from the openspf.org RFC 7208 test suite.
 */
const bounds = defaultsOf(POLICY_BOUNDS);

async function spf(zone: FakeZone, domain = 'x.test') {
  const resolver = new FakeResolver(zone);
  const result = await checkSpf(domain, resolver, bounds);
  return { result, questions: resolver.questions.length };
}

describe('record selection (RFC 7208 4.5)', () => {
  it('a record is SPF only when "v=spf1" is followed by a space or the end', async () => {
    // A tab or a ";" after the version makes it some other record: ignored, not a broken SPF record.
    expect((await spf({ 'x.test': txt('x.test', 'v=spf1\t-all') })).result).toMatchObject({ status: 'none' });
    expect((await spf({ 'x.test': txt('x.test', 'v=spf1;-all') })).result).toMatchObject({ status: 'none' });
  });

  it('such a record beside a real one is not a second SPF record', async () => {
    const zone: FakeZone = { 'x.test': txt('x.test', 'v=spf1;x', 'v=spf1 -all') };
    expect((await spf(zone)).result).toEqual({
      status: 'valid',
      record: 'v=spf1 -all',
      error: null,
      lookups: 0,
      otherSenders: 'fail',
    });
  });

  it('an include target whose only v=spf1-like record is not SPF has none (5.2: permerror)', async () => {
    const zone: FakeZone = {
      'x.test': txt('x.test', 'v=spf1 include:y.test -all'),
      'y.test': txt('y.test', 'v=spf1\tip4:192.0.2.1'),
    };
    expect((await spf(zone)).result).toMatchObject({ status: 'permerror', error: 'include_none' });
  });
});

describe('syntax (RFC 7208 5, 7.1, 12)', () => {
  it.each([
    // 7.1 domain-end: "." toplabel, toplabel = alphanum with a letter, or inner hyphens; not "com:8080", "-com", "com/24".
    ['v=spf1 a:example.com:8080', 'bad_domain_spec'],
    ['v=spf1 mx:example.com:8080', 'bad_domain_spec'],
    ['v=spf1 a:example.-com', 'bad_domain_spec'],
    ['v=spf1 mx:example.-com', 'bad_domain_spec'],
    ['v=spf1 include:ip5.example.com/24 -all', 'bad_domain_spec'],
    ['v=spf1 exists:mail.example.com/24', 'bad_domain_spec'],
    ['v=spf1 a:example.com/ -all', 'bad_domain_spec'],
    ['v=spf1 redirect=example.com/24', 'bad_domain_spec'],
    // 7.3: c, r and t are for explanation text only, never a domain-spec (exp= names a domain).
    ['v=spf1 -all exp=%{r}.example.com', 'bad_macro'],
    ['v=spf1 exists:%{c}.example.com -all', 'bad_macro'],
    ['v=spf1 a:%{t}.example.com -all', 'bad_macro'],
    // 7.3: a DIGIT transformer is nonzero.
    ['v=spf1 exists:%{d0}.example.com -all', 'bad_macro'],
    // 5.3/5.4: `a` and `mx` without a domain take a dual-cidr-length and nothing else.
    ['v=spf1 a/24x -all', 'syntax'],
    ['v=spf1 mx/24/16 -all', 'syntax'],
    // 5.6: ip6-network is an address, not one with a zone.
    ['v=spf1 ip6:fe80::1%eth0 -all', 'bad_ip_network'],
    // 12: an unknown modifier's value is a macro-string, visible ASCII.
    ['v=spf1 foo=\u0080 -all', 'syntax'],
  ])('%j → %s', (text, error) => {
    expect(parseSpfRecord(text)).toMatchObject({ status: 'invalid', error });
  });

  it.each([
    'v=spf1 a:foo.example.xn--zckzah -all',
    'v=spf1 a:foo:bar/baz.example.com',
    'v=spf1 a:%{H} -all',
    'v=spf1 redirect=%{d}',
    'v=spf1 redirect=%{d}.d.spf.example.com.',
    'v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all',
    'v=spf1 exists:%{l2r+-}.user.%{d2}',
    'v=spf1 exists:%{i}.%{l2r-}.user.%{d2}',
    'v=spf1 -include:_spfh.%{d2} ip4:1.2.3.0/24 -all',
    'v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all',
    'v=spf1 a/24//64 mx//0 a:mail.example.com/0//128 -all',
    'v=spf1 ip6:::1.1.1.1/0 ip6:Cafe:Babe:8000::/33 ip4:1.1.1.1/0 -all',
    'v=spf1 include:o.spf.example.com. ~all',
    'v=spf1 a:example.123-456 -all',
  ])('accepts %j', (text) => {
    expect(parseSpfRecord(text)).toMatchObject({ status: 'ok' });
  });

  it('a syntax error after "all" is still a permerror (4.6)', async () => {
    expect((await spf({ 'x.test': txt('x.test', 'v=spf1 -all foo:bar') })).result).toMatchObject({
      status: 'permerror',
      error: 'unknown_mechanism',
    });
  });
});

describe('lookup limits (RFC 7208 4.6.4, 5.1)', () => {
  const includes = (n: number) => Array.from({ length: n }, (_, i) => `include:i${i}.y.test`).join(' ');

  it('terms after "all" are never evaluated: they cost no lookup and are not asked (5.1)', async () => {
    const record = `v=spf1 ip4:192.0.2.0/24 ~all ${includes(12)} redirect=r.y.test`;
    const found = await spf({ 'x.test': txt('x.test', record) });
    expect(found.result).toEqual({ status: 'valid', record, error: null, lookups: 0, otherSenders: 'softfail' });
    expect(found.questions).toBe(1);
  });

  it('the same holds inside an included record', async () => {
    const zone: FakeZone = {
      'x.test': txt('x.test', 'v=spf1 include:b.y.test -all'),
      'b.y.test': txt('b.y.test', `v=spf1 ?all ${includes(11)}`),
    };
    expect(await spf(zone)).toEqual({
      // The include's ?all is not a pass, so its include does not match: an unlisted host meets the top's -all.
      result: { status: 'valid', record: 'v=spf1 include:b.y.test -all', error: null, lookups: 1, otherSenders: 'fail' },
      questions: 2,
    });
  });

  it('stops asking once DNS has failed: a temperror ends the evaluation (5.2, 4.6.4 time limit)', async () => {
    const zone: FakeZone = { 'x.test': txt('x.test', `v=spf1 ${includes(9)} mx:m.y.test exists:e.y.test -all`) };
    for (let i = 0; i < 9; i++) zone[`i${i}.y.test`] = 'TIMEOUT';
    const found = await spf(zone);
    expect(found.result).toMatchObject({ status: 'temperror', error: 'dns_timeout' });
    // The top record and the first include; not the eight other timeouts, nor the mx and exists targets.
    expect(found.questions).toBe(2);
  });

  // Void lookups as an IPv4 sender's evaluation meets them (Mail::SPF and pyspf agree: spf-reference.test.ts).
  it('an a term asks A only: names with only AAAA are void lookups, three of them a permerror (4.6.4)', async () => {
    const v6only = (name: string) => [{ type: 'AAAA' as const, name, ttl: 1, address: '2001:db8::1' }];
    const zone = (n: number): FakeZone => ({
      'x.test': txt('x.test', `v=spf1 ${Array.from({ length: n }, (_, i) => `a:v${i}.y.test`).join(' ')} -all`),
      ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}.y.test`, v6only(`v${i}.y.test`)])),
    });
    expect(await spf(zone(2))).toMatchObject({ result: { status: 'valid', lookups: 2 }, questions: 3 });
    expect((await spf(zone(3))).result).toMatchObject({ status: 'permerror', error: 'too_many_void_lookups' });
  });

  it('an mx term asks the address of each exchange: each one without is a void lookup', async () => {
    const zone = (addressed: number): FakeZone => ({
      'x.test': [
        ...txt('x.test', 'v=spf1 mx -all'),
        ...['m0', 'm1', 'm2'].map((m, i) => ({
          type: 'MX' as const,
          name: 'x.test',
          ttl: 1,
          priority: i,
          exchange: `${m}.x.test`,
        })),
      ],
      ...Object.fromEntries(Array.from({ length: addressed }, (_, i) => [`m${i}.x.test`, [a(`m${i}.x.test`)]])),
    });
    // The MX question and one A question per exchange; one lookup-costing term.
    expect(await spf(zone(3))).toMatchObject({ result: { status: 'valid', lookups: 1 }, questions: 5 });
    expect((await spf(zone(1))).result).toMatchObject({ status: 'valid' });
    expect((await spf(zone(0))).result).toMatchObject({ status: 'permerror', error: 'too_many_void_lookups' });
  });

  it('a null MX in an mx term is a void lookup without a question for the root', async () => {
    const zone: FakeZone = {
      'x.test': txt('x.test', 'v=spf1 mx:n.y.test -all'),
      'n.y.test': [{ type: 'MX', name: 'n.y.test', ttl: 1, priority: 0, exchange: '' }],
    };
    expect(await spf(zone)).toMatchObject({ result: { status: 'valid', lookups: 1 }, questions: 2 });
  });

  it('an mx name with more than 10 MX records is a permerror; 10 is fine (4.6.4)', async () => {
    const zone = (n: number): FakeZone => ({
      'x.test': [
        ...txt('x.test', 'v=spf1 mx -all'),
        ...Array.from({ length: n }, (_, i) => ({
          type: 'MX' as const,
          name: 'x.test',
          ttl: 1,
          priority: i,
          exchange: `m${i}.x.test`,
        })),
      ],
      // Exchanges with addresses: each one without would be a void lookup of the mx term.
      ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}.x.test`, [a(`m${i}.x.test`)]])),
    });
    expect((await spf(zone(10))).result).toMatchObject({ status: 'valid', lookups: 1 });
    expect((await spf(zone(11))).result).toMatchObject({ status: 'permerror', error: 'too_many_mx_records' });
  });

  it('still counts every lookup of a record over the limit, within the question bound', async () => {
    const zone: FakeZone = { 'x.test': txt('x.test', `v=spf1 ${includes(14)} -all`) };
    for (let i = 0; i < 14; i++) zone[`i${i}.y.test`] = txt(`i${i}.y.test`, 'v=spf1 ip4:192.0.2.1 -all');
    const found = await spf(zone);
    expect(found.result).toMatchObject({ status: 'permerror', error: 'too_many_lookups', lookups: 14 });
    expect(found.questions).toBeLessThanOrEqual(bounds.maxSpfQuestions);
  });
});
