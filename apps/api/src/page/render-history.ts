import type { ChangeRecord } from '@mxv/fleet';
import { html, type SafeHtml } from './html.js';

/**
 * The lookup page's timeline, "what changed, when": one entry per change
 * record, newest first. Paths and values come from results (a server's
 * certificate, an exchange name): escaped by `html` like every other value.
 */
export function renderHistory(records: readonly ChangeRecord[]): SafeHtml | '' {
  if (records.length === 0) return '';
  return html`<h2>What changed, when</h2>
    <ol class="timeline" id="history" aria-label="history">
      ${records.map(
        (record) =>
          html`<li>
            <time datetime="${record.at}">${record.at}</time>
            <ul>
              ${record.changes.map(
                (change) =>
                  html`<li>
                    <code>${change.path}</code>: <span class="from">${show(change.from)}</span> →
                    <span class="to">${show(change.to)}</span>
                  </li>`,
              )}
            </ul>
          </li>`,
      )}
    </ol>`;
}

function show(value: unknown): string {
  return value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
}
