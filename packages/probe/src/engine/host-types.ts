import type { TlsMode } from '@mxv/schema';
import type { z } from 'zod';
import type { certIdentitySchema, chainDigestSchema, hostProbeSchema } from './host-probe-schema.js';

/** One (address, port) to probe, how TLS starts there, and the name used for SNI and certificate matching. */
export interface HostTarget {
  ip: string;
  port: number;
  /** STARTTLS after EHLO, or the TLS handshake first (RFC 8314 implicit TLS, port 465). */
  tlsMode: TlsMode;
  /** The exchange name the probe was made for: sent as SNI, and the name the certificate is matched against. */
  exchange: string;
}

/** What the certificate says about its own names (schema: host-probe-schema.ts). */
export type CertIdentity = z.infer<typeof certIdentitySchema>;
/** One certificate of the presented chain, as DANE matches it (see smtp/cert-chain-digests.ts); hex digests. */
export type ChainDigest = z.infer<typeof chainDigestSchema>;
/**
 * The domain-independent outcome of probing one (ip, port): everything of a
 * HostResult except which MX record it belongs to. Its schema (host-probe-schema.ts,
 * exported by `@mxv/probe/schemas`) is what the fleet's host cache parses with;
 * the engine itself only needs the type, so a check never loads zod.
 */
export type HostProbe = z.infer<typeof hostProbeSchema>;

/**
 * The politeness gate's answer to one more connection within a probe under way: granted, or not now (ask
 * again after `retryAfterMs`, or do without).
 */
export type ReconnectLeave = { status: 'granted' } | { status: 'wait'; retryAfterMs: number };

export interface ProbeCallOptions {
  /**
   * Asks the gate the probe came through for a further connection to the same target (a server without
   * RFC 5746 secure renegotiation gets a second one: SmtpHostProber), giving the last one's lease back
   * first; GateLease implements it. Without it a prober waits one politeness interval of its own.
   */
  reconnect?: (signal?: AbortSignal) => Promise<ReconnectLeave>;
}

export interface HostProber {
  probe(target: HostTarget, signal?: AbortSignal, options?: ProbeCallOptions): Promise<HostProbe>;
}

/** The limits a connection passes: its destination address, then the groups that address belongs to (politeness-groups.ts). */
export type PolitenessScope = 'address' | 'provider' | 'network';
export const POLITENESS_SCOPES: readonly PolitenessScope[] = ['address', 'provider', 'network'];

/** Which limit refused a connection: the scope, and whether its rate or its concurrency cap. */
export interface PolitenessLimit {
  scope: PolitenessScope;
  kind: 'rate' | 'concurrency';
}

/**
 * What a gate needs to know of a connection: the address it goes to, and the
 * exchange name it is made for (the fleet gate groups exchanges by provider).
 */
export type GateTarget = Pick<HostTarget, 'ip' | 'exchange'>;

/**
 * The politeness gate for one connection. The in-process gate waits and always
 * grants; the fleet gate answers "wait" (with the limit that refused, null when
 * the wait is not a limit's: an abort) so a queued job can be delayed instead of
 * holding a worker slot while it sleeps.
 */
export type GateDecision =
  | { status: 'granted'; release: () => void }
  | { status: 'wait'; retryAfterMs: number; reason: string; limit: PolitenessLimit | null };

export interface PolitenessGate {
  acquire(target: GateTarget, signal?: AbortSignal): Promise<GateDecision>;
}

/** How the engine gets a host probe: from a cache, or by probing through the gate. */
export type HostObtained =
  | { status: 'probed'; probe: HostProbe }
  | { status: 'cached'; probe: HostProbe }
  | { status: 'deferred'; retryAfterMs: number; reason: string };

export interface HostProbeSource {
  obtain(target: HostTarget, signal?: AbortSignal): Promise<HostObtained>;
}
