import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INVALID_DOMAIN_REASONS, MAX_DISPLAY_CHARS, normalizeDomain, normalizeStoredDomain, unicodeForm } from '@mxv/probe';

describe('normalizeDomain: accepted input', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['  example.com  ', 'example.com'],
    ['\texample.com\n', 'example.com'],
    ['example.com.', 'example.com'],
    ['mail.example.test', 'mail.example.test'],
    ['user@Example.com', 'example.com'],
    ['"odd@local"@example.com', 'example.com'],
    ['mailto:someone@example.com', 'example.com'],
    ['MAILTO:Someone@Example.Com', 'example.com'],
    ['mailto:someone@example.com?subject=hello%20there', 'example.com'],
    ['Jane Doe <jane@Example.com>', 'example.com'],
    ['"Doe, Jane" <jane@bücher.de>', 'xn--bcher-kva.de'],
    ['\u200fexample.com\u200e', 'example.com'], // direction marks a copy from right-to-left text leaves at the ends
    ['\ufeffexample.com', 'example.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['BÜCHER.de', 'xn--bcher-kva.de'],
    ['faß.de', 'xn--fa-hia.de'], // UTS #46 nontransitional: ß is kept
    ['例え.テスト', 'xn--r8jz45g.xn--zckzah'],
    ['例え。テスト', 'xn--r8jz45g.xn--zckzah'], // ideographic full stop is a label separator
    ['user@bücher.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['XN--BCHER-KVA.DE', 'xn--bcher-kva.de'],
    ['r3---sn-abc.example.test', 'r3---sn-abc.example.test'], // "--" in positions 3-4 is not an error (CheckHyphens=false)
    ['r3---sn.bücher.example', 'r3---sn.xn--bcher-kva.example'], // ... in an ASCII label beside a U-label either
    ['\u{20000}--x.example', 'xn----x-bu14b.example'], // its third and fourth characters are "-x"
    ['\u05d01.example', 'xn--1-zhc.example'], // a right-to-left label may end with a digit (RFC 5893 2, rule 3)
    ['مثال.إختبار', 'xn--mgbh0fb.xn--kgbechtv'],
    ['mx1.مثال.example', 'mx1.xn--mgbh0fb.example'], // left-to-right labels that keep the rule, in a Bidi domain name
    ['1password.com', '1password.com'],
    ['123.example', '123.example'],
    ['localhost', 'localhost'],
    ['a'.repeat(63) + '.test', 'a'.repeat(63) + '.test'],
    [
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}.`,
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
    ], // 253 octets
    [
      `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}.`,
      `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}`,
    ],
  ])('%j → %s', (input, domain) => {
    expect(normalizeDomain(input)).toEqual({ status: 'valid', domain, input });
  });
});

describe('normalizeDomain: rejected input', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['.', 'empty'],
    ['user@', 'empty'],
    ['mailto:', 'empty'],
    ['a'.repeat(64) + '.test', 'label_too_long'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, 'too_long'], // 254 octets
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}.`, 'too_long'], // 254 octets plus the root
    ['a..b', 'empty_label'],
    ['.example.com', 'empty_label'],
    ['example.com..', 'empty_label'],
    ['exa mple.com', 'bad_character'],
    ['under_score.example.com', 'bad_character'],
    ['_dmarc.example.com', 'bad_character'],
    ['example.com/path', 'bad_character'],
    ['https://example.com/', 'bad_character'], // URLs are not unpacked (see normalize-domain.ts)
    ['example.com:25', 'bad_character'],
    ['*.example.com', 'bad_character'],
    ['-example.com', 'hyphen_edge'],
    ['example-.com', 'hyphen_edge'],
    ['example.-com', 'hyphen_edge'],
    ['1.2.3.4', 'ip_address'],
    ['1.2.3.4.', 'ip_address'],
    ['[1.2.3.4]', 'ip_address'],
    ['[IPv6:2001:db8::1]', 'ip_address'],
    ['2001:db8::1', 'ip_address'],
    ['::1', 'ip_address'],
    ['127.1', 'ip_address'],
    ['2130706433', 'ip_address'],
    ['0x7f000001', 'ip_address'],
    ['0x7f.0.0.1', 'ip_address'],
    ['host.0x1f', 'ip_address'],
    ['example.123', 'ip_address'],
    ['user@192.0.2.1', 'ip_address'],
    ['１２７.０.０.１', 'ip_address'], // full-width digits map to an address
    ['[example.com]', 'bad_character'],
    ['xn--zz.example', 'idna_error'], // not valid Punycode
    ['xn--a.example', 'idna_error'],
    ['\u200d.example', 'idna_error'], // a lone ZERO WIDTH JOINER (CONTEXTJ)
    ['ex\u00a0ample.com', 'idna_error'], // NBSP inside: not a host character
    // RFC 5891 4.2.3.1 (hyphens of a U-label) and RFC 5893 (the Bidi rule), which Node's domainToASCII skips.
    ['ab--ü.example', 'idna_error'],
    ['xn--ab---3ra.example', 'idna_error'], // the same label given as its A-label
    ['ü-.example', 'idna_error'],
    ['-ü.example', 'idna_error'],
    ['xn----dha.example', 'idna_error'],
    ['a\u{20000}--b.example', 'idna_error'], // "--" in the third and fourth characters, not UTF-16 units
    ['\u0cf3.example', 'idna_error'], // a combining mark first, newer than Node 20's IDNA tables (RFC 5891 4.2.3.2)
    ['xn--a-mpj.example', 'idna_error'], // U+1715 TAGALOG SIGN PAMUDPOD, then "a"
    ['xn--a--b-lq84c.example', 'idna_error'],
    ['a\u05d0.example', 'idna_error'], // Latin then Hebrew in one label
    ['xn--a-0hc.example', 'idna_error'],
    ['1\u05d0.example', 'idna_error'], // a right-to-left label must start with R or AL, not a digit
    ['\u0661\u0662\u0663.example', 'idna_error'], // Arabic-Indic digits (AN) alone
    ['3com.xn--mgbh0fb', 'idna_error'], // in a Bidi domain name every label keeps the rule
    // ASCII beside non-ASCII: the URL host parser would drop, decode or stop at these and check another name.
    ['bücher.example/path', 'bad_character'],
    ['bücher.example?x=1', 'bad_character'],
    ['bücher.example#top', 'bad_character'],
    ['bücher.example\\x', 'bad_character'],
    ['evil.test/ü', 'bad_character'],
    ['bücher.example\t2024', 'bad_character'],
    ['example.test\rbücher.example', 'bad_character'],
    ['example.test\nbücher.example', 'bad_character'],
    ['Ü.EXAMPLE%41', 'bad_character'],
    ['bü cher.example', 'bad_character'],
    ['bücher.example:25', 'bad_character'],
    ['https://bücher.example/', 'bad_character'],
    ['<example.com>', 'bad_character'],
    // A web address or two addresses are refused whole, not cut at their last "@" into a name nobody gave.
    ['https://mastodon.example/@someone', 'bad_character'],
    ['https://example.com/@user.test', 'bad_character'],
    ['https://user@evil.test', 'bad_character'],
    ['jane@good.test?cc=a@evil.test', 'bad_character'],
    ['mailto:a@x.test,b@y.test', 'bad_character'],
    ['a@b@example.com', 'bad_character'],
  ] as const)('%j → %s', (input, reason) => {
    const result = normalizeDomain(input);
    expect(result).toMatchObject({ status: 'invalid', reason, input });
  });

  it('trims in linear time: a line of blanks with text at both ends is no quadratic search (it took 5 s at 65,000 blanks)', () => {
    const started = performance.now();
    for (const blank of [' ', '\u200f', '\u3000']) {
      expect(normalizeDomain(`a${blank.repeat(300_000)}b`)).toMatchObject({ status: 'invalid' });
    }
    // Quadratic, this would take minutes; linear, milliseconds. The bound only tells the two apart.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('keeps a bounded, lower-cased best effort for display', () => {
    expect(normalizeDomain('  Under_Score.Example  ')).toEqual({
      status: 'invalid',
      input: '  Under_Score.Example  ',
      domain: 'under_score.example',
      reason: 'bad_character',
    });
    const huge = normalizeDomain('A'.repeat(100_000));
    expect(huge).toMatchObject({ status: 'invalid', reason: 'too_long' });
    expect(huge.domain.length).toBeLessThanOrEqual(MAX_DISPLAY_CHARS);
    expect(normalizeDomain('ü'.repeat(5000))).toMatchObject({ status: 'invalid', reason: 'too_long' });
  });

  it('shows back what would act on a terminal (ESC, OSC 52, C1 CSI, a bidi override) as \\DDD octets; `input` stays as given', () => {
    const input = 'a\u001b]52;c;ZXZpbA==\u0007b\u009b31mX.test';
    expect(normalizeDomain(input)).toEqual({
      status: 'invalid',
      input,
      domain: 'a\\027]52;c;zxzpba==\\007b\\194\\15531mx.test',
      reason: 'bad_character',
    });
    expect(normalizeDomain('user@\u202eelpmaxe.test').domain).toBe('\\226\\128\\174elpmaxe.test');
  });
});

