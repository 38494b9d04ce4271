import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';

/**
 * An onRequest check for routes that change state (queue a check): a request
 * a browser sends on behalf of another site is refused, before its body is read.
 * The rule of Go's net/http CrossOriginProtection: Sec-Fetch-Site, when the
 * browser sends it, must say `same-origin` (or `none`: typed by the user);
 * else an Origin header must name this host; a request with neither did not
 * come from a browser page, so no other site can have forged it. The body's
 * type must be one `contentTypes` lists (or absent): a cross-site form can send
 * text/plain without a CORS preflight, and no route of ours reads one.
 */
export function sameOriginGuard(contentTypes: readonly string[]): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const site = header(request, 'sec-fetch-site');
    const origin = header(request, 'origin');
    if (site !== undefined) {
      if (site !== 'same-origin' && site !== 'none') throw new ApiError('cross_origin', { reason: `sec_fetch_site_${site}` });
    } else if (origin !== undefined && !sameHost(origin, request.headers.host)) {
      throw new ApiError('cross_origin', { reason: 'origin_mismatch' });
    }
    const type = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== undefined && type !== '' && !contentTypes.includes(type)) {
      throw new ApiError('unsupported_media_type', { message: `Send no body or one of: ${contentTypes.join(', ')}` });
    }
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Origin is scheme://host[:port]; behind a TLS-terminating proxy the scheme differs, so the host alone decides (as Go does). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
