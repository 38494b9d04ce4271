import type { DnsblEntry, HostPtr, HostResult } from '@mxv/schema';
import { greetingNameUnlikePtr } from '@mxv/schema/values';
import { html, type SafeHtml } from './html.js';

const FCRDNS_WORDS: Record<HostPtr['fcrdns'], { text: string; tone: string }> = {
  pass: { text: 'forward-confirmed', tone: 'ok' },
  fail: { text: 'does not resolve back', tone: 'bad' },
  none: { text: 'no PTR', tone: 'warn' },
  dns_error: { text: 'lookup failed', tone: 'warn' },
};

/**
 * The host card's "Reverse DNS" value: the PTR names and whether one resolves back to the address (FCrDNS),
 * and the name the server greets with when it is none of them (a fact checkers flag, which costs no delivery).
 */
export function renderHostPtr(host: Pick<HostResult, 'banner'> & { ptr: HostPtr }): SafeHtml {
  const { ptr } = host;
  const words = FCRDNS_WORDS[ptr.fcrdns];
  const greetsAs = greetingNameUnlikePtr(host);
  const greeting =
    greetsAs === null
      ? ''
      : html`<div class="legend">
          The greeting names <span class="mono">${greetsAs}</span>, not a PTR name. Senders do not compare the two, and providers
          greet with one name from many addresses; but if this host also sends mail, receivers compare its EHLO name (usually this
          one) with its PTR name.
        </div>`;
  return html`<span class="tag ${words.tone}">${words.text}</span>
    ${ptr.names.map((name) => html` <span class="mono">${name}</span>`)}${greeting}`;
}

/** The host card's "Block lists" value: each list's status, its codes and reason (the list's own words, escaped). */
export function renderHostDnsbl(entries: readonly DnsblEntry[]): SafeHtml {
  if (entries.length === 0) return html`<span class="legend">none configured</span>`;
  return html`${entries.map((entry) => {
    const tone = entry.status === 'listed' ? 'bad' : entry.status === 'error' ? 'warn' : 'ok';
    const word = entry.status === 'not_listed' ? 'not listed' : entry.status;
    const codes = entry.codes.length > 0 ? html` <code>${entry.codes.join(',')}</code>` : '';
    const reason = entry.reason ? html` <span class="legend">${entry.reason}</span>` : '';
    return html`<div><span class="mono">${entry.zone}</span> <span class="tag ${tone}">${word}</span>${codes}${reason}</div>`;
  })}`;
}