describe('normalizeDomain: properties', () => {
  const anyInput = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    // Strings built from domain-ish pieces reach the deeper branches more often than random text.
    fc
      .array(
        fc.oneof(
          fc.constantFrom('a', 'Z', '0', '9', '-', '.', '@', '_', 'ü', '。', 'xn--', '[', ']', ':', ' ', 'mailto:', '0x'),
          fc.string({ maxLength: 3 }),
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join('')),
  );

  it('never throws, keeps its output bounded, and a valid output normalizes to itself', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const result = normalizeDomain(input);
        expect(result.input).toBe(input);
        expect(result.domain.length).toBeLessThanOrEqual(Math.max(MAX_DISPLAY_CHARS, 253));
        if (result.status === 'valid') {
          expect(result.domain.length).toBeGreaterThan(0);
          expect(result.domain.length).toBeLessThanOrEqual(253);
          expect(result.domain).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/);
          expect(normalizeDomain(result.domain)).toEqual({ status: 'valid', domain: result.domain, input: result.domain });
        } else {
          expect(INVALID_DOMAIN_REASONS).toContain(result.reason);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every well-formed LDH name, in any case, with or without the trailing dot', () => {
    const letterDigit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
    const label = fc
      .tuple(
        letterDigit,
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')), maxLength: 20 }),
        letterDigit,
      )
      .map(([first, middle, last]) => `${first}${middle}${last}`)
      .filter((text) => !text.startsWith('xn--'));
    const tld = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 2, maxLength: 10 });
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), tld, fc.boolean(), fc.boolean(), (labels, top, upper, dot) => {
        const domain = [...labels, top].join('.');
        const input = `${upper ? domain.toUpperCase() : domain}${dot ? '.' : ''}`;
        expect(normalizeDomain(input)).toEqual({ status: 'valid', domain, input });
      }),
    );
  });
});

