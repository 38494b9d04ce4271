import type { HostResult } from './result.js';

/** RFC 1035 2.3.4 and RFC 1123 2.1: letters, digits and inner hyphens, at most 63 octets a label. */
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** RFC 1035 3.1: 255 octets on the wire, 253 in text without the final dot. */
const HOST_NAME_MAX_CHARS = 253;

/**
 * The name a server greets with: RFC 5321 4.3.1 has the 220 open with the server's own domain
 * ("220 mx.example.com ESMTP Postfix"). Lower case, without a final dot; null when the text opens
 * with anything else (an address literal, a masked banner, a bare word such as "ESMTP", one label),
 * so that only a name can be compared with another.
 */
export function greetingName(text: string): string | null {
  const first = text.trimStart().split(/[ \t]/, 1)[0] ?? '';
  const name = first.endsWith('.') ? first.slice(0, -1) : first;
  if (name.length === 0 || name.length > HOST_NAME_MAX_CHARS) return null;
  const labels = name.split('.');
  if (labels.length < 2 || !labels.every((label) => HOST_LABEL.test(label))) return null;
  // A dotted quad is an address written without brackets, not a name.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return null;
  return name.toLowerCase();
}

/**
 * The greeting's name when the address has PTR names and the greeting names none of them: what
 * MXToolbox and similar checkers call "reverse DNS does not match SMTP banner". It costs no delivery
 * (senders do not compare them), and large providers greet with one name from many addresses
 * (Google: "mx.google.com" from *.1e100.net), but when the same host also sends, receivers
 * compare its EHLO name, usually the greeting's, with its PTR name. Null when there is nothing to
 * compare (no greeting, no name in it, PTR not checked or no PTR) or a PTR name matches.
 */
export function greetingNameUnlikePtr(host: Pick<HostResult, 'banner' | 'ptr'>): string | null {
  if (host.banner === null || host.ptr === null || host.ptr.names.length === 0) return null;
  const name = greetingName(host.banner.text);
  if (name === null) return null;
  const ptrNames = host.ptr.names.map((ptrName) => ptrName.toLowerCase().replace(/\.$/, ''));
  return ptrNames.includes(name) ? null : name;
}
