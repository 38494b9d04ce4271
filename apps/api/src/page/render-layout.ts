import { html, raw, type SafeHtml } from './html.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_CSS } from './page-style.js';

export interface LayoutInput {
  title: string;
  /** Per-response CSP nonce: only our inline style and script run, never anything a result smuggled in. */
  nonce: string;
  body: SafeHtml;
  /** Value of the header search box. */
  query?: string;
  hero?: boolean;
  /** What the live region says when the page loads (a check just queued); the script says the rest. */
  status?: string;
}

/** Options of the lookup form: `errorId` names the element that says why the last input was refused. */
export interface SearchFormOptions {
  placeholder: string;
  autofocus: boolean;
  errorId?: string;
}

/** The lookup form: in the header of every page, and large on the home page. */
export function renderSearchForm(query: string | undefined, options: SearchFormOptions): SafeHtml {
  return html`<form class="search" method="get" action="/lookup" role="search">
    <input
      name="q"
      type="search"
      value="${query ?? ''}"
      placeholder="${options.placeholder}"
      aria-label="Domain"
      autocapitalize="off"
      autocomplete="off"
      spellcheck="false"
      required
      maxlength="1024"
      ${options.errorId ? html`aria-invalid="true" aria-describedby="${options.errorId}"` : ''}
      ${options.autofocus ? raw('autofocus') : ''}
    />
    <button type="submit">Check</button>
  </form>`;
}

/**
 * The whole page. The live region sits outside <main>: the script replaces <main> when a new result
 * lands, and a region created and filled in one step is not announced (it must be in the page first).
 */
export function renderLayout(input: LayoutInput): string {
  const search = renderSearchForm(input.query, { placeholder: 'example.com or someone@example.com', autofocus: false });
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <link rel="icon" href="data:," />
        <title>${input.title}</title>
        <style nonce="${input.nonce}">
          ${raw(PAGE_CSS)}
        </style>
      </head>
      <body>
        <header class="top">
          <div class="wrap">
            <a class="brand" href="/">mx<span>v</span></a
            >${input.hero ? '' : search}
          </div>
        </header>
        <div class="wrap">
          <p class="live" id="live-status" role="status">${input.status ?? ''}</p>
          ${input.body}
        </div>
        <footer>
          <div class="wrap">
            mxv checks a domain's mail route live: MX → address → port 25 → SMTP greeting → EHLO → STARTTLS. It never sends mail.
            <a href="/openapi.json">API</a>
          </div>
        </footer>
        <script nonce="${input.nonce}">
          ${raw(PAGE_SCRIPT)};
        </script>
      </body>
    </html>`.value;
}

/** The Content-Security-Policy that goes with a layout rendered with `nonce`. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "form-action 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
