import { describe, expect, it } from 'vitest';
import { checkDmarc, checkSpf, checkTlsRpt, defaultsOf, MemoResolver, POLICY_BOUNDS, TtlCacheResolver } from '@mxv/probe';
import { a, FakeResolver, txt, type FakeZone } from './fake-txt-resolver.js';

const bounds = defaultsOf(POLICY_BOUNDS);

function spf(zone: FakeZone, domain = 'x.test') {
  const resolver = new FakeResolver(zone);
  return checkSpf(domain, resolver, bounds).then((result) => ({ result, questions: resolver.questions.length }));
}

/** A chain of n includes: x.test → i1.x.test → ... → in.x.test (-all). */
function includeChain(n: number): FakeZone {
  const zone: FakeZone = {};
  for (let i = 0; i <= n; i++) {
    const name = i === 0 ? 'x.test' : `i${i}.x.test`;
    zone[name] = txt(name, i < n ? `v=spf1 include:i${i + 1}.x.test -all` : 'v=spf1 -all');
  }
  return zone;
}

describe('checkSpf', () => {
  it('is none without a record, and ignores other TXT records', async () => {
    expect((await spf({})).result).toMatchObject({ status: 'none', record: null });
    expect((await spf({ 'x.test': txt('x.test', 'google-site-verification=abc') })).result.status).toBe('none');
  });

  it('counts include, a, mx, ptr, exists and redirect lookups (RFC 7208 4.6.4), recursively', async () => {
    const record = 'v=spf1 a mx ptr include:_spf.y.test ip4:192.0.2.0/24 redirect=_r.x.test';
    const zone: FakeZone = {
      'x.test': [
        ...txt('x.test', record),
        a('x.test'),
        { type: 'MX', name: 'x.test', ttl: 1, priority: 1, exchange: 'mx.x.test' },
      ],
      // e.y.test has no address: an exists of a name that has one would match every sender and end the walk there.
      '_spf.y.test': txt('_spf.y.test', 'v=spf1 exists:e.y.test a:m.y.test -all'),
      'm.y.test': [a('m.y.test')],
      '_r.x.test': txt('_r.x.test', 'v=spf1 -all'),
    };
    // x: a, mx, ptr, include, redirect = 5; _spf.y: exists, a = 2. An unlisted host gets the redirect target's -all.
    expect((await spf(zone)).result).toEqual({ status: 'valid', record, error: null, lookups: 7, otherSenders: 'fail' });
  });

  it('stops at a term every sender matches: the lookups after it are never made (RFC 7208 4.6.4 "during evaluation")', async () => {
    const after = Array.from({ length: 11 }, (_, i) => `a:h${i}.y.test`).join(' ');
    const zone = (first: string): FakeZone => ({
      'x.test': txt('x.test', `v=spf1 ${first} ${after} -all`),
      'e.y.test': [a('e.y.test')],
      '_all.y.test': txt('_all.y.test', 'v=spf1 +all'),
      '_none.y.test': txt('_none.y.test', 'v=spf1 -all'),
      ...Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`h${i}.y.test`, [a(`h${i}.y.test`)]])),
    });
    expect((await spf(zone('exists:e.y.test'))).result).toMatchObject({ status: 'valid', lookups: 1 });
    expect((await spf(zone('include:_all.y.test'))).result).toMatchObject({ status: 'valid', lookups: 1 });
    expect((await spf(zone('ip4:0.0.0.0/0'))).result).toMatchObject({ status: 'valid', lookups: 0 });
    // An include that fails everyone matches no one: the walk goes on, over the limit.
    expect((await spf(zone('include:_none.y.test'))).result).toMatchObject({ status: 'permerror', error: 'too_many_lookups' });
  });

  it('is a permerror with more than one record (RFC 7208 4.5)', async () => {
    const records = Array.from({ length: 20 }, (_, i) => `v=spf1 ip4:192.0.2.${i} -all`);
    expect((await spf({ 'x.test': txt('x.test', ...records) })).result).toMatchObject({
      status: 'permerror',
      error: 'multiple_records',
    });
  });

  it('is a permerror over 10 lookups, and still reports the count, bounded', async () => {
    const ok = await spf(includeChain(10));
    expect(ok.result).toMatchObject({ status: 'valid', lookups: 10 });
    const over = await spf(includeChain(11));
    expect(over.result).toMatchObject({ status: 'permerror', error: 'too_many_lookups', lookups: 11 });
    const long = await spf(includeChain(500));
    expect(long.result).toMatchObject({ status: 'permerror', error: 'too_many_lookups' });
    // The walk stops at the depth bound, well short of the chain's 500 names.
    expect(long.questions).toBeLessThanOrEqual(bounds.maxSpfDepth + 2);
  });

  it('finds include loops, direct and indirect', async () => {
    expect((await spf({ 'x.test': txt('x.test', 'v=spf1 include:x.test -all') })).result).toMatchObject({
      status: 'permerror',
      error: 'include_loop',
    });
    const zone: FakeZone = {
      'x.test': txt('x.test', 'v=spf1 include:b.test -all'),
      'b.test': txt('b.test', 'v=spf1 redirect=x.test'),
    };
    expect((await spf(zone)).result).toMatchObject({ status: 'permerror', error: 'redirect_loop' });
  });

  it('a name included twice in different branches is not a loop', async () => {
    const zone: FakeZone = {
      'x.test': txt('x.test', 'v=spf1 include:b.test include:c.test -all'),
      'b.test': txt('b.test', 'v=spf1 include:d.test'),
      'c.test': txt('c.test', 'v=spf1 include:d.test'),
      'd.test': txt('d.test', 'v=spf1 ip4:192.0.2.1'),
    };
    expect((await spf(zone)).result).toMatchObject({ status: 'valid', lookups: 4 });
  });

  it('counts void lookups: more than two is a permerror', async () => {
    const two = await spf({ 'x.test': txt('x.test', 'v=spf1 a:n1.x.test mx:n2.x.test -all') });
    expect(two.result).toMatchObject({ status: 'valid', lookups: 2 });
    const three = await spf({ 'x.test': txt('x.test', 'v=spf1 a:n1.x.test mx:n2.x.test exists:n3.x.test -all') });
    expect(three.result).toMatchObject({ status: 'permerror', error: 'too_many_void_lookups' });
  });

  it('an include of a name without SPF is a permerror (RFC 7208 5.2)', async () => {
    const zone: FakeZone = { 'x.test': txt('x.test', 'v=spf1 include:none.test -all'), 'none.test': txt('none.test', 'hello') };
    expect((await spf(zone)).result).toMatchObject({ status: 'permerror', error: 'include_none' });
  });

  it('a DNS failure is a temperror, at the top or in an include', async () => {
    expect((await spf({ 'x.test': 'SERVFAIL' })).result).toMatchObject({ status: 'temperror', error: 'dns_servfail' });
    const zone: FakeZone = { 'x.test': txt('x.test', 'v=spf1 include:slow.test -all'), 'slow.test': 'TIMEOUT' };
    expect((await spf(zone)).result).toMatchObject({ status: 'temperror', error: 'dns_timeout' });
  });

  it('bounds the record size and count; the strings of one record are one record (RFC 7208 3.3)', async () => {
    const huge = `v=spf1 ${'ip4:192.0.2.1 '.repeat(800)}-all`;
    expect(huge.length).toBeGreaterThan(10_000);
    expect((await spf({ 'x.test': txt('x.test', huge) })).result).toMatchObject({ status: 'permerror', error: 'txt_too_long' });
    const many = txt('x.test', ...Array.from({ length: bounds.maxTxtRecords + 1 }, (_, i) => `token-${i}`));
    expect((await spf({ 'x.test': many })).result).toMatchObject({ status: 'permerror', error: 'txt_too_many' });
  });

  it('a macro target is counted, not followed (it depends on the sender)', async () => {
    const result = await spf({ 'x.test': txt('x.test', 'v=spf1 exists:%{i}.spf.x.test include:%{d}.x.test -all') });
    expect(result.result).toMatchObject({ status: 'valid', lookups: 2 });
    expect(result.questions).toBe(1);
  });

  it('bounds the questions of one evaluation', async () => {
    const names = Array.from({ length: 9 }, (_, i) => `n${i}.x.test`);
    const zone: FakeZone = { 'x.test': txt('x.test', `v=spf1 ${names.map((n) => `a:${n}`).join(' ')} -all`) };
    for (const name of names) zone[name] = [a(name)];
    const resolver = new FakeResolver(zone);
    const result = await checkSpf('x.test', resolver, { ...bounds, maxSpfQuestions: 5 });
    expect(result).toMatchObject({ status: 'permerror', error: 'question_limit' });
    expect(resolver.questions.length).toBe(5);
  });
});

