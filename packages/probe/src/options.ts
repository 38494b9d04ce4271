import { checkNameSchema } from '@mxv/schema';
import { z } from 'zod';

import { boundsSchema } from './bound-schema.js';
import { CHECK_NAMES, DNS_BOUNDS, HELO_NAME, POLICY_BOUNDS, POLITENESS_BOUNDS, ROUTE_BOUNDS, SMTP_BOUNDS } from './bounds.js';

/**
 * Every timeout and size bound of the engine, named, with its default (written
 * once, in bounds.ts, with the reason for each). Validated once
 * (parseProbeOptions); everything below receives the parsed, complete object.
 */
export const smtpBoundsSchema = boundsSchema(SMTP_BOUNDS).extend({
  heloName: z.string().min(HELO_NAME.minChars).max(HELO_NAME.maxChars).default(HELO_NAME.default),
});
export type SmtpBounds = z.infer<typeof smtpBoundsSchema>;

export const dnsBoundsSchema = boundsSchema(DNS_BOUNDS);
export type DnsBounds = z.infer<typeof dnsBoundsSchema>;

export const routeBoundsSchema = boundsSchema(ROUTE_BOUNDS);
export type RouteBounds = z.infer<typeof routeBoundsSchema>;

export const politenessSchema = boundsSchema(POLITENESS_BOUNDS);
export type Politeness = z.infer<typeof politenessSchema>;

export const policyBoundsSchema = boundsSchema(POLICY_BOUNDS);
export type PolicyBounds = z.infer<typeof policyBoundsSchema>;

export const probeOptionsSchema = z.object({
  /** Recursive resolvers, "host" or "host:port" or "[v6]:port"; empty means the system's. */
  dnsServers: z.array(z.string()).default([]),
  /** CIDR ranges that may be probed although private, loopback or reserved. */
  allowNet: z.array(z.string()).default([]),
  smtp: smtpBoundsSchema.prefault({}),
  dns: dnsBoundsSchema.prefault({}),
  route: routeBoundsSchema.prefault({}),
  politeness: politenessSchema.prefault({}),
  policy: policyBoundsSchema.prefault({}),
  /** Which checks run besides the mail route (CONTRACT: --checks); all by default. */
  checks: z.array(checkNameSchema).default([...CHECK_NAMES]),
});
export type ProbeOptions = z.infer<typeof probeOptionsSchema>;
export type ProbeOptionsInput = z.input<typeof probeOptionsSchema>;

export function parseProbeOptions(input: ProbeOptionsInput = {}): ProbeOptions {
  return probeOptionsSchema.parse(input);
}
