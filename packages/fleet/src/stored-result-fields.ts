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

/**
 * The form write() accepts (toISOString() for years 0–9999): fixed width, so
 * two of them compare as strings like the instants they name. The Lua pattern
 * is the same test, so the worker and the write script read the same checkedAt
 * out of the same bytes.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_INSTANT_LUA_PATTERN = '^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$';

export function isIsoInstant(text: string): boolean {
  return ISO_INSTANT.test(text);
}

/**
 * The checkedAt the write's compare-and-set sees in stored bytes ('' when none
 * in toISOString() form): what checkedAtOf finds, kept only in the form write()
 * accepts. The write script (result-store.ts) reads the same way.
 */
export function comparedCheckedAtOf(stored: Buffer): string {
  const checkedAt = checkedAtOf(stored);
  return checkedAt !== null && isIsoInstant(checkedAt) ? checkedAt : '';
}

/** Lua for the same reading, over the stored value in `current` into `currentAt` (kept a string: '' when none). */
export const COMPARED_CHECKED_AT_LUA = `
local keyAt = string.find(current, '${CHECKED_AT_KEY.toString('latin1')}', 1, true)
if keyAt then
  local first = keyAt + ${CHECKED_AT_KEY.length}
  local quote = string.find(current, '"', first, true)
  if quote then
    local found = string.sub(current, first, quote - 1)
    if string.find(found, '${ISO_INSTANT_LUA_PATTERN}') then currentAt = found end
  end
end`;
