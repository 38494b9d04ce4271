import { randomBytes } from 'node:crypto';
import { readHistory } from '@mxv/fleet';
import { refusalHint, visibleInput } from '@mxv/probe';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { pageCsp } from '../page/render-layout.js';
import { renderDomainMain, renderDomainPage } from '../page/render-domain-page.js';
import { renderHome } from '../page/render-home.js';
import { sameOriginGuard } from '../plugins/same-origin-guard.js';
import { sendApiError } from '../plugins/send-api-error.js';
import type { ApiServices } from '../services/api-services.js';
import { recentDomains } from '../services/recent-domains.js';
import { newerThan, nextResultEventsPath, refreshCheck } from '../services/refresh-check.js';
import { liveCheckCaller } from './live-check-caller.js';
import { domainOrThrow, parseDomain } from './parse-domain.js';

/** Marks a route as a page: its errors are rendered as HTML (see the error handler). */
const PAGE = { page: true } as const;

/** The lookup page: server-rendered, works without JavaScript; the inline script only adds live updates. */
export async function pageRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  // The no-JS "check again" form posts urlencoded; its body carries nothing we need.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) =>
    done(null, {}),
  );

  app.get('/', { config: PAGE, schema: { hide: true } }, async (_request, reply) => {
    const recent = await recentDomains(services);
    return sendPage(reply, 200, (nonce) => renderHome({ nonce, recent }));
  });

  app.get<{ Querystring: { q?: string } }>(
    '/lookup',
    {
      config: PAGE,
      schema: { hide: true, querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 2048 } } } },
    },
    async (request, reply) => {
      const q = request.query.q ?? '';
      const parsed = parseDomain(q);
      if (parsed.status === 'valid') return reply.redirect(`/d/${encodeURIComponent(parsed.domain)}`, 303);
      const recent = await recentDomains(services);
      // Shown back as the CLI shows a refused input: controls, bidi overrides and invisible characters as \DDD.
      const shown = visibleInput(q);
      return sendPage(reply, 400, (nonce) => renderHome({ nonce, recent, query: shown, error: lookupError(q, parsed.reason) }));
    },
  );

  app.get<{ Params: { domain: string }; Querystring: { queued?: string; part?: string } }>(
    '/d/:domain',
    { config: PAGE, schema: { hide: true } },
    async (request, reply) => {
      const domain = domainOrThrow(request.params.domain, services.limits.maxInputChars);
      if (domain !== request.params.domain) return reply.redirect(`/d/${encodeURIComponent(domain)}`, 301);
      const [stored, history] = await Promise.all([
        services.store.get(domain),
        readHistory(services.redis, services.keys, domain),
      ]);
      const result = stored.status === 'found' ? stored.result : null;
      // ?queued=<time> (the form's redirect): the new result is one newer than what was stored when the check was
      // queued, which may have landed already; a bare ?queued (older links) waits for one newer than what is shown.
      const queued =
        request.query.queued !== undefined
          ? { events: nextResultEventsPath(domain, isoTime(request.query.queued) ?? result?.checkedAt ?? null) }
          : null;
      const page = { domain, result, now: Date.now(), queued, history: history.changes };
      // ?part=main: the fragment the page's script swaps in when a new result lands.
      if (request.query.part === 'main') return sendPage(reply, 200, (nonce) => renderDomainMain({ ...page, nonce }).value);
      return sendPage(reply, 200, (nonce) => renderDomainPage({ ...page, nonce }));
    },
  );

  app.post<{ Params: { domain: string } }>(
    '/d/:domain/refresh',
    // The page's form posts urlencoded, its script posts no body; anything else, or another site, is refused.
    { config: PAGE, schema: { hide: true }, onRequest: sameOriginGuard(['application/x-www-form-urlencoded']) },
    async (request, reply) => {
      const domain = domainOrThrow(request.params.domain, services.limits.maxInputChars);
      const outcome = await refreshCheck(services, domain, 0, liveCheckCaller(request, services));
      const wantsJson = (request.headers.accept ?? '').includes('application/json');
      // The script reads the JSON error's message; a form gets the HTML error page (the error handler).
      if (outcome.status === 'refused') {
        if (wantsJson) return sendApiError(request, reply, outcome.error);
        throw outcome.error;
      }
      const queued = outcome.status === 'queued' ? outcome.queued : null;
      if (wantsJson) {
        return queued
          ? reply.send(queued)
          : reply.send({
              domain,
              status: 'fresh',
              message: `Checked less than ${Math.round(services.limits.minRefreshAgeMs / 1000)} seconds ago; that result is shown.`,
            });
      }
      const query = queued ? `?queued=${encodeURIComponent(newerThan(queued.checkedAt))}` : '';
      return reply.redirect(`/d/${encodeURIComponent(domain)}${query}`, 303);
    },
  );
}

/** A time as the store writes them (ISO 8601, UTC, milliseconds), or null for anything else a link may carry. */
function isoTime(value: string): string | null {
  if (value.length > 32) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value ? value : null;
}

/** Headers every page gets: a fresh CSP nonce, no sniffing, no caching, no referrer. */
export function sendPage(reply: FastifyReply, status: number, render: (nonce: string) => string): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .code(status)
    .header('content-security-policy', pageCsp(nonce))
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(render(nonce));
}

/** Why the search box's input was refused, in words past its reason where there are some (refusalHint); the page escapes the text. */
function lookupError(query: string, reason: string): string {
  // Cut at a character, not inside a surrogate pair, then made visible (a right-to-left override reverses the text).
  const refused = `“${visibleInput(Array.from(query).slice(0, 200).join(''))}” is not a domain name (${reason})`;
  const hint = refusalHint(query, reason);
  return hint === null ? `${refused}.` : `${refused}: ${hint}.`;
}