describe('checkDmarc', () => {
  it('reads _dmarc.<domain>', async () => {
    const resolver = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', 'v=DMARC1; p=reject; rua=mailto:d@x.test') });
    expect(await checkDmarc('x.test', resolver, bounds)).toEqual({
      status: 'valid',
      record: 'v=DMARC1; p=reject; rua=mailto:d@x.test',
      policy: 'reject',
      error: null,
      subdomainPolicy: null,
      pct: null,
      rua: ['mailto:d@x.test'],
      foundAt: '_dmarc.x.test',
    });
  });

  it('falls back to the organizational domain (Public Suffix List)', async () => {
    const resolver = new FakeResolver({
      '_dmarc.example.co.uk': txt('_dmarc.example.co.uk', 'v=DMARC1; p=quarantine; sp=none; pct=20'),
    });
    expect(await checkDmarc('mail.example.co.uk', resolver, bounds)).toMatchObject({
      status: 'valid',
      policy: 'quarantine',
      subdomainPolicy: 'none',
      pct: 20,
      foundAt: '_dmarc.example.co.uk',
    });
    expect(resolver.questions.map((q) => q.name)).toEqual(['_dmarc.mail.example.co.uk', '_dmarc.example.co.uk']);
  });

  it('is none without a record, invalid with garbage, several records or a DNS failure', async () => {
    expect(await checkDmarc('x.test', new FakeResolver({}), bounds)).toMatchObject({ status: 'none', policy: null });
    const garbage = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', 'v=DMARC1; p=reject; pct=many; ;;=;') });
    // The empty and nameless tags are ignored as unknown tags (RFC 7489 6.3); pct=many is not.
    expect(await checkDmarc('x.test', garbage, bounds)).toMatchObject({ status: 'invalid', error: 'pct_invalid', policy: null });
    const two = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', 'v=DMARC1; p=none', 'v=DMARC1; p=reject') });
    expect(await checkDmarc('x.test', two, bounds)).toMatchObject({ status: 'invalid', error: 'multiple_records' });
    expect(await checkDmarc('x.test', new FakeResolver({ '_dmarc.x.test': 'SERVFAIL' }), bounds)).toMatchObject({
      status: 'invalid',
      error: 'dns_servfail',
    });
  });
});

