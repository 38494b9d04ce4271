export * from './api-options.js';
export { DEFAULT_API_HOST, DEFAULT_API_PORT, MIN_TOKEN_CHARS, TRUST_PROXY_HOPS_BOUND } from './api-bounds.js';
export * from './build-api-app.js';
export * from './start-api-server.js';
export * from './errors/error-codes.js';
export * from './errors/api-error.js';
export * from './schemas/api-schemas.js';
export { escapeHtml } from './page/html.js';
