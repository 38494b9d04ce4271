import { describe, expect, it } from 'vitest';
import { hasExtension, parseEhlo } from '@mxv/probe';

const bounds = (maxEhloExtensions: number, maxEhloExtensionBytes = 1024) => ({ maxEhloExtensions, maxEhloExtensionBytes });

describe('parseEhlo', () => {
  const cases: Array<[string, string[], { domain: string; extensions: string[] }]> = [
    ['single line', ['mx.example.test Hello [127.0.0.1]'], { domain: 'mx.example.test', extensions: [] }],
    [
      'typical Postfix answer',
      [
        'mx.example.test',
        'PIPELINING',
        'SIZE 10240000',
        'VRFY',
        'ETRN',
        'STARTTLS',
        'ENHANCEDSTATUSCODES',
        '8BITMIME',
        'DSN',
        'SMTPUTF8',
        'CHUNKING',
      ],
      {
        domain: 'mx.example.test',
        extensions: [
          'PIPELINING',
          'SIZE 10240000',
          'VRFY',
          'ETRN',
          'STARTTLS',
          'ENHANCEDSTATUSCODES',
          '8BITMIME',
          'DSN',
          'SMTPUTF8',
          'CHUNKING',
        ],
      },
    ],
    [
      'keywords upper-cased, params kept as sent',
      ['mx', 'starttls', 'auth PLAIN login', 'Size 100'],
      { domain: 'mx', extensions: ['STARTTLS', 'AUTH PLAIN login', 'SIZE 100'] },
    ],
    ['whitespace collapsed and trimmed', ['  mx   greets  ', '  SIZE    42  '], { domain: 'mx', extensions: ['SIZE 42'] }],
    [
      'duplicates dropped',
      ['mx', 'STARTTLS', 'starttls', 'SIZE 1', 'SIZE 1', 'SIZE 2'],
      { domain: 'mx', extensions: ['STARTTLS', 'SIZE 1', 'SIZE 2'] },
    ],
    ['old AUTH= form kept', ['mx', 'AUTH=LOGIN PLAIN'], { domain: 'mx', extensions: ['AUTH=LOGIN PLAIN'] }],
    [
      'a KEYWORD=value keeps its value as sent (Courier)',
      ['mx', 'xverp=Courier'],
      { domain: 'mx', extensions: ['XVERP=Courier'] },
    ],
    [
      'lines not starting with a letter or digit dropped',
      ['mx', '', '   ', '-X', '=Y', 'OK'],
      { domain: 'mx', extensions: ['OK'] },
    ],
    ['empty reply', [], { domain: '', extensions: [] }],
    ['empty first line', ['', 'STARTTLS'], { domain: '', extensions: ['STARTTLS'] }],
  ];

  it.each(cases)('%s', (_name, lines, expected) => {
    expect(parseEhlo(lines, bounds(100))).toEqual(expected);
  });

  it('keeps at most maxEhloExtensions', () => {
    const lines = ['mx', ...Array.from({ length: 50 }, (_, i) => `X-EXT${i}`)];
    const parsed = parseEhlo(lines, bounds(10));
    expect(parsed.extensions).toHaveLength(10);
    expect(parsed.extensions[9]).toBe('X-EXT9');
  });

  it('a hostile 190-line reply of 300-byte lines: a few KiB kept, and STARTTLS at its end still seen', () => {
    const lines = ['mx', ...Array.from({ length: 190 }, (_, i) => `X-PAD${i} ${'p'.repeat(290)}`), 'STARTTLS'];
    const parsed = parseEhlo(lines, bounds(32, 128));
    expect(parsed.extensions).toHaveLength(33);
    expect(hasExtension(parsed.extensions, 'STARTTLS')).toBe(true);
    expect(parsed.extensions.every((extension) => Buffer.byteLength(extension) <= 128)).toBe(true);
    expect(parsed.extensions[0]).toMatch(/^X-PAD0 p+…$/);
    expect(parsed.extensions.reduce((bytes, extension) => bytes + Buffer.byteLength(extension), 0)).toBeLessThan(4_300);
  });
});

describe('hasExtension', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['PIPELINING', 'STARTTLS'], 'STARTTLS', true],
    [['PIPELINING', 'STARTTLS'], 'starttls', true],
    [['SIZE 100'], 'SIZE', true],
    [['STARTTLSX'], 'STARTTLS', false],
    [['X-STARTTLS'], 'STARTTLS', false],
    [['AUTH STARTTLS'], 'STARTTLS', false],
    [[], 'STARTTLS', false],
  ];
  it.each(cases)('%j has %s → %s', (exts, keyword, expected) => {
    expect(hasExtension(exts, keyword)).toBe(expected);
  });
});
