import type { ChangeRecord } from '@mxv/fleet';
import { unicodeForm } from '@mxv/probe';
import type { CheckResult, Checks } from '@mxv/schema';
import { explainResult, verdictWords, type Note } from './explain-result.js';
import { html, type SafeHtml } from './html.js';
import { renderHistory } from './render-history.js';
import { renderHostCard } from './render-host-card.js';
import { renderSubmission } from './render-submission.js';
import { renderLayout } from './render-layout.js';
import { renderSecurity } from './render-security.js';
import { MX_TABLE, scrollRegion, tableHead } from './table-layout.js';
import { toneTag } from './tone-tag.js';
import { utcMinute } from './utc-minute.js';

const CHECK_LABELS: Array<[keyof Checks, string]> = [
  ['mxExists', 'MX exists'],
  ['mxResolves', 'MX resolves'],
  ['smtpReachable', 'SMTP reachable'],
  ['bannerValid', 'Banner valid'],
  ['tlsSupported', 'TLS supported'],
];

export interface DomainPageInput {
  domain: string;
  result: CheckResult | null;
  nonce: string;
  now: number;
  /** A check was just queued (the no-JS path): say so, and let the script follow it. */
  queued: { events: string } | null;
  /** The domain's change records, newest first (none when absent). */
  history?: readonly ChangeRecord[];
}

export function renderDomainPage(input: DomainPageInput): string {
  const { domain } = input;
  return renderLayout({
    title: `${domain} · mail check · mxv`,
    nonce: input.nonce,
    query: domain,
    status: queuedLine(input),
    body: renderDomainMain(input),
  });
}

/** Only the page's <main>: what the live update swaps in (no head, so no style or script to vet). */
export function renderDomainMain(input: DomainPageInput): SafeHtml {
  return input.result ? resultBody(input.result, input) : missingBody(input.domain, input);
}

function refreshForm(domain: string, label: string): SafeHtml {
  return html`<form method="post" action="/d/${encodeURIComponent(domain)}/refresh" data-refresh>
    <button type="submit">${label}</button>
  </form>`;
}

/** What the layout's live region says first (it outlives <main>, which the script swaps). */
function queuedLine(input: DomainPageInput): string {
  return input.queued ? 'A new check is queued. Reload this page in a few seconds to see it.' : '';
}

function missingBody(domain: string, input: DomainPageInput): SafeHtml {
  return html`<main data-domain="${domain}" data-events="${input.queued?.events ?? ''}">
    <h1 tabindex="-1">${domain}</h1>
    <p class="sub">No result for this domain yet.</p>
    <section class="card verdict" aria-label="verdict">
      <div>
        <p class="words">Not checked yet</p>
        <p class="why">Start a check: the mail route is followed live, and this page shows the result when it lands.</p>
      </div>
      ${refreshForm(domain, 'Check now')}
    </section>
  </main>`;
}