describe('records shown as dig writes them: what breaks them stays visible and nothing in them acts on a terminal', () => {
  const hostile = '\u001b[31m\u009b2K\u202e';
  const shown = '\\027[31m\\194\\1552K\\226\\128\\174';

  it('SPF: a record with a pasted no-break space (a permerror) and one with escape sequences', async () => {
    const nbsp = await spf({ 'x.test': txt('x.test', 'v=spf1 ip4:192.0.2.1\u00a0-all') });
    expect(nbsp.result).toMatchObject({ status: 'permerror', record: 'v=spf1 ip4:192.0.2.1\\194\\160-all' });
    const two = await spf({ 'x.test': txt('x.test', `v=spf1 -all ${hostile}`, 'v=spf1 ~all') });
    expect(two.result).toMatchObject({ status: 'permerror', error: 'multiple_records', record: `v=spf1 -all ${shown}` });
  });

  it('DMARC: the record and its report addresses, valid or not', async () => {
    const valid = new FakeResolver({
      '_dmarc.x.test': txt('_dmarc.x.test', `v=DMARC1; p=reject; rua=mailto:d@x.test${hostile}`),
    });
    expect(await checkDmarc('x.test', valid, bounds)).toMatchObject({
      status: 'valid',
      record: `v=DMARC1; p=reject; rua=mailto:d@x.test${shown}`,
      rua: [`mailto:d@x.test${shown}`],
    });
    const invalid = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', `v=DMARC1; p=${hostile}`) });
    expect(await checkDmarc('x.test', invalid, bounds)).toMatchObject({ status: 'invalid', record: `v=DMARC1; p=${shown}` });
  });

  it('TLS-RPT: the report addresses', async () => {
    const zone = { '_smtp._tls.x.test': txt('_smtp._tls.x.test', `v=TLSRPTv1; rua=mailto:t@x.test${hostile}`) };
    const result = await checkTlsRpt('x.test', new FakeResolver(zone), bounds);
    expect(result.rua.every((uri) => !/[\p{Cc}\p{Cf}]/u.test(uri))).toBe(true);
  });
});

describe('checkTlsRpt', () => {
  it.each([
    [{}, { status: 'none', rua: [], error: null }],
    [
      { '_smtp._tls.x.test': txt('_smtp._tls.x.test', 'v=TLSRPTv1; rua=mailto:t@x.test') },
      { status: 'valid', rua: ['mailto:t@x.test'], error: null },
    ],
    [{ '_smtp._tls.x.test': txt('_smtp._tls.x.test', 'v=TLSRPTv1;') }, { status: 'invalid', rua: [], error: 'rua_missing' }],
    [
      { '_smtp._tls.x.test': txt('_smtp._tls.x.test', 'v=TLSRPTv1; rua=mailto:a@x.test', 'v=TLSRPTv1; rua=mailto:b@x.test') },
      { status: 'invalid', rua: [], error: 'multiple_records' },
    ],
  ] as const)('%j', async (zone, expected) => {
    expect(await checkTlsRpt('x.test', new FakeResolver(zone as FakeZone), bounds)).toEqual(expected);
  });
});

