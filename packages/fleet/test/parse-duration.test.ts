import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/parse-duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
    ['60', 60_000],
    ['1.5h', 5_400_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ status: 'ok', ms });
  });
  it.each(['', 'soon', '-5s', '10y', '1e9d'])('rejects %j', (text) => {
    expect(parseDuration(text).status).toBe('invalid');
  });
});