function resultBody(result: CheckResult, input: DomainPageInput): SafeHtml {
  const { words, tone } = verdictWords(result);
  const notes = explainResult(result);
  // Submission servers (RFC 6186) get their own block below.
  const mailHosts = result.hosts.filter((host) => host.service === undefined);
  return html`<main
    data-domain="${result.domain}"
    data-checked-at="${result.checkedAt}"
    data-events="${input.queued?.events ?? ''}"
  >
    <h1 tabindex="-1">${result.domain}</h1>
    <p class="sub">
      ${unicodeLine(result.domain)}${result.input !== result.domain ? html`asked as <code>${result.input}</code> · ` : ''}checked
      <time datetime="${result.checkedAt}">${ago(result.checkedAt, input.now)}</time> (${utcMinute(result.checkedAt)}) in
      ${Math.round(result.durationMs)} ms${result.attempts && result.attempts > 1 ? ` · ${result.attempts} attempts` : ''}
    </p>
    <section class="card verdict ${tone}" aria-label="verdict">
      <div>
        <p class="words" id="verdict" data-verdict="${result.verdict}">${words}</p>
        <p class="why">verdict <code>${result.verdict}</code>${result.error ? html` · <code>${result.error}</code>` : ''}</p>
      </div>
      ${refreshForm(result.domain, 'Check again')}
    </section>
    <ul class="checks" aria-label="checks">
      ${CHECK_LABELS.map(
        ([key, label]) =>
          html`<li class="${result.checks[key] ? 'pass' : 'fail'}" data-check="${key}">
            <span class="mark" aria-hidden="true"><b>${result.checks[key] ? '✓' : '✕'}</b></span
            >${label}<span class="visually-hidden">: ${result.checks[key] ? 'pass' : 'fail'}</span>
          </li>`,
      )}
    </ul>
    ${notesSection(notes)} ${mxSection(result)} ${renderSecurity(result)}
    ${
      mailHosts.length > 0
        ? html`<h2>Mail hosts</h2>
            <div class="hosts">${mailHosts.map((h) => renderHostCard(h, input.now))}</div>`
        : ''
    }
    ${renderSubmission(result, input.now)} ${renderHistory(input.history ?? [])}
  </main>`;
}

/**
 * The notes under a heading of their own, each titled by a heading: they come before the first table, and
 * a screen reader's list of headings would otherwise skip what matters most on the page.
 */
function notesSection(notes: readonly Note[]): SafeHtml | '' {
  if (notes.length === 0) return '';
  const heading = notes.some((note) => note.kind === 'warn') ? 'Problems found' : 'Notes';
  return html`<section class="notes" id="notes">
    <h2>${heading}</h2>
    ${notes.map(
      (n) =>
        html`<div class="note ${n.kind}">
          <h3>${n.title}</h3>
          ${n.body}
        </div>`,
    )}
  </section>`;
}

/** An internationalized name as it reads (bücher.example), beside the A-label the page is about. */
function unicodeLine(domain: string): SafeHtml | '' {
  const unicode = unicodeForm(domain);
  return unicode === null ? '' : html`written ${unicode} · `;
}

function mxSection(result: CheckResult): SafeHtml {
  const source = {
    mx: 'Published',
    implicit: 'No MX records: the implicit MX (the domain’s own address)',
    null: 'Null MX',
    none: 'No MX records',
  }[result.mx.source];
  if (result.mx.records.length === 0) {
    return html`<h2>MX records</h2>
      <p class="sub">${source} · DNS <code>${result.mx.dns}</code></p>`;
  }
  return html`<h2>MX records</h2>
    <p class="sub">
      ${source} · DNS
      <code>${result.mx.dns}</code
      >${result.mx.truncated ? ` · ${result.mx.totalRecords ?? '?'} records, the first ${result.mx.records.length} considered` : ''}
    </p>
    ${scrollRegion(
      'MX records',
      html`<table id="${MX_TABLE.id}">
        ${tableHead(MX_TABLE)}
        <tbody>
          ${result.mx.records.map(
            (r) =>
              html`<tr>
                <td>${r.priority}</td>
                <td class="mono">
                  ${r.exchange}${r.cnameTarget ? html`<br /><span class="legend">alias for ${r.cnameTarget}</span>` : ''}
                </td>
                <td class="mono">
                  ${r.addresses.length > 0 ? r.addresses.map((a, i) => html`${i > 0 ? html`<br />` : ''}${a}`) : toneTag('none', 'bad')}
                </td>
                <td>
                  ${r.problems.length > 0 ? r.problems.map((p) => html`<span class="tag warn">${p}</span>`) : html`<span class="legend">—</span>`}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`,
    )}`;
}

export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 5) return 'just now';
  if (seconds < 90) return `${seconds} seconds ago`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} minutes ago`;
  if (seconds < 129_600) return `${Math.round(seconds / 3600)} hours ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}
