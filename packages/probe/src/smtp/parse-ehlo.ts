import type { SmtpBounds } from '../options.js';
import { truncateUtf8 } from './reply-text.js';

/** How much of an EHLO reply is kept: real servers list under 30 keywords, each well under 256 bytes. */
export type EhloBounds = Pick<SmtpBounds, 'maxEhloExtensions' | 'maxEhloExtensionBytes'>;

export interface EhloInfo {
  /** The name the server gave for itself on the first line (RFC 5321 4.1.1.1); '' when none. */
  domain: string;
  /** "KEYWORD params", keyword upper-cased, params as sent, whitespace collapsed; deduplicated, in order. */
  extensions: string[];
}

/**
 * RFC 5321 4.1.1.1: ehlo-ok-rsp = "250" SP Domain [SP ehlo-greet] CRLF, or a
 * multi-line reply whose first line is that and every further line is
 * ehlo-line = ehlo-keyword *( SP ehlo-param ). Keywords are case-insensitive
 * (2.4), so they are upper-cased to be compared; parameters are kept as sent.
 *
 * The keyword grammar is (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"), but real servers
 * also send "AUTH=LOGIN PLAIN" for old clients; such lines are kept, since the
 * point is to describe the server. Lines that do not start with a letter or digit
 * are dropped. At most `maxEhloExtensions` are kept (STARTTLS is kept wherever it comes), each cut at
 * `maxEhloExtensionBytes`: a hostile server's 64 KiB reply costs the stored result a few KiB.
 */
export function parseEhlo(lines: readonly string[], bounds: EhloBounds): EhloInfo {
  const [first = '', ...rest] = lines;
  const domain = first.trim().split(/\s+/, 1)[0] ?? '';
  const extensions: string[] = [];
  const seen = new Set<string>();
  for (const line of rest) {
    const [keyword = '', ...params] = line.trim().split(/\s+/);
    if (!/^[A-Za-z0-9]/.test(keyword)) continue;
    // The keyword alone is case-insensitive (RFC 5321 2.4): an old "KEYWORD=value" (Courier's XVERP=Courier,
    // Exchange's AUTH=LOGIN) keeps its value as sent, as Postfix splits the keyword at "=".
    const equals = keyword.indexOf('=');
    const upper = equals === -1 ? keyword.toUpperCase() : keyword.slice(0, equals).toUpperCase() + keyword.slice(equals);
    // Past the bound only STARTTLS is still taken: it decides what comes next, wherever the server lists it.
    if (extensions.length >= bounds.maxEhloExtensions && upper !== 'STARTTLS') continue;
    const extension = truncateUtf8([upper, ...params].join(' '), bounds.maxEhloExtensionBytes);
    if (seen.has(extension)) continue;
    seen.add(extension);
    extensions.push(extension);
  }
  return { domain, extensions };
}

/** Whether the EHLO reply advertised `keyword` (case-insensitive, parameters ignored). */
export function hasExtension(extensions: readonly string[], keyword: string): boolean {
  const wanted = keyword.toUpperCase();
  return extensions.some((e) => (e.split(' ', 1)[0] ?? '') === wanted);
}
