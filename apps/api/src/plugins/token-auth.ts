import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { sendApiError } from './send-api-error.js';

export interface TokenAuthOptions {
  /** Also accept HTTP Basic with the token as password, and ask browsers for it (the queue dashboard is opened in a browser). */
  basic?: boolean;
}

/**
 * An onRequest check of the configured token: it runs before the body is read,
 * so an unauthenticated request never gets its body parsed or anything queued.
 * Missing credentials answer 401, wrong ones 403 (RFC 6750 3.1). The hook
 * answers itself rather than throwing: a plugin mounted behind it (bull-board)
 * has an error handler of its own that would reshape the error.
 */
export function tokenAuth(
  token: string | null,
  options: TokenAuthOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = token === null ? null : digest(token);
  const challenge = options.basic ? 'Basic realm="mxv", charset="UTF-8"' : 'Bearer realm="mxv"';
  return async (request, reply) => {
    const refusal = refuse(expected, credentials(request.headers.authorization, options.basic === true), challenge);
    return refusal ? sendApiError(request, reply, refusal) : undefined;
  };
}

function refuse(expected: Buffer | null, presented: string | null, challenge: string): ApiError | null {
  if (expected === null) return new ApiError('write_api_disabled');
  if (presented === null) return new ApiError('unauthorized', { headers: { 'www-authenticate': challenge } });
  return timingSafeEqual(digest(presented), expected) ? null : new ApiError('forbidden');
}

function credentials(header: string | undefined, basic: boolean): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basicMatch = basic ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (basicMatch?.[1]) {
    const decoded = Buffer.from(basicMatch[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

/** Fixed-length digests, so the comparison takes the same time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * What an Authorization header says about a route open to everyone where a
 * token lifts limits (the live-check routes): none given, the token, or
 * something else (a wrong token is refused, never served as anonymous).
 */
export function bearerStatus(token: string | null, header: string | undefined): 'absent' | 'valid' | 'invalid' {
  if (header === undefined || header === '') return 'absent';
  const presented = credentials(header, false);
  if (presented === null || token === null) return 'invalid';
  return timingSafeEqual(digest(presented), digest(token)) ? 'valid' : 'invalid';
}
