import { describe, expect, it } from 'vitest';
import { hasExtension, parseEhlo } from '@mxv/probe';

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
      'lines not starting with a letter or digit dropped',
      ['mx', '', '   ', '-X', '=Y', 'OK'],
      { domain: 'mx', extensions: ['OK'] },
    ],
    ['empty reply', [], { domain: '', extensions: [] }],
    ['empty first line', ['', 'STARTTLS'], { domain: '', extensions: ['STARTTLS'] }],
  ];

  it.each(cases)('%s', (_name, lines, expected) => {
    expect(parseEhlo(lines, 100)).toEqual(expected);
  });

  it('keeps at most maxExtensions', () => {
    const lines = ['mx', ...Array.from({ length: 50 }, (_, i) => `X-EXT${i}`)];
    const parsed = parseEhlo(lines, 10);
    expect(parsed.extensions).toHaveLength(10);
    expect(parsed.extensions[9]).toBe('X-EXT9');
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
