import { hostResultSchema } from '@mxv/schema';
import { z } from 'zod';

/** What the certificate says about its own names; kept so a cached probe can be matched against another exchange name. */
export const certIdentitySchema = z.object({
  commonName: z.string().nullable(),
  /** Node's `subjectaltname` string form, e.g. "DNS:mx.example.com, IP Address:192.0.2.1". */
  subjectAltName: z.string().nullable(),
});

/** One certificate of the presented chain, as DANE matches it (see smtp/cert-chain-digests.ts); hex digests. */
export const chainDigestSchema = z.object({
  certSha256: z.string(),
  certSha512: z.string(),
  spkiSha256: z.string(),
  spkiSha512: z.string(),
  /** The leaf chains up to this certificate (true for the leaf itself). */
  leafChains: z.boolean(),
  /**
   * The server sent this certificate; false for the root Node completes the chain
   * with from the local trust store. Absent in probes cached by an older mxv.
   */
  sent: z.boolean().optional(),
  /**
   * The certificate's DER (base64), kept only for the chain's last certificate
   * when nothing in the chain issued it and the leaf chains up to it (see
   * smtp/cert-chain-digests.ts): a DANE-TA record of matching type Full(0) may
   * carry that missing issuer, and its signature is checked against these bytes.
   */
  issuerlessDer: z.string().optional(),
  /**
   * The certificate's own signature is over SHA-1 or MD5, which OpenSSL's verification refuses
   * (cert-chain-digests.ts); absent otherwise, and in probes cached by an older mxv.
   */
  refusedDigest: z.literal(true).optional(),
});

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
