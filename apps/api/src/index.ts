export * from './api-options.js';
export * from './build-api-app.js';
export * from './start-api-server.js';
export * from './errors/error-codes.js';
export * from './errors/api-error.js';
export * from './schemas/api-schemas.js';
export { escapeHtml } from './page/html.js';
