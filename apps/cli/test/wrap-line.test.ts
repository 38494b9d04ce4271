import { describe, expect, it } from 'vitest';
import { visibleLength, wrapLine } from '../src/output/wrap-line.js';

describe('wrapLine: a note line of the table at the terminal width', () => {
  const note =
    "  127.0.0.1  certificate: the chain's intermediate certificate 1 expired on 2026-12-01: replace it with the one the CA issues now";

  it('cuts at spaces within the width, later lines indented, no word lost', () => {
    const wrapped = wrapLine(note, 60, 13).split('\n');
    expect(wrapped.length).toBeGreaterThan(1);
    for (const line of wrapped) expect(visibleLength(line)).toBeLessThanOrEqual(60);
    expect(wrapped[0]?.startsWith('  127.0.0.1  certificate:')).toBe(true);
    for (const line of wrapped.slice(1)) expect(line.startsWith(' '.repeat(13))).toBe(true);
    expect(wrapped.map((line) => line.trim()).join(' ')).toBe(note.trim());
  });

  it('colours take no column; a short line, a narrow terminal and a long word stay as they are', () => {
    const coloured = `  \u001b[2m127.0.0.1\u001b[22m  TLS: \u001b[33m${'word '.repeat(20).trim()}\u001b[39m`;
    for (const line of wrapLine(coloured, 50, 8).split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(50);
    expect(wrapLine('  short note', 80, 4)).toBe('  short note');
    expect(wrapLine(note, 15, 13)).toBe(note);
    const long = `  x ${'y'.repeat(100)}`;
    expect(wrapLine(long, 40, 4)).toBe(`  x\n    ${'y'.repeat(100)}`);
  });
});
