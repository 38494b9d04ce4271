import { createSocket, type Socket } from 'node:dgram';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDomainInputs, type DomainInput } from '../src/input/read-domain-lines.js';
import { CLI_MAIN, resultLines, runCli } from './run-cli.js';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';

let dir: string;
/** A loopback "resolver" that never answers: valid domains end as dns_error, without any other network. */
let silentDns: Socket;
let dns: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxv-input-bounds-'));
  silentDns = createSocket('udp4');
  await new Promise<void>((resolve) => silentDns.bind(0, '127.0.0.1', resolve));
  dns = `127.0.0.1:${silentDns.address().port}`;
});
afterAll(() => {
  silentDns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const quickFlags = (): string[] => ['--dns', dns, '--dns-timeout-ms', '50', '--timeout-ms', '500'];

async function collect(args: string[], chunks: Array<string | Buffer> | null, maxLineBytes = 16): Promise<DomainInput[]> {
  const stdin = Readable.from(chunks ?? []);
  const out: DomainInput[] = [];
  for await (const input of readDomainInputs(args, chunks === null ? undefined : '-', stdin, maxLineBytes)) out.push(input);
  return out;
}

const line = (text: string): DomainInput => ({ status: 'line', text });

describe('readDomainInputs: lines split over raw bytes, each bounded', () => {
  it('reads LF and CRLF lines, a last line without newline, skipping blanks and comments', async () => {
    expect(await collect([], ['a.test\r\nb.te', 'st\n\n  # note\r\n c.test \nd.test'])).toEqual([
      line('a.test'),
      line('b.test'),
      line('c.test'),
      line('d.test'),
    ]);
  });

  it('reports an over-long line as too_long with a cut prefix, and keeps reading the lines after it', async () => {
    const long = 'x'.repeat(40);
    expect(await collect([], ['a.test\n', long.slice(0, 25), `${long.slice(25)}\r\nb.test\n`])).toEqual([
      line('a.test'),
      { status: 'too_long', text: `${'x'.repeat(16)}…`, bytes: 40 },
      line('b.test'),
    ]);
  });

  it('counts bytes, not characters, and never cuts a character in two', async () => {
    // 6 × "é" (2 bytes each) = 12 bytes: fits in 16; 9 × "é" = 18 bytes: too long, shown as 8 whole characters.
    expect(await collect([], [`${'é'.repeat(6)}\n${'é'.repeat(9)}\n`])).toEqual([
      line('é'.repeat(6)),
      { status: 'too_long', text: `${'é'.repeat(8)}…`, bytes: 18 },
    ]);
  });

  it('a line of exactly the bound is kept, CRLF included; a long comment is still a comment', async () => {
    const exact = 'e'.repeat(16);
    expect(await collect([], [`${exact}\r\n#${'c'.repeat(40)}\n`])).toEqual([line(exact)]);
  });

  it('UTF-16 lists (Windows PowerShell 5.1 writes UTF-16LE with a BOM) are read as text, split anywhere', async () => {
    const text = '\ufeffa.test\r\n# note\r\nbücher.test\r\nc.test';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const expected = [line('a.test'), line('bücher.test'), line('c.test')];
    // One byte at a time: the BOM, a character's two bytes and a CR LF may each fall across chunks.
    expect(
      await collect(
        [],
        [...le].map((b) => Buffer.from([b])),
      ),
    ).toEqual(expected);
    expect(await collect([], [be.subarray(0, 3), be.subarray(3)])).toEqual(expected);
    // Without a BOM, told by the zero bytes beside ASCII.
    expect(await collect([], [Buffer.from('a.test\nb.test\n', 'utf16le')])).toEqual([line('a.test'), line('b.test')]);
    // UTF-8 with its BOM, and lists shorter than the sniff, as before.
    expect(await collect([], [Buffer.from('\ufeffa.test\n', 'utf8')])).toEqual([line('a.test')]);
    expect(await collect([], ['a.t'])).toEqual([line('a.t')]);
    expect(await collect([], ['x\n'])).toEqual([line('x')]);
  });

  it('a short line typed at a terminal is read at once, not held until four bytes have come', { timeout: 5_000 }, async () => {
    const stdin = new PassThrough();
    const inputs = readDomainInputs([], '-', stdin, 16)[Symbol.asyncIterator]();
    stdin.write('x\n');
    // Before the list ends: the line is out as soon as it is typed.
    expect(await inputs.next()).toEqual({ done: false, value: line('x') });
    stdin.end();
    expect((await inputs.next()).done).toBe(true);
  });

  it('classic Mac line ends (a CR alone) end lines too, wherever the chunks split; CRLF as before', async () => {
    const expected = [line('a.test'), line('b.test'), line('c.test')];
    expect(await collect([], ['a.test\rb.test\r# note\rc.test\r'])).toEqual(expected);
    // A CR at the end of a chunk: a CR LF split across two chunks is one line end, a lone one is one too.
    expect(await collect([], ['a.test\r', '\nb.test\r', 'c.test'])).toEqual(expected);
    expect(await collect([], ['a.test\r', '', 'b.test\r\n\r\nc.test\r'])).toEqual(expected);
    // One byte at a time, and in UTF-16.
    expect(
      await collect(
        [],
        [...Buffer.from('a.test\rb.test\r\nc.test')].map((b) => Buffer.from([b])),
      ),
    ).toEqual(expected);
    expect(await collect([], [Buffer.from('\ufeffa.test\rb.test\rc.test', 'utf16le')])).toEqual(expected);
  });

  it('bounds arguments the same way', async () => {
    expect(await collect(['a.test', 'y'.repeat(17), ''], null)).toEqual([
      line('a.test'),
      { status: 'too_long', text: `${'y'.repeat(16)}…`, bytes: 17 },
      line(''),
    ]);
  });
});

/** Runs the built CLI with a preload that writes the process's peak RSS (KiB) to a file at exit. */
async function runMeasured(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; maxRssMiB: number }> {
  const preload = join(dir, 'report-rss.cjs');
  const rssFile = join(dir, `rss-${Date.now()}`);
  writeFileSync(
    preload,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.MXV_TEST_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--require', preload, CLI_MAIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', MXV_TEST_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const maxRssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  return { code, stdout, stderr, maxRssMiB };
}

describe('mxv check --file with a 600 MB line', () => {
  it('reports it as invalid (too_long), checks the lines after it, and stays small', { timeout: 120_000 }, async () => {
    const file = join(dir, 'huge-line.txt');
    // Written in 1 MiB pieces: the test itself never holds the line either.
    const out = createWriteStream(file);
    out.write('first.test\r\n');
    const piece = Buffer.alloc(1024 * 1024, 'a');
    for (let i = 0; i < 600; i++) if (!out.write(piece)) await once(out, 'drain');
    out.write('\nsecond.test\nbad..name');
    out.end();
    await once(out, 'close');
    try {
      const run = await runMeasured(['check', '--json', ...quickFlags(), '--file', file]);
      expect(run.code, run.stderr).toBe(0);
      const results = resultLines(run.stdout);
      expect(results.map((result) => [result.verdict, result.error ?? null])).toEqual([
        ['dns_error', expect.anything()],
        ['invalid', 'too_long'],
        ['dns_error', expect.anything()],
        ['invalid', 'empty_label'],
      ]);
      expect(results.map((result) => result.domain)).toEqual(['first.test', 'a'.repeat(256), 'second.test', 'bad..name']);
      expect(results[1]?.input).toBe(`${'a'.repeat(1024)}…`);
      // readline held the whole line (273 MB of RSS for a 50 MB line) and crashed at 600 MB.
      expect(run.maxRssMiB).toBeLessThan(200);
      process.stderr.write(`mxv check over a 600 MB line: peak RSS ${run.maxRssMiB.toFixed(0)} MiB\n`);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('probe flags that would quietly widen what is reached', () => {
  it('--dns with an empty list is a usage error (exit 2), not the system resolver', async () => {
    for (const value of [',', ' , ']) {
      const run = await runCli(['check', '--json', '--dns', value, 'bad..name']);
      expect(run.code, value).toBe(2);
      expect(run.stderr).toMatch(/--dns \/ MXV_DNS names no resolver/);
      expect(run.stdout).toBe('');
    }
  });

  it('--allow-net that covers a whole family warns on stderr; a narrow one does not', async () => {
    const cases: Array<[string, RegExp | null]> = [
      ['0.0.0.0/0', /covers all of IPv4:/],
      ['::/0', /covers all of IPv6:/],
      ['::ffff:0:0/96', /covers all of IPv4:/],
      ['0.0.0.0/1,128.0.0.0/1,::/1,8000::/1', /covers all of IPv4 and IPv6:/],
      ['127.0.0.0/8,10.0.0.0/8', null],
      ['0.0.0.0/1', null],
    ];
    for (const [allowNet, warning] of cases) {
      const run = await runCli(['check', '--json', ...quickFlags(), '--allow-net', allowNet, 'bad..name']);
      expect(run.code, allowNet).toBe(0);
      if (warning === null) expect(run.stderr, allowNet).toBe('');
      else expect(run.stderr, allowNet).toMatch(new RegExp(`^mxv: warning: --allow-net ${warning.source}.*address guard is off`));
    }
  });
});

describe('enqueue and show bound their lines too', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  it('an over-long line is counted and reported invalid (too_long), the others go on', async () => {
    const file = join(dir, 'long-line.txt');
    writeFileSync(file, `one.test\n${'z'.repeat(5_000)}\r\ntwo.test`);
    const fleet = ['--redis', redis.url, '--prefix', redis.prefix('input-bounds')];
    const invalidOut = join(dir, 'invalid.tsv');
    const enqueued = await runCli(['enqueue', '--json', ...fleet, '--file', file, '--invalid-out', invalidOut]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(JSON.parse(enqueued.stdout)).toMatchObject({ read: 3, invalid: 1, enqueued: 2 });
    expect(readFileSync(invalidOut, 'utf8')).toBe(`${'z'.repeat(1024)}…\ttoo_long\n`);
    const shown = await runCli(['show', '--json', ...fleet, '--file', file]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(
      shown.stdout
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text) as unknown),
    ).toEqual([
      // Queued just now, checked by no worker: no result yet, the job waiting.
      { domain: 'one.test', status: 'not_found', job: 'waiting' },
      { input: `${'z'.repeat(1024)}…`, status: 'invalid', error: 'too_long' },
      { domain: 'two.test', status: 'not_found', job: 'waiting' },
    ]);
  });
});
