import type { ResultEvent } from '@mxv/fleet';
import { eventVerdictWords } from './explain-result.js';
import { html } from './html.js';
import { renderLayout, renderSearchForm } from './render-layout.js';

const VERDICT_TONE: Record<string, string> = { ok: 'ok', null_mx: 'warn' };

/** The id of the refusal's words: the search box points at it (aria-describedby). */
const LOOKUP_ERROR_ID = 'lookup-error';

export interface HomePageInput {
  nonce: string;
  recent: ResultEvent[];
  query?: string;
  error?: string;
}

/**
 * The search box, and the domains checked last (from the events stream). After a refused input the
 * box is marked invalid and points at the reason, and takes the focus to be corrected; on a plain
 * visit it does not, so that a screen reader starts at the top of the page.
 */
export function renderHome(input: HomePageInput): string {
  const errorId = input.error ? LOOKUP_ERROR_ID : undefined;
  const body = html`<main>
    <section class="hero">
      <h1>Does this domain's mail work?</h1>
      <p class="sub">
        MX records, addresses, port 25, the SMTP greeting, EHLO and STARTTLS, checked live. Type a domain or an e-mail address.
      </p>
      ${renderSearchForm(input.query, { placeholder: 'example.com', autofocus: errorId !== undefined, errorId })}
      ${input.error ? html`<p class="error" id="${LOOKUP_ERROR_ID}" role="alert">${input.error}</p>` : ''}
    </section>
    ${
      input.recent.length > 0
        ? html`<h2>Recently checked</h2>
            <ul class="recent">
              ${input.recent.map(
                (e) =>
                  html`<li>
                    <a href="/d/${encodeURIComponent(e.domain)}"
                      ><span class="mono">${e.domain}</span
                      ><span class="tag ${VERDICT_TONE[e.verdict] ?? 'bad'}" data-verdict="${e.verdict}"
                        >${eventVerdictWords(e.verdict)}</span
                      ></a
                    >
                  </li>`,
              )}
            </ul>`
        : ''
    }
  </main>`;
  // "Error: " first, as the browser's tab and a screen reader's page title announce it (WCAG 3.3.1).
  const title = input.error ? 'Error: not a domain name · mxv' : 'mxv · mail check';
  return renderLayout({ title, nonce: input.nonce, body, hero: true });
}