describe('unicodeForm: how an internationalized name reads, for showing beside its A-label', () => {
  it.each([
    ['xn--bcher-kva.example', 'bücher.example'],
    ['mail.xn--r8jz45g.xn--zckzah', 'mail.例え.テスト'],
    ['xn--pple-43d.example', 'аpple.example'], // a Cyrillic а: shown as it reads, next to its xn-- form
    ['example.com', null],
    ['xn--zz.example', null], // not valid Punycode: nothing to show
  ])('%s → %s', (domain, shown) => {
    expect(unicodeForm(domain)).toBe(shown);
  });
});

describe('normalizeStoredDomain: what a removal takes', () => {
  it('a name in A-label form refused only by an IDNA rule is taken as it is; anything else as normalizeDomain says', () => {
    expect(normalizeStoredDomain(' XN--A-0HC.example. ')).toEqual({
      status: 'valid',
      domain: 'xn--a-0hc.example',
      input: ' XN--A-0HC.example. ',
    });
    expect(normalizeStoredDomain('xn--ab---3ra.example')).toMatchObject({ status: 'valid', domain: 'xn--ab---3ra.example' });
    expect(normalizeStoredDomain('bücher.example')).toMatchObject({ status: 'valid', domain: 'xn--bcher-kva.example' });
    // Given as it was added: in Unicode, or as an address.
    expect(normalizeStoredDomain('a\u05d0.example')).toMatchObject({ status: 'valid', domain: 'xn--a-0hc.example' });
    expect(normalizeStoredDomain('jane@xn--ab---3ra.example')).toMatchObject({ status: 'valid', domain: 'xn--ab---3ra.example' });
    // A name Node's conversion refuses was never stored; other reasons keep their refusal.
    expect(normalizeStoredDomain('xn--zz.example')).toMatchObject({ status: 'invalid', reason: 'idna_error' });
    expect(normalizeStoredDomain('\u05d0a.example')).toMatchObject({ status: 'invalid', reason: 'idna_error' });
    expect(normalizeStoredDomain('-x.example')).toMatchObject({ status: 'invalid', reason: 'hyphen_edge' });
  });
});
