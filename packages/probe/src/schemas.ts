/**
 * `@mxv/probe/schemas`: the engine's zod schemas, for what parses JSON that
 * another process (or another version of mxv) wrote: the fleet's host and
 * MTA-STS policy caches, and the bounds of option objects the API validates.
 * Apart from the main entry on purpose: the engine needs only their types, and
 * `mxv check` must not load zod (bench/startup).
 */
export { boundSchema, boundsSchema } from './bound-schema.js';
export { certIdentitySchema, chainDigestSchema, hostProbeSchema } from './engine/host-probe-schema.js';
export { cachedStsPolicySchema } from './policy/cached-sts-policy-schema.js';
