import { describe, expect, it } from 'vitest';
import {
  hasVersionTag,
  isValidMxPattern,
  mxPatternMatches,
  parseDmarcRecord,
  parseSpfRecord,
  parseStsPolicy,
  parseStsTxtRecord,
  parseTagList,
  parseTlsRptRecord,
} from '@mxv/probe';

describe('hasVersionTag', () => {
  it.each([
    ['v=spf1 -all', 'v=spf1', true],
    ['V=SPF1 -all', 'v=spf1', true],
    ['v=spf1', 'v=spf1', true],
    ['v=spf10 -all', 'v=spf1', false],
    ['v=DMARC1; p=none', 'v=DMARC1', true],
    ['v=DMARC1p=none', 'v=DMARC1', false],
    ['google-site-verification=x', 'v=spf1', false],
  ])('%s with %s: %s', (text, tag, expected) => {
    expect(hasVersionTag(text, tag)).toBe(expected);
  });
});

describe('parseTagList', () => {
  it.each([
    ['v=DMARC1; p=none', 'ok'],
    ['v=DMARC1; p=none;', 'ok'],
    ['  v = DMARC1 ;p=none ; ', 'ok'],
    ['v=DMARC1;; p=none', 'tag_syntax'],
    ['v=DMARC1; garbage', 'tag_syntax'],
    ['v=DMARC1; =x', 'tag_syntax'],
    ['v=DMARC1; p=none; P=reject', 'duplicate_tag'],
    ['v=DMARC1; 1p=none', 'tag_syntax'],
  ])('%j → %s', (text, expected) => {
    const parsed = parseTagList(text);
    expect(parsed.status === 'ok' ? 'ok' : parsed.error).toBe(expected);
  });
});

describe('parseDmarcRecord', () => {
  it('reads p, sp, pct and rua', () => {
    expect(parseDmarcRecord('v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@x.test,mailto:b@y.test!10m')).toEqual({
      status: 'ok',
      policy: 'reject',
      subdomainPolicy: 'quarantine',
      pct: 50,
      rua: ['mailto:a@x.test', 'mailto:b@y.test!10m'],
    });
  });
  it('reads adkim, aspf, fo, ri and rf in their grammar (any case)', () => {
    expect(parseDmarcRecord('v=DMARC1; p=none; adkim=S; aspf=r; fo=0:1:d:s; ri=86400; rf=afrf')).toMatchObject({
      status: 'ok',
      policy: 'none',
    });
  });
  it('ignores unknown tags (RFC 7489 6.3), even ones outside the tag grammar, and empty ones, as OpenDMARC does', () => {
    expect(parseDmarcRecord('v=DMARC1; p=none; zz=whatever; adkim=s')).toMatchObject({ status: 'ok', policy: 'none' });
    expect(parseDmarcRecord('v=DMARC1; p=none; \u0000\u0001garbage;;; x-vendor=1; =')).toMatchObject({
      status: 'ok',
      policy: 'none',
    });
  });
  it.each([
    ['v=DMARC1', 'policy_missing'],
    ['v=DMARC1; p=maybe', 'policy_invalid'],
    ['p=none; v=DMARC1', 'version_format'],
    ['v=DMARC2; p=none', 'version_format'],
    ['v=DMARC1; p=none; sp=all', 'sp_invalid'],
    ['v=DMARC1; p=none; pct=101', 'pct_invalid'],
    ['v=DMARC1; p=none; pct=-1', 'pct_invalid'],
    ['v=DMARC1; p=none; pct=5x', 'pct_invalid'],
    ['v=DMARC1; p=none; rua=a@x.test', 'rua_invalid'],
    ['v=DMARC1; p=none; rua=mailto:a@x.test,', 'rua_invalid'],
    ['v=DMARC1; p=none; p=reject', 'syntax'],
    // Values OpenDMARC refuses the whole record for (apps/cli/test/interop-dmarc.test.ts).
    ['v=DMARC1; p=none; adkim=x', 'adkim_invalid'],
    ['v=DMARC1; p=none; aspf=relaxed', 'aspf_invalid'],
    ['v=DMARC1; p=none; fo=1:x', 'fo_invalid'],
    ['v=DMARC1; p=none; ri=soon', 'ri_invalid'],
    ['v=DMARC1; p=none; rf=xml', 'rf_invalid'],
  ])('%j → %s', (text, error) => {
    expect(parseDmarcRecord(text)).toEqual({ status: 'invalid', error });
  });
});

describe('parseTlsRptRecord', () => {
  it.each([
    ['v=TLSRPTv1; rua=mailto:tls@x.test', { status: 'ok', rua: ['mailto:tls@x.test'] }],
    ['v=TLSRPTv1;rua=mailto:a@x.test,https://r.x.test/v1', { status: 'ok', rua: ['mailto:a@x.test', 'https://r.x.test/v1'] }],
    ['v=TLSRPTv1', { status: 'invalid', error: 'rua_missing' }],
    ['v=TLSRPTv1; rua=ftp://x.test', { status: 'invalid', error: 'rua_invalid' }],
    ['rua=mailto:a@x.test; v=TLSRPTv1', { status: 'invalid', error: 'syntax' }],
  ])('%j', (text, expected) => {
    expect(parseTlsRptRecord(text)).toEqual(expected);
  });
});

