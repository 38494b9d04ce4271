import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PipedStdout } from '../src/output/piped-stdout.js';

/** A stream with a small buffer whose reader takes what was written only when told. */
function slowReader(): { stream: NodeJS.WriteStream; written: string[]; readAll(): void } {
  const written: string[] = [];
  const pending: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      pending.push(callback);
    },
  });
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    written,
    readAll: () => {
      while (pending.length > 0) pending.shift()?.();
    },
  };
}

describe('PipedStdout', () => {
  it('says to hold back once the buffer is full, and settles when the reader has caught up', async () => {
    const reader = slowReader();
    const out = new PipedStdout(reader.stream, () => undefined, 0);
    out.write('short\n');
    expect(out.ready()).toBeNull();
    out.write('a line longer than sixteen bytes\n');
    const held = out.ready();
    expect(held).not.toBeNull();
    // Still held: one promise for the whole wait, however much more is written meanwhile.
    out.write('more\n');
    expect(out.ready()).toBe(held);
    let settled = false;
    void held?.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    reader.readAll();
    await new Promise((resolve) => setImmediate(resolve));
    reader.readAll();
    await held;
    expect(out.ready()).toBeNull();
    expect(reader.written.join('')).toBe('short\na line longer than sixteen bytes\nmore\n');
  });

  it('into a file or pipe, gathers the lines of one turn into one write', async () => {
    const reader = slowReader();
    const out = new PipedStdout(reader.stream, () => undefined, 1024);
    for (let i = 0; i < 50; i++) out.write(`line ${i}\n`);
    expect(reader.written).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.written).toHaveLength(1);
    expect(reader.written[0]).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('writes at once when the batch is full, and flush() writes the rest', async () => {
    const reader = slowReader();
    const out = new PipedStdout(reader.stream, () => undefined, 20);
    out.write('1234567890\n');
    expect(reader.written).toEqual([]);
    out.write('abcdefghij\n');
    expect(reader.written).toEqual(['1234567890\nabcdefghij\n']);
    // The slow reader has not taken it: the caller is told to hold back.
    expect(out.ready()).not.toBeNull();
    out.write('tail\n');
    out.flush();
    out.flush();
    reader.readAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.written).toEqual(['1234567890\nabcdefghij\n', 'tail\n']);
  });

  it('a terminal gets each line at once', () => {
    const reader = slowReader();
    Object.assign(reader.stream, { isTTY: true });
    const out = new PipedStdout(reader.stream, () => undefined);
    out.write('one\n');
    expect(reader.written).toEqual(['one\n']);
  });

  it('calls onReaderGone on EPIPE and rethrows any other stream error', () => {
    const reader = slowReader();
    let gone = 0;
    new PipedStdout(reader.stream, () => (gone += 1));
    reader.stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(gone).toBe(1);
    expect(() => reader.stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('EIO');
  });
});
