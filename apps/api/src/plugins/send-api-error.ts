import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../errors/api-error.js';
import type { ApiErrorBody } from '../schemas/api-schemas.js';

/** The one JSON shape of every API error: `{"error":{"code","message","reason?"}}`. */
export function sendApiError(_request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  const payload: ApiErrorBody = {
    error: { code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}) },
  };
  return reply.code(error.statusCode).headers(error.headers).type('application/json; charset=utf-8').send(payload);
}
