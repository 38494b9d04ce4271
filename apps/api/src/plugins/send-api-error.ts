import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../errors/api-error.js';
import type { ApiErrorBody } from '../schemas/api-schemas.js';

/** The one JSON shape of every API error: `{"error":{"code","message","reason?"}}`. */
export function apiErrorBody(error: ApiError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}) } };
}

export function sendApiError(_request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  return reply
    .code(error.statusCode)
    .headers(error.headers)
    .header('x-content-type-options', 'nosniff')
    .type('application/json; charset=utf-8')
    .send(apiErrorBody(error));
}
