import { describe, expect, it } from 'vitest';
import { greetingName, greetingNameUnlikePtr } from '../src/values.js';

describe('greetingName: the domain a 220 opens with (RFC 5321 4.3.1)', () => {
  it.each([
    ['mx.example.com ESMTP Postfix', 'mx.example.com'],
    ['MX1.Example.COM. Microsoft ESMTP MAIL Service ready', 'mx1.example.com'],
    ['mx.google.com ESMTP a1-20020a05 - gsmtp', 'mx.google.com'],
    ['mail.example.net\tESMTP Exim 4.96', 'mail.example.net'],
    ['  mx.example.org', 'mx.example.org'],
  ])('%j → %s', (text, name) => {
    expect(greetingName(text)).toBe(name);
  });

  it.each([
    ['ESMTP ready'],
    [''],
    ['***************************'],
    ['[192.0.2.1] ESMTP'],
    ['192.0.2.1 ESMTP'],
    ['localhost ESMTP'],
    ['mx_1.example.com ESMTP'],
    ['-mx.example.com ESMTP'],
    ['mx..example.com'],
    [`${'a'.repeat(64)}.example.com`],
    [`${'a.'.repeat(127)}com`],
  ])('%j is no name to compare', (text) => {
    expect(greetingName(text)).toBeNull();
  });
});

describe('greetingNameUnlikePtr: "reverse DNS does not match SMTP banner"', () => {
  const banner = (text: string) => ({ code: 220, text });
  it('the greeting name when no PTR name is it', () => {
    expect(
      greetingNameUnlikePtr({ banner: banner('mx.google.com ESMTP'), ptr: { names: ['mx-in-f26.1e100.net'], fcrdns: 'pass' } }),
    ).toBe('mx.google.com');
  });

  it('null when a PTR name matches, whatever the case or a final dot', () => {
    expect(
      greetingNameUnlikePtr({
        banner: banner('MX.Example.com ESMTP'),
        ptr: { names: ['other.example.net', 'mx.example.com.'], fcrdns: 'pass' },
      }),
    ).toBeNull();
  });

  it('null when there is nothing to compare: no PTR, PTR not checked, no greeting, no name in it', () => {
    expect(greetingNameUnlikePtr({ banner: banner('mx.example.com'), ptr: { names: [], fcrdns: 'none' } })).toBeNull();
    expect(greetingNameUnlikePtr({ banner: banner('mx.example.com'), ptr: null })).toBeNull();
    expect(greetingNameUnlikePtr({ banner: null, ptr: { names: ['mx.example.com'], fcrdns: 'pass' } })).toBeNull();
    expect(greetingNameUnlikePtr({ banner: banner('ESMTP'), ptr: { names: ['mx.example.com'], fcrdns: 'pass' } })).toBeNull();
  });
});
