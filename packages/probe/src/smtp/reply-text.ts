import { stripControls } from '../display-text.js';

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = Buffer.byteLength(ELLIPSIS);

/** Cut to at most maxBytes of UTF-8, on a character boundary, marking the cut with an ellipsis. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  let cut = Math.max(0, maxBytes - ELLIPSIS_BYTES);
  // Back off to the start of a character: UTF-8 continuation bytes are 10xxxxxx.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut).toString('utf8') + ELLIPSIS;
}

/**
 * Bytes from the wire → text to keep: UTF-8 with invalid sequences replaced
 * (RFC 6531 servers may send UTF-8; older ones send anything), controls
 * stripped, cut at maxBytes.
 */
export function cleanWireText(bytes: Uint8Array, maxBytes: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return truncateUtf8(stripControls(text), maxBytes);
}
