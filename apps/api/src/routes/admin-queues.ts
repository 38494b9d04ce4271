import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { ERROR_CODES } from '../errors/error-codes.js';
import { sameOriginGuard } from '../plugins/same-origin-guard.js';
import { sendApiError } from '../plugins/send-api-error.js';
import { tokenAuth } from '../plugins/token-auth.js';
import type { ApiServices } from '../services/api-services.js';

export const ADMIN_QUEUES_PATH = '/admin/queues';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The dashboard page's files when this module runs from the CLI's bundle
 * (apps/cli/scripts/bundle.mjs copies them beside it): bull-board's own lookup
 * (require.resolve from its package directory) does not survive bundling.
 * Undefined otherwise, and bull-board finds @bull-board/ui itself.
 */
function bundledUiDir(): string | undefined {
  const dir = new URL('./bull-board-ui/', import.meta.url);
  return existsSync(new URL('dist/index.ejs', dir)) ? fileURLToPath(dir) : undefined;
}

/**
 * bull-board under /admin/queues, behind the write API's token. Browsers get a
 * Basic challenge (any user name, the token as password), so a person can open
 * it without a header-setting extension; scripts send the Bearer header.
 */
export async function adminQueues(app: FastifyInstance, services: ApiServices): Promise<void> {
  await app.register(async (admin) => {
    admin.addHook('onRequest', tokenAuth(services.token, { basic: true }));
    // A browser keeps the Basic login and sends it with another site's request too: a page elsewhere could
    // add or retry jobs. The dashboard's own actions are same-origin fetches with JSON or no body.
    // Answered here, as tokenAuth answers: bull-board's error handler would reshape a thrown error.
    const sameOrigin = sameOriginGuard(['application/json']);
    admin.addHook('onRequest', async (request, reply) => {
      if (SAFE_METHODS.has(request.method)) return undefined;
      try {
        await sameOrigin(request);
        return undefined;
      } catch (error) {
        if (error instanceof ApiError) return sendApiError(request, reply, error);
        throw error;
      }
    });
    // The dashboard's page asks a font CDN for its fonts: same-origin only, so an
    // offline machine does not wait on it and the admin's visit is nobody else's business.
    admin.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', DASHBOARD_CSP);
      return payload;
    });
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
    createBullBoard({
      // One board entry per queue shard (each is a BullMQ queue under its own hash tag).
      queues: services.queue.shards.map((shard) => new BullMQAdapter(shard)),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'mxv queues' }, uiBasePath: bundledUiDir() },
    });
    // bull-board's own handler answers with the stack; ours says "internal" and logs it. A client's error
    // (a body that does not parse) is a 400 and not logged as ours: bull-board answers no other 4xx here.
    serverAdapter.setErrorHandler((error) => {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return { status: 400, body: { error: { code: 'bad_request', message: ERROR_CODES.bad_request.message } } };
      }
      admin.log.error({ err: error }, 'queue dashboard failed');
      return { status: 500, body: { error: { code: 'internal', message: ERROR_CODES.internal.message } } };
    });
    await admin.register(serverAdapter.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
  });
}
