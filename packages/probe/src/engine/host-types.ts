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

export interface HostProber {
  probe(target: HostTarget, signal?: AbortSignal): Promise<HostProbe>;
}

/**
 * The politeness gate for one destination address. The in-process gate waits
 * and always grants; the fleet gate answers "wait" so a queued job can be
 * delayed instead of holding a worker slot while it sleeps.
 */
export type GateDecision = { status: 'granted'; release: () => void } | { status: 'wait'; retryAfterMs: number; reason: string };

export interface PolitenessGate {
  acquire(ip: string, signal?: AbortSignal): Promise<GateDecision>;
}

/** How the engine gets a host probe: from a cache, or by probing through the gate. */
export type HostObtained =
  | { status: 'probed'; probe: HostProbe }
  | { status: 'cached'; probe: HostProbe }
  | { status: 'deferred'; retryAfterMs: number; reason: string };

export interface HostProbeSource {
  obtain(target: HostTarget, signal?: AbortSignal): Promise<HostObtained>;
}