describe('MemoResolver', () => {
  it('passes a CD question (checking disabled) through, not answered from the remembered one', async () => {
    const inner = new FakeResolver({ 'x.test': [{ type: 'MX', name: 'x.test', ttl: 1, priority: 1, exchange: 'mx.x.test' }] });
    const memo = new MemoResolver(inner);
    await memo.query('x.test', 'MX');
    await memo.query('x.test', 'MX', undefined, { checkingDisabled: true });
    expect(inner.questions).toHaveLength(2);
  });

  it('asks a question once per check, whoever asks it and however it is spelled', async () => {
    const inner = new FakeResolver({ 'x.test': [{ type: 'MX', name: 'x.test', ttl: 1, priority: 1, exchange: 'mx.x.test' }] });
    const memo = new MemoResolver(inner);
    const [a, b] = await Promise.all([memo.query('x.test', 'MX'), memo.query('X.TEST.', 'MX')]);
    expect(a).toBe(b);
    await memo.query('x.test', 'A');
    expect(inner.questions).toEqual([
      { name: 'x.test', type: 'MX' },
      { name: 'x.test', type: 'A' },
    ]);
  });
});

describe('TtlCacheResolver', () => {
  it('keeps definite answers for their TTL (bounded), shares one in flight, asks again after', async () => {
    let now = 0;
    const inner = new FakeResolver({
      '_spf.provider.test': [{ type: 'TXT', name: '_spf.provider.test', ttl: 30, text: 'v=spf1 -all' }],
      'broken.test': 'SERVFAIL',
    });
    const cache = new TtlCacheResolver(inner, { maxSeconds: 300, negativeSeconds: 60, maxEntries: 10, now: () => now });
    await Promise.all([cache.query('_spf.provider.test', 'TXT'), cache.query('_spf.provider.test', 'TXT')]);
    now = 29_000;
    await cache.query('_spf.provider.test', 'TXT');
    expect(inner.questions).toHaveLength(1);
    now = 31_000;
    await cache.query('_spf.provider.test', 'TXT');
    expect(inner.questions).toHaveLength(2);
    await cache.query('broken.test', 'TXT');
    await cache.query('broken.test', 'TXT');
    expect(inner.questions).toHaveLength(4);
  });

  it('SPF asks a provider include once for many customers; their own records each time', async () => {
    const zone: FakeZone = { '_spf.provider.test': txt('_spf.provider.test', 'v=spf1 ip4:192.0.2.0/24 -all') };
    for (const d of ['a.test', 'b.test', 'c.test']) zone[d] = txt(d, 'v=spf1 include:_spf.provider.test -all');
    const inner = new FakeResolver(zone);
    const shared = new TtlCacheResolver(inner, { maxSeconds: 300, negativeSeconds: 60, maxEntries: 10 });
    for (const d of ['a.test', 'b.test', 'c.test'])
      expect(await checkSpf(d, inner, bounds, undefined, shared)).toMatchObject({ status: 'valid', lookups: 1 });
    expect(inner.questions.map((q) => q.name)).toEqual(['a.test', '_spf.provider.test', 'b.test', 'c.test']);
  });

  it('does not tie a shared question to its first asker’s abort: the others get the answer', async () => {
    const signals: Array<AbortSignal | undefined> = [];
    const inner = new FakeResolver({ '_spf.provider.test': txt('_spf.provider.test', 'v=spf1 -all') });
    const spy = {
      query: (name: string, type: 'TXT', signal?: AbortSignal) => {
        signals.push(signal);
        return inner.query(name, type);
      },
    };
    const cache = new TtlCacheResolver(spy, { maxSeconds: 300, negativeSeconds: 60, maxEntries: 10 });
    const first = new AbortController();
    const asked = [cache.query('_spf.provider.test', 'TXT', first.signal), cache.query('_spf.provider.test', 'TXT')];
    first.abort();
    expect((await Promise.all(asked)).map((answer) => answer.status)).toEqual(['NOERROR', 'NOERROR']);
    expect(signals).toEqual([undefined]);
  });

  it('never answers a CD question (checking disabled) from what it keeps, and keeps nothing of it', async () => {
    const inner = new FakeResolver({ '_spf.provider.test': txt('_spf.provider.test', 'v=spf1 -all') });
    const cache = new TtlCacheResolver(inner, { maxSeconds: 300, negativeSeconds: 60, maxEntries: 10 });
    await cache.query('_spf.provider.test', 'TXT');
    await cache.query('_spf.provider.test', 'TXT', undefined, { checkingDisabled: true });
    await cache.query('_spf.provider.test', 'TXT', undefined, { checkingDisabled: true });
    await cache.query('_spf.provider.test', 'TXT');
    expect(inner.questions).toHaveLength(3);
  });
});
