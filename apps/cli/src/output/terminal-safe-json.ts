/**
 * Characters JSON.stringify leaves raw that act on a terminal instead of showing: DEL and the C1
 * controls (U+009B is a whole CSI, as ESC [ is), format characters (bidi overrides, zero-width and
 * tag characters) and U+2028/2029.
 */
const ACTS = /[\u007f-\u009f\p{Cf}\u2028\u2029]/u;
const ACTS_ALL = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

/**
 * JSON.stringify, with those characters written as \uXXXX escapes: the same JSON value to any
 * parser, but text that cannot act on the terminal it is printed to (`mxv check --json` on a
 * TTY, `mxv show`), whatever a checked domain's servers or an input line held.
 */
export function terminalSafeJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!ACTS.test(json)) return json;
  return json.replace(ACTS_ALL, (char) => {
    let escaped = '';
    for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}
