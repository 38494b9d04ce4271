import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReplyReader, type ReplyReaderBounds, type ReplyReaderOutput } from '@mxv/probe';

const BOUNDS: ReplyReaderBounds = { maxLineBytes: 64, maxReplyBytes: 256, maxReplyLines: 4, maxStoredTextBytes: 32 };

function drain(reader: ReplyReader): ReplyReaderOutput[] {
  const out: ReplyReaderOutput[] = [];
  for (let o = reader.next(); o; o = reader.next()) out.push(o);
  return out;
}

function readAll(input: Buffer | string, bounds: ReplyReaderBounds = BOUNDS): ReplyReaderOutput[] {
  const reader = new ReplyReader(bounds);
  reader.feed(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  return drain(reader);
}

const reply = (code: number, ...lines: string[]): ReplyReaderOutput => ({ status: 'reply', code, lines });
const error = (reason: string): ReplyReaderOutput => ({ status: 'error', reason }) as ReplyReaderOutput;

describe('ReplyReader', () => {
  const cases: Array<[string, string | Buffer, ReplyReaderOutput[]]> = [
    ['single line', '220 mx.example ESMTP\r\n', [reply(220, 'mx.example ESMTP')]],
    ['bare LF', '220 ready\n', [reply(220, 'ready')]],
    ['code only', '250\r\n', [reply(250, '')]],
    ['code and space', '250 \r\n', [reply(250, '')]],
    ['multi-line', '250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n', [reply(250, 'mx.example', 'PIPELINING', 'STARTTLS')]],
    ['dash with no text', '220-\r\n220 ok\r\n', [reply(220, '', 'ok')]],
    ['two replies in one chunk', '220 a\r\n250 b\r\n', [reply(220, 'a'), reply(250, 'b')]],
    ['partial line is kept back', '220 waiting', []],
    ['partial multi-line is kept back', '220-first\r\n', []],
    ['controls are stripped, tab becomes space', '220 a\x07b\tc\x1b[31m\r\n', [reply(220, 'ab c[31m')]],
    ['bare CR inside the text is stripped', '220 a\rb\r\n', [reply(220, 'ab')]],
    ['invalid UTF-8 is replaced', Buffer.from([0x32, 0x32, 0x30, 0x20, 0x61, 0xff, 0x62, 0x0d, 0x0a]), [reply(220, 'a\uFFFDb')]],
    ['valid UTF-8 is kept', Buffer.from('220 héllo ✓\r\n', 'utf8'), [reply(220, 'héllo ✓')]],
    ['stored text is cut with an ellipsis', `220 ${'x'.repeat(50)}\r\n`, [reply(220, `${'x'.repeat(29)}…`)]],
    ['malformed: letters', 'hello there\r\n', [error('malformed_reply')]],
    ['malformed: two digits', '22\r\n', [error('malformed_reply')]],
    ['malformed: bad separator', '220_x\r\n', [error('malformed_reply')]],
    ['malformed: empty line', '\r\n', [error('malformed_reply')]],
    ['malformed later line', '220 ok\r\nxyz\r\n', [reply(220, 'ok'), error('malformed_reply')]],
    // RFC 5321 4.2.1 wants one code; where lines differ, the last line's counts, as Postfix's client reads it.
    ["codes that differ: the last line's", '250-a\r\n251 b\r\n', [reply(251, 'a', 'b')]],
    [
      "postscreen's teaser, then its block-list drop",
      '220-mx.example ESMTP\r\n521 5.7.1 Service unavailable\r\n',
      [reply(521, 'mx.example ESMTP', '5.7.1 Service unavailable')],
    ],
    // Lines past maxReplyLines are read, not kept (Postfix reads any number): a 215-line EHLO reply is a reply.
    ['more lines than kept', '250-1\r\n250-2\r\n250-3\r\n250-4\r\n250 5\r\n', [reply(250, '1', '2', '3', '4')]],
    ['an endless continuation: too_many_lines at the reply budget', '250-x\r\n'.repeat(40), [error('too_many_lines')]],
    ['exactly max lines', '250-1\r\n250-2\r\n250-3\r\n250 4\r\n', [reply(250, '1', '2', '3', '4')]],
    // A line past maxLineBytes is cut and the rest skipped (Postfix keeps 2,048 bytes): a 5 KB banner is a banner.
    ['line longer than kept (complete)', `220 ${'y'.repeat(61)}\r\n`, [reply(220, `${'y'.repeat(29)}…`)]],
    [
      'a cut line keeps its code and goes on to the next reply',
      `220 ${'y'.repeat(100)}\r\n250 ok\r\n`,
      [reply(220, `${'y'.repeat(29)}…`), reply(250, 'ok')],
    ],
    ['line at the limit', `220 ${'y'.repeat(60)}\r\n`, [reply(220, `${'y'.repeat(29)}…`)]],
    ['line longer than kept (no newline yet): waits', `220 ${'y'.repeat(100)}`, []],
    ['one line past the whole reply budget: line_too_long', `220 ${'y'.repeat(300)}`, [error('line_too_long')]],
    [
      'reply too large',
      Array.from({ length: 4 }, (_, i) => `250${i < 3 ? '-' : ' '}${'z'.repeat(60)}\r\n`).join(''),
      [error('reply_too_large')],
    ],
    ['http', 'HTTP/1.1 400 Bad Request\r\n', [error('not_smtp_http')]],
    ['http without newline', 'HTTP/1.0', [error('not_smtp_http')]],
    ['tls alert record', Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]), [error('not_smtp_tls')]],
    ['tls handshake record', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x40]), [error('not_smtp_tls')]],
    ['binary NUL', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x0a]), [error('not_smtp_binary')]],
    ['binary high bytes', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0a]), [error('not_smtp_binary')]],
    ['binary after a digit', Buffer.from([0x32, 0x00, 0x00, 0x20, 0x41]), [error('not_smtp_binary')]],
    ['0x16 not followed by a TLS version is binary', Buffer.from([0x16, 0x41, 0x41, 0x41, 0x41]), [error('not_smtp_binary')]],
    ['nothing after an error', 'xx\r\n220 ok\r\n', [error('malformed_reply')]],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(readAll(input)).toEqual(expected);
  });

  it('only sniffs the first bytes of the stream', () => {
    // HTTP/ later in the stream is just a malformed line, not a different talker.
    expect(readAll('220 ok\r\nHTTP/1.1 200\r\n')).toEqual([reply(220, 'ok'), error('malformed_reply')]);
  });

  it('reset() starts afresh (RFC 3207 4.2) and re-arms the sniff', () => {
    const reader = new ReplyReader(BOUNDS);
    reader.feed(Buffer.from('220-partial\r\n220 rest'));
    reader.reset();
    reader.feed(Buffer.from('250 fresh\r\n'));
    expect(drain(reader)).toEqual([reply(250, 'fresh')]);
    reader.feed(Buffer.from('garbage\r\n'));
    expect(drain(reader)).toEqual([error('malformed_reply')]);
    expect(reader.failed).toBe(true);
    reader.reset();
    reader.feed(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x10]));
    expect(drain(reader)).toEqual([error('not_smtp_tls')]);
  });

  it('waits for enough bytes before deciding what talks', () => {
    const reader = new ReplyReader(BOUNDS);
    reader.feed(Buffer.from('HTT'));
    expect(drain(reader)).toEqual([]);
    reader.feed(Buffer.from('P/1.1'));
    expect(drain(reader)).toEqual([error('not_smtp_http')]);
  });

  it('holds at most maxLineBytes + 1 bytes of a 10 MB line with no newline, and stops at the reply budget', () => {
    const bounds = { ...BOUNDS, maxLineBytes: 4096, maxReplyBytes: 65_536 };
    const reader = new ReplyReader(bounds);
    const chunk = Buffer.alloc(65_536, 0x41);
    chunk.write('220 ', 0, 'latin1');
    let maxPending = 0;
    for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) {
      reader.feed(chunk);
      maxPending = Math.max(maxPending, reader.pendingBytes);
      chunk.fill(0x41);
    }
    expect(maxPending).toBeLessThanOrEqual(bounds.maxLineBytes + 1);
    expect(reader.pendingBytes).toBe(0);
    expect(drain(reader)).toEqual([error('line_too_long')]);
  });

  describe('property: any bytes, any chunking', () => {
    const fragments = fc.oneof(
      fc.constantFrom('220 ', '220-', '250-', '250 ', '421 ', '\r\n', '\n', '\r', 'HTTP/', 'STARTTLS', ' ', '-', 'é'),
      fc.stringMatching(/^[0-9]{3}[ -]?[a-z ]{0,20}\r?\n$/),
      fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1')),
      fc.integer({ min: 0, max: 120 }).map((n) => 'w'.repeat(n)),
    );
    const streams = fc.array(fragments, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));

    it('never throws, stays bounded, and gives the same result however the bytes are split', () => {
      fc.assert(
        fc.property(streams, fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
          const whole = readAll(bytes);

          const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
          const reader = new ReplyReader(BOUNDS);
          const split: ReplyReaderOutput[] = [];
          let from = 0;
          for (const to of [...points, bytes.length]) {
            reader.feed(bytes.subarray(from, to));
            expect(reader.pendingBytes).toBeLessThanOrEqual(BOUNDS.maxLineBytes + 1);
            split.push(...drain(reader));
            from = to;
          }
          expect(split).toEqual(whole);

          // One error at most, and only as the last output.
          const errors = whole.filter((o) => o.status === 'error');
          expect(errors.length).toBeLessThanOrEqual(1);
          if (errors.length === 1) expect(whole.at(-1)?.status).toBe('error');
          // Outputs are bounded by the input: every reply needs a code and a newline.
          expect(whole.length).toBeLessThanOrEqual(Math.floor(bytes.length / 4) + 1);
          for (const o of whole) {
            if (o.status !== 'reply') continue;
            expect(o.lines.length).toBeLessThanOrEqual(BOUNDS.maxReplyLines);
            for (const line of o.lines) {
              expect(Buffer.byteLength(line)).toBeLessThanOrEqual(BOUNDS.maxStoredTextBytes);
              expect(line).not.toMatch(/\p{Cc}/u);
            }
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
