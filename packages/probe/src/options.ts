import { z } from 'zod';

/**
 * Every timeout and size bound of the engine, named, with its default. Validated
 * once (parseProbeOptions); everything below receives the parsed, complete object.
 */
export const smtpBoundsSchema = z.object({
  /** Port probed on each mail host (CONTRACT: --smtp-port). */
  port: z.number().int().min(1).max(65535).default(25),
  /** Name sent with EHLO/HELO (RFC 5321 4.1.1.1). */
  heloName: z.string().min(1).max(255).default('mxv.invalid'),
  /** Budget for one host's whole conversation (CONTRACT: --timeout-ms). */
  hostBudgetMs: z.number().int().min(100).max(600_000).default(30_000),
  connectTimeoutMs: z.number().int().min(50).max(120_000).default(10_000),
  /** RFC 5321 4.5.3.2.1 allows 5 minutes; a checker that waits that long is useless, and the budget caps it anyway. */
  greetingTimeoutMs: z.number().int().min(50).max(600_000).default(20_000),
  /** Per reply to EHLO/HELO/STARTTLS/QUIT. */
  replyTimeoutMs: z.number().int().min(50).max(600_000).default(10_000),
  tlsHandshakeTimeoutMs: z.number().int().min(50).max(120_000).default(10_000),
  /** QUIT is a courtesy: wait this long for 221, then close anyway. */
  quitTimeoutMs: z.number().int().min(0).max(60_000).default(2_000),
  /** RFC 5321 4.5.3.1.5 says 512 octets per reply line; real servers exceed it, so allow some slack. */
  maxLineBytes: z.number().int().min(64).max(1_048_576).default(4096),
  /** Bytes of one whole (multi-line) reply. */
  maxReplyBytes: z.number().int().min(256).max(16_777_216).default(65_536),
  maxReplyLines: z.number().int().min(1).max(100_000).default(200),
  /** Text of a reply kept in the result (the rest is cut, with an ellipsis). */
  maxStoredTextBytes: z.number().int().min(16).max(65_536).default(1024),
  /** Peer certificates walked when describing the chain. */
  maxCertChain: z.number().int().min(1).max(100).default(16),
});
export type SmtpBounds = z.infer<typeof smtpBoundsSchema>;

export const dnsBoundsSchema = z.object({
  /** Per-try timeout for one question to one resolver. */
  queryTimeoutMs: z.number().int().min(50).max(60_000).default(2_500),
  /** Tries per resolver before moving to the next one. */
  attemptsPerServer: z.number().int().min(1).max(10).default(2),
  /** EDNS(0) UDP payload size advertised (1232: the DNS flag day 2020 value). */
  udpPayloadBytes: z.number().int().min(512).max(4096).default(1232),
  /** Largest TCP answer accepted (after a truncated UDP answer). */
  maxTcpAnswerBytes: z.number().int().min(512).max(65_535).default(65_535),
});
export type DnsBounds = z.infer<typeof dnsBoundsSchema>;

export const routeBoundsSchema = z.object({
  /** MX records considered, in priority order; the rest are counted, not probed. */
  maxMxRecords: z.number().int().min(1).max(1000).default(16),
  /** Addresses probed per exchange (A and AAAA together). */
  maxAddressesPerHost: z.number().int().min(1).max(64).default(4),
  /** (exchange, address) pairs probed per domain. */
  maxHostsPerDomain: z.number().int().min(1).max(1000).default(16),
  /** Hosts of one domain probed at the same time. */
  hostConcurrencyPerDomain: z.number().int().min(1).max(64).default(4),
});
export type RouteBounds = z.infer<typeof routeBoundsSchema>;

export const politenessSchema = z.object({
  /** New connections per second to one destination address. */
  connectionsPerSecond: z.number().positive().max(1000).default(1),
  /** Connections open at once to one destination address. */
  maxConcurrentPerIp: z.number().int().min(1).max(1000).default(2),
});
export type Politeness = z.infer<typeof politenessSchema>;

export const probeOptionsSchema = z.object({
  /** Recursive resolvers, "host" or "host:port" or "[v6]:port"; empty means the system's. */
  dnsServers: z.array(z.string()).default([]),
  /** CIDR ranges that may be probed although private, loopback or reserved. */
  allowNet: z.array(z.string()).default([]),
  smtp: smtpBoundsSchema.prefault({}),
  dns: dnsBoundsSchema.prefault({}),
  route: routeBoundsSchema.prefault({}),
  politeness: politenessSchema.prefault({}),
});
export type ProbeOptions = z.infer<typeof probeOptionsSchema>;
export type ProbeOptionsInput = z.input<typeof probeOptionsSchema>;

export function parseProbeOptions(input: ProbeOptionsInput = {}): ProbeOptions {
  return probeOptionsSchema.parse(input);
}
