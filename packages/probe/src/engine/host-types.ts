import { hostResultSchema, type TlsMode } from '@mxv/schema';
import { z } from 'zod';

/** One (address, port) to probe, how TLS starts there, and the name used for SNI and certificate matching. */
export interface HostTarget {
  ip: string;
  port: number;
  /** STARTTLS after EHLO, or the TLS handshake first (RFC 8314 implicit TLS, port 465). */
  tlsMode: TlsMode;
  /** The exchange name the probe was made for: sent as SNI, and the name the certificate is matched against. */
  exchange: string;
}

/** What the certificate says about its own names; kept so a cached probe can be matched against another exchange name. */
export const certIdentitySchema = z.object({
  commonName: z.string().nullable(),
  /** Node's `subjectaltname` string form, e.g. "DNS:mx.example.com, IP Address:192.0.2.1". */
  subjectAltName: z.string().nullable(),
});
export type CertIdentity = z.infer<typeof certIdentitySchema>;

/** One certificate of the presented chain, as DANE matches it (see smtp/cert-chain-digests.ts); hex digests. */
export const chainDigestSchema = z.object({
  certSha256: z.string(),
  certSha512: z.string(),
  spkiSha256: z.string(),
  spkiSha512: z.string(),
  /** The leaf chains up to this certificate (true for the leaf itself). */
  leafChains: z.boolean(),
});
export type ChainDigest = z.infer<typeof chainDigestSchema>;

/**
 * The domain-independent outcome of probing one (ip, port): everything of a
 * HostResult except which MX record it belongs to (and its MTA-STS match,
 * which depends on the domain's policy). `certIdentity` is internal
 * (not part of the result JSON) and lets hostnameMatch be computed per exchange.
 * A schema, not only a type: the fleet's host cache holds these as JSON that
 * another version of mxv may have written, and parses them before use.
 */
export const hostProbeSchema = hostResultSchema
  .omit({ exchange: true, priority: true, cached: true, mtaSts: true, service: true })
  .extend({
    probedAt: z.string(),
    certIdentity: certIdentitySchema.nullable(),
    /** The exchange name the probe was actually made with (SNI). */
    probedAs: z.string(),
    /**
     * Internal: the presented chain's digests, leaf first, so the DANE match
     * against any exchange's TLSA records is computed per exchange from a shared
     * probe. null: no handshake, or a cached probe from an mxv that did not keep it.
     */
    chainDigests: z.array(chainDigestSchema).nullable().default(null),
  });
export type HostProbe = z.infer<typeof hostProbeSchema>;

export interface HostProber {
  probe(target: HostTarget, signal?: AbortSignal): Promise<HostProbe>;
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
