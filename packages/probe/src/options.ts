import { checkNameSchema } from '@mxv/schema';
import { z } from 'zod';

import { boundsSchema } from './bound-schema.js';
import {
  CHECK_NAMES,
  DANE_BOUNDS,
  DNS_BOUNDS,
  HELO_NAME,
  MAX_DNSBL_ZONES,
  POLICY_BOUNDS,
  POLITENESS_BOUNDS,
  REPUTATION_BOUNDS,
  ROUTE_BOUNDS,
  SMTP_BOUNDS,
} from './bounds.js';
import { dnsblZoneSchema } from './reputation/dnsbl-zone.js';
import { defaultTlsMode, MAX_PORTS, RELAY_PORT, type ProbePort } from './port-list.js';

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

export const daneBoundsSchema = boundsSchema(DANE_BOUNDS);
export type DaneBounds = z.infer<typeof daneBoundsSchema>;

export const reputationBoundsSchema = boundsSchema(REPUTATION_BOUNDS);
export type ReputationBoundsOptions = z.infer<typeof reputationBoundsSchema>;

export const politenessSchema = boundsSchema(POLITENESS_BOUNDS);
export type Politeness = z.infer<typeof politenessSchema>;

export const policyBoundsSchema = boundsSchema(POLICY_BOUNDS);
export type PolicyBounds = z.infer<typeof policyBoundsSchema>;

export const probePortSchema = z.object({
  port: z.number().int().min(SMTP_BOUNDS.port.min).max(SMTP_BOUNDS.port.max),
  tlsMode: z.enum(['starttls', 'implicit']),
});

/** The ports of each host (port-list.ts says why each rule): at least one, at most MAX_PORTS, each port once, no implicit TLS on 25. */
const portListSchema = z
  .array(probePortSchema)
  .min(1)
  .max(MAX_PORTS)
  .refine((ports) => new Set(ports.map((p) => p.port)).size === ports.length, 'a port is listed twice')
  .refine((ports) => !ports.some((p) => p.port === RELAY_PORT && p.tlsMode === 'implicit'), 'port 25 is STARTTLS only');

const probeOptionsObject = z.object({
  /** Recursive resolvers, "host" or "host:port" or "[v6]:port"; empty means the system's. */
  dnsServers: z.array(z.string()).default([]),
  /** CIDR ranges that may be probed although private, loopback or reserved. */
  allowNet: z.array(z.string()).default([]),
  smtp: smtpBoundsSchema.prefault({}),
  dns: dnsBoundsSchema.prefault({}),
  route: routeBoundsSchema.prefault({}),
  politeness: politenessSchema.prefault({}),
  dane: daneBoundsSchema.prefault({}),
  policy: policyBoundsSchema.prefault({}),
  reputation: reputationBoundsSchema.prefault({}),
  /**
   * DNS block lists each mail host's address is looked up in (CONTRACT: --dnsbl, RFC 5782);
   * none by default: public lists refuse public resolvers and want a data feed at volume.
   */
  dnsbl: z
    .array(dnsblZoneSchema)
    .max(MAX_DNSBL_ZONES)
    .default([])
    .transform((zones) => [...new Set(zones)]),
  /** Which checks run besides the mail route (CONTRACT: --checks); all by default. */
  checks: z.array(checkNameSchema).default([...CHECK_NAMES]),
  /**
   * Ports probed on each mail host, the first being the delivery port the
   * verdict is computed over (CONTRACT: --ports). Absent: `smtp.port` alone,
   * in its default mode (465 implicit TLS, any other STARTTLS).
   */
  ports: portListSchema.optional(),
  /**
   * `socks5://[user:pass@]host:port` (CONTRACT: --proxy): every SMTP connection
   * goes through it. Parsed (and refused with a reason that never repeats the
   * credentials) by createEngineParts, like the resolvers.
   */
  proxy: z.string().nullable().default(null),
});

/** `ports` is always filled in after parsing, so nothing below needs to know about `smtp.port`. */
export const probeOptionsSchema = probeOptionsObject.transform(
  (options): Omit<typeof options, 'ports'> & { ports: ProbePort[] } => ({
    ...options,
    ports: options.ports ?? [{ port: options.smtp.port, tlsMode: defaultTlsMode(options.smtp.port) }],
  }),
);
export type ProbeOptions = z.infer<typeof probeOptionsSchema>;
export type ProbeOptionsInput = z.input<typeof probeOptionsSchema>;

export function parseProbeOptions(input: ProbeOptionsInput = {}): ProbeOptions {
  return probeOptionsSchema.parse(input);
}
