export * from './options.js';
export * from './dns/dns-types.js';
export * from './engine/host-types.js';
