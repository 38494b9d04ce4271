import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { bearerStatus } from '../plugins/token-auth.js';
import type { ApiServices } from '../services/api-services.js';
import type { LiveCheckCaller } from '../services/refresh-check.js';
import { clientKey } from '../services/client-key.js';

/** A valid bearer token lifts the anonymous budget; a wrong one is refused rather than served as anonymous. */
export function liveCheckCaller(request: FastifyRequest, services: ApiServices): LiveCheckCaller {
  const status = bearerStatus(services.token, request.headers.authorization);
  if (status === 'valid') return { kind: 'token' };
  if (status === 'invalid') throw new ApiError(services.token === null ? 'write_api_disabled' : 'forbidden');
  // request.ip honours --trust-proxy (hops or ranges), never a header the client alone chose.
  return { kind: 'anonymous', client: clientKey(request.ip) };
}
