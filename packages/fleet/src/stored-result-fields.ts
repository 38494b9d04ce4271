/**
 * The one place that reads a field out of a stored result without parsing it.
 * The API's hot path and `enqueue --max-age` (a million lines) need checkedAt
 * and nothing else; a full JSON parse per read would cost more than the read.
 *
 * Sound because the store writes only what `JSON.stringify` made of a
 * schema-valid result: `checkedAt` is a top-level key and no nested object has
 * one, and a string value cannot contain the pattern (its quotes would be escaped).
 */
const CHECKED_AT_KEY = Buffer.from('"checkedAt":"');
const QUOTE = 0x22;

/** checkedAt of a stored result's bytes, as written (an ISO 8601 string), or null when it has none. */
export function checkedAtOf(stored: Buffer): string | null {
  const at = stored.indexOf(CHECKED_AT_KEY);
  if (at < 0) return null;
  const start = at + CHECKED_AT_KEY.length;
  const end = stored.indexOf(QUOTE, start);
  return end > start ? stored.toString('utf8', start, end) : null;
}
