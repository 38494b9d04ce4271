import { describe, expect, it } from 'vitest';
import { useColors } from '../src/output/use-colors.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('useColors', () => {
  it.each([
    [tty, {}, true],
    [pipe, {}, false],
    [tty, { NO_COLOR: '1' }, false],
    // no-color.org: only a non-empty NO_COLOR counts.
    [tty, { NO_COLOR: '' }, true],
    [tty, { FORCE_COLOR: '0' }, false],
    [tty, { FORCE_COLOR: 'false' }, false],
    [tty, { FORCE_COLOR: '1' }, true],
    // Colour codes never go into a file or a pipe: the table is printed only on a terminal.
    [pipe, { FORCE_COLOR: '1' }, false],
  ] as const)('%#: %j → %s', (stream, env, expected) => {
    expect(useColors(stream, env)).toBe(expected);
  });
});
