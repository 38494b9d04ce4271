export * from './result.js';
export * from './security.js';
