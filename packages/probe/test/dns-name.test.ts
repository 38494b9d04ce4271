import { describe, expect, it } from 'vitest';
import { canonicalDnsName, isEncodableDnsName } from '../src/dns/dns-name.js';

/** RFC 1035 2.3.4 by the book: labels of 1..63 octets, 255 octets on the wire. */
function reference(name: string): boolean {
  const canonical = canonicalDnsName(name);
  if (canonical === '' || canonical.includes('\\')) return false;
  let wire = 1;
  for (const label of canonical.split('.')) {
    const octets = Buffer.byteLength(label, 'utf8');
    if (octets < 1 || octets > 63) return false;
    wire += octets + 1;
  }
  return wire <= 255;
}

describe('isEncodableDnsName', () => {
  const names = [
    'example.test',
    'example.test.',
    'a..b.test',
    '.a.test',
    'a'.repeat(63) + '.test',
    'a'.repeat(64) + '.test',
    // 2-octet letters: 31 of them are 62 octets, 32 are 64.
    'é'.repeat(31) + '.test',
    'é'.repeat(32) + '.test',
    // 3-octet characters: 21 are 63 octets, 22 are 66.
    '中'.repeat(21) + '.test',
    '中'.repeat(22) + '.test',
    // A character outside the BMP (two UTF-16 units) is 4 octets: 15 are 60, 16 are 64.
    '😀'.repeat(15) + '.test',
    '😀'.repeat(16) + '.test',
    // A lone surrogate is written as U+FFFD, 3 octets.
    '\ud800'.repeat(21) + '.test',
    '\ud800'.repeat(22) + '.test',
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
    'mx\\.evil.example.test',
    '',
    '.',
  ];
  it.each(names)('%j as RFC 1035 2.3.4 counts it', (name) => {
    expect(isEncodableDnsName(name)).toBe(reference(name));
  });
});
