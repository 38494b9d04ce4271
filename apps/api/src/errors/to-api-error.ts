import { ApiError } from './api-error.js';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  name?: string;
  validation?: Array<{ keyword?: string; instancePath?: string; message?: string }>;
  validationContext?: string;
}

/**
 * The one place that turns whatever was thrown (our ApiError, a Fastify or
 * schema error, a Redis failure, a bug) into a registry error. Unknown errors
 * become `internal`: their text never reaches the client.
 */
export function toApiError(thrown: unknown, limits: { maxDomainsPerRequest: number }): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as FastifyLikeError;
  if (Array.isArray(error.validation)) {
    const first = error.validation[0];
    if (first?.keyword === 'maxItems' && first.instancePath === '/domains') {
      return new ApiError('too_many_domains', { message: `At most ${limits.maxDomainsPerRequest} domains per request` });
    }
    const where = error.validationContext ?? 'request';
    return new ApiError('bad_request', {
      message: `${where}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`.trim(),
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request');
    // The router's own errors carry the raw URL in their message: never passed on.
    case 'FST_ERR_BAD_URL':
      return new ApiError('bad_url');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('uri_too_long');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json');
    default:
      break;
  }
  // Fastify's JSON parser reports a syntax error as a 400 SyntaxError.
  if (error.statusCode === 400 && (error.name === 'SyntaxError' || thrown instanceof SyntaxError))
    return new ApiError('invalid_json');
  if (isRedisUnavailable(error)) return new ApiError('redis_unavailable');
  // Any other client error Fastify raises (its message may echo the request): a plain 400.
  if (typeof error.code === 'string' && error.code.startsWith('FST_') && isClientStatus(error.statusCode)) {
    return new ApiError('bad_request', { message: 'The request is not valid' });
  }
  return new ApiError('internal');
}

function isClientStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500;
}

/** ioredis failures that mean "Redis is not there right now" rather than a bug. */
function isRedisUnavailable(error: FastifyLikeError): boolean {
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const message = error.message ?? '';
  return /Connection is closed|Command timed out|Stream isn't writeable|ECONNREFUSED|enableOfflineQueue/.test(message);
}
