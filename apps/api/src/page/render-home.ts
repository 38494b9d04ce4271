import type { ResultEvent } from '@mxv/fleet';
import { html } from './html.js';
import { renderLayout, renderSearchForm } from './render-layout.js';

const VERDICT_TONE: Record<string, string> = { ok: 'ok', null_mx: 'warn' };

export interface HomePageInput {
  nonce: string;
  recent: ResultEvent[];
  query?: string;
  error?: string;
}

/** The search box, and the domains checked last (from the events stream). */
export function renderHome(input: HomePageInput): string {
  const body = html`<main>
    <section class="hero">
      <h1>Does this domain's mail work?</h1>
      <p class="sub">
        MX records, addresses, port 25, the SMTP greeting, EHLO and STARTTLS, checked live. Type a domain or an e-mail address.
      </p>
      ${renderSearchForm(input.query, { placeholder: 'example.com', autofocus: true })}
      ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
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
                      ><span class="tag ${VERDICT_TONE[e.verdict] ?? 'bad'}">${e.verdict}</span></a
                    >
                  </li>`,
              )}
            </ul>`
        : ''
    }
  </main>`;
  return renderLayout({ title: 'mxv · mail check', nonce: input.nonce, body, hero: true });
}
