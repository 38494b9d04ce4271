import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasExtension, parseEhlo } from '@mxv/probe';

/**
 * Issue 6, "Bad input": the EHLO parser over anything a server may send as
 * reply lines (the reply reader has already removed controls, but the parser
 * must not rely on it). No throw, bounded output, and the output's own rules.
 */

const keywordish = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,12}$/);
const line = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(keywordish, fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 })).map(([k, ps]) => [k, ...ps].join(' ')),
  fc.constantFrom('STARTTLS', 'starttls', ' STARTTLS ', 'STARTTLS\u0000', 'AUTH=LOGIN', '-', '', '   ', '\t\t', '250 x'),
);

describe('parseEhlo: property', () => {
  it('never throws; output bounded, normalized, deduplicated', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 300 }), fc.integer({ min: 0, max: 64 }), (lines, max) => {
        const parsed = parseEhlo(lines, { maxEhloExtensions: max, maxEhloExtensionBytes: 64 });
        // STARTTLS is kept past the bound: at most one more.
        expect(parsed.extensions.length).toBeLessThanOrEqual(Math.min(max + 1, Math.max(0, lines.length - 1)));
        expect(parsed.extensions.every((extension) => Buffer.byteLength(extension) <= 64)).toBe(true);
        expect(parsed.domain).not.toMatch(/\s/);
        expect(parsed.domain.length).toBeLessThanOrEqual((lines[0] ?? '').length);
        expect(new Set(parsed.extensions).size).toBe(parsed.extensions.length);
        const inputChars = lines.reduce((n, l) => n + l.length, 0);
        expect(parsed.extensions.reduce((n, e) => n + e.length, 0)).toBeLessThanOrEqual(inputChars);
        for (const extension of parsed.extensions) {
          expect(extension).toMatch(/^[A-Za-z0-9]/);
          expect(extension).not.toMatch(/^\s|\s$|\s\s/);
          const keyword = (extension.split(' ', 1)[0] ?? '').split('=', 1)[0] ?? '';
          expect(keyword).toBe(keyword.toUpperCase());
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('STARTTLS is seen only as a whole keyword, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const parsed = parseEhlo(['mx.test', ...lines], { maxEhloExtensions: 100, maxEhloExtensionBytes: 1024 });
        const offered = lines.some((l) => (l.trim().split(/\s+/)[0] ?? '').toUpperCase() === 'STARTTLS');
        expect(hasExtension(parsed.extensions, 'STARTTLS')).toBe(offered);
      }),
      { numRuns: 2000 },
    );
  });
});
