/**
 * Every error the API answers with, in one registry: the code is the stable
 * part a client may switch on, the status its HTTP status, and the message
 * what a person reads. A 5xx answer carries only this message, never the
 * internal error behind it.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, message: 'The request does not match the route schema' },
  bad_url: { status: 400, message: 'The URL is not valid (bad percent-encoding)' },
  bad_http: { status: 400, message: 'The request is not valid HTTP' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON' },
  invalid_domain: { status: 400, message: 'That is not a domain name' },
  too_many_domains: { status: 400, message: 'Too many domains in one request' },
  refresh_needs_post: {
    status: 400,
    message: 'GET never queues a check: POST /v1/domains/{domain}/refresh (maxAge in the query) to request one',
  },
  unauthorized: { status: 401, message: 'This route needs Authorization: Bearer <token>' },
  forbidden: { status: 403, message: 'The token is not valid for this route' },
  write_api_disabled: {
    status: 403,
    message: 'No API token is configured, so write routes are disabled (set --token or MXV_API_TOKEN)',
  },
  cross_origin: {
    status: 403,
    message: 'State-changing requests from another site are refused (Origin / Sec-Fetch-Site is not this site)',
  },
  not_found: { status: 404, message: 'No result for this domain yet' },
  route_not_found: { status: 404, message: 'No such route' },
  method_not_allowed: { status: 405, message: 'Method not allowed on this route' },
  request_timeout: { status: 408, message: 'The request took too long to arrive' },
  body_too_large: { status: 413, message: 'The request body is too large' },
  uri_too_long: { status: 414, message: 'The URL is too long' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json' },
  rate_limited: { status: 429, message: 'Too many requests from this client; retry later' },
  live_check_limited: {
    status: 429,
    message: 'Too many live checks without a token; retry later, or send Authorization: Bearer <token>',
  },
  too_many_client_streams: { status: 429, message: 'This client has too many event streams open; close one and retry' },
  headers_too_large: { status: 431, message: 'The request headers are too large' },
  internal: { status: 500, message: 'Internal error' },
  method_not_implemented: { status: 501, message: 'This server does not know that HTTP method' },
  redis_unavailable: { status: 503, message: 'The result store is not reachable right now' },
  too_many_streams: { status: 503, message: 'Too many event streams are open; retry later' },
  shutting_down: { status: 503, message: 'This server is shutting down; retry on another instance' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** 503s that say "not now" (Redis away, shutting down, full): expected in operation, logged as a warning without a stack. */
export const EXPECTED_UNAVAILABLE: ReadonlySet<ErrorCode> = new Set(['redis_unavailable', 'too_many_streams', 'shutting_down']);
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];
