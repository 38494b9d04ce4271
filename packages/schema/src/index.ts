export * from './values.js';
export * from './result.js';
export * from './security.js';