describe('parseStsTxtRecord', () => {
  it.each([
    ['v=STSv1; id=20261129T01;', { status: 'ok', id: '20261129T01' }],
    ['v=STSv1;id=abc', { status: 'ok', id: 'abc' }],
    ['v=STSv1;', { status: 'invalid', error: 'txt_id' }],
    ['v=STSv1; id=has-dash', { status: 'invalid', error: 'txt_id' }],
    [`v=STSv1; id=${'a'.repeat(33)}`, { status: 'invalid', error: 'txt_id' }],
    ['id=1; v=STSv1', { status: 'invalid', error: 'txt_syntax' }],
  ])('%j', (text, expected) => {
    expect(parseStsTxtRecord(text)).toEqual(expected);
  });
});

describe('MTA-STS mx patterns (RFC 8461 4.1)', () => {
  it.each([
    ['mx.example.com', 'mx.example.com', true],
    ['MX.Example.com', 'mx.example.com.', true],
    ['*.example.com', 'mx1.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['mx.example.com', 'mx2.example.com', false],
  ])('%s matches %s: %s', (pattern, exchange, expected) => {
    expect(mxPatternMatches(pattern, exchange)).toBe(expected);
  });
  it.each([
    ['mx.example.com', true],
    ['*.example.com', true],
    ['mx*.example.com', false],
    ['a.*.example.com', false],
    ['*', false],
    ['', false],
    ['-bad.example.com', false],
  ])('%j valid: %s', (pattern, expected) => {
    expect(isValidMxPattern(pattern)).toBe(expected);
  });
});

describe('parseStsPolicy', () => {
  const good = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n';
  it('reads a policy with CRLF or LF lines and ignores unknown keys', () => {
    const expected = { status: 'ok', policy: { mode: 'enforce', mx: ['mx1.example.com', '*.example.net'], maxAge: 86400 } };
    expect(parseStsPolicy(good)).toEqual(expected);
    expect(parseStsPolicy(`${good.replaceAll('\r\n', '\n')}ext_field: yes\n`)).toEqual(expected);
  });
  it('reads field names case-sensitively (%s"mode"): "MODE" is an extension field', () => {
    expect(parseStsPolicy('version: STSv1\nMODE: enforce\nmode: testing\nmx: a.test\nmax_age: 1\n')).toMatchObject({
      policy: { mode: 'testing' },
    });
    expect(parseStsPolicy('VERSION: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\n')).toEqual({
      status: 'invalid',
      error: 'policy_version',
    });
  });
  it('keeps the first of a repeated key (RFC 8461 3.2: the others are ignored)', () => {
    expect(parseStsPolicy('version: STSv1\nmode: enforce\nmode: testing\nmx: a.test\nmax_age: 1\n')).toEqual({
      status: 'ok',
      policy: { mode: 'enforce', mx: ['a.test'], maxAge: 1 },
    });
  });
  it('allows mode none without mx', () => {
    expect(parseStsPolicy('version: STSv1\nmode: none\nmax_age: 0\n')).toMatchObject({ status: 'ok' });
  });
  it.each([
    ['version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n', 'policy_version'],
    ['version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n', 'policy_mode'],
    ['version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n', 'policy_max_age'],
    ['version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -5\n', 'policy_max_age'],
    ['version: STSv1\nmode: enforce\nmax_age: 1\n', 'policy_mx_missing'],
    ['version: STSv1\nmode: enforce\nmx: mx*.a.test\nmax_age: 1\n', 'policy_mx_invalid'],
    ['version: STSv1\nmode: enforce\u0000\nmx: a.test\nmax_age: 1\n', 'policy_syntax'],
    ['<html>not a policy</html>', 'policy_syntax'],
  ])('%j → %s', (body, error) => {
    expect(parseStsPolicy(body)).toEqual({ status: 'invalid', error });
  });
});

describe('parseSpfRecord', () => {
  it('reads mechanisms, qualifiers and modifiers', () => {
    const parsed = parseSpfRecord(
      'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24 -include:_spf.example.net ~all exp=explain.example.com',
    );
    expect(parsed).toEqual({
      status: 'ok',
      terms: {
        mechanisms: [
          { kind: 'ip4', qualifier: '+', domain: null },
          { kind: 'ip6', qualifier: '+', domain: null },
          { kind: 'a', qualifier: '+', domain: null },
          { kind: 'mx', qualifier: '+', domain: 'mail.example.com' },
          { kind: 'include', qualifier: '-', domain: '_spf.example.net' },
          { kind: 'all', qualifier: '~', domain: null },
        ],
        redirect: null,
        exp: 'explain.example.com',
      },
    });
  });
  it.each([
    'v=spf1 -all',
    'v=spf1  a/24//64  mx//64 ptr exists:%{i}._spf.%{d} redirect=_spf.example.com',
    'v=spf1 include:%{d2}.example.com unknown-mod=%{s} -all',
    'v=spf1',
  ])('accepts %j', (text) => {
    expect(parseSpfRecord(text).status).toBe('ok');
  });
  it.each([
    ['v=spf1 foo:bar', 'unknown_mechanism'],
    ['v=spf1 ip4:300.1.1.1', 'bad_ip_network'],
    ['v=spf1 ip4:192.0.2.0/33', 'bad_ip_network'],
    ['v=spf1 ip6:192.0.2.1', 'bad_ip_network'],
    ['v=spf1 include:', 'bad_domain_spec'],
    ['v=spf1 include:localhost', 'bad_domain_spec'],
    ['v=spf1 include:example.123', 'bad_domain_spec'],
    ['v=spf1 exists:%{z}.example.com', 'bad_macro'],
    ['v=spf1 redirect=a.example redirect=b.example', 'duplicate_modifier'],
    ['v=spf1 all:x', 'syntax'],
    ['v=spf1 include', 'syntax'],
    ['v=spf2 -all', 'syntax'],
  ])('%j → %s', (text, error) => {
    expect(parseSpfRecord(text)).toMatchObject({ status: 'invalid', error });
  });
});
