import { z } from 'zod';
import {
  dnsblEntrySchema,
  dnssecStatusSchema,
  extendedDnsErrorSchema,
  hostDaneSchema,
  hostMtaStsSchema,
  hostPtrSchema,
  securitySectionSchema,
  submissionServiceSchema,
  tlsModeSchema,
} from './security.js';

import { NO_SECURITY, RESULT_SCHEMA_VERSION } from './values.js';

export const verdictSchema = z.enum([
  'invalid',
  'nxdomain',
  'dns_error',
  'null_mx',
  'no_mail_host',
  'unresolvable',
  'unreachable',
  'bad_banner',
  'ok',
]);
export type Verdict = z.infer<typeof verdictSchema>;

export const dnsStatusSchema = z.enum(['NOERROR', 'NXDOMAIN', 'NODATA', 'SERVFAIL', 'TIMEOUT', 'REFUSED']);
export type DnsStatus = z.infer<typeof dnsStatusSchema>;

export const mxSourceSchema = z.enum(['mx', 'implicit', 'null', 'none']);
export type MxSource = z.infer<typeof mxSourceSchema>;

export const mxProblemSchema = z.enum([
  'no_address',
  'cname',
  'ip_literal',
  'dns_error',
  'null_mx_mixed',
  'localhost',
  'truncated',
  'malformed_name',
]);
export type MxProblem = z.infer<typeof mxProblemSchema>;

export const connectStatusSchema = z.enum(['ok', 'refused', 'timeout', 'unreachable', 'blocked', 'error']);
export type ConnectStatus = z.infer<typeof connectStatusSchema>;

export const starttlsStatusSchema = z.enum(['ok', 'failed', 'not_offered', 'not_tried']);
export type StarttlsStatus = z.infer<typeof starttlsStatusSchema>;

export const smtpReplySchema = z.object({
  code: z.number().int(),
  text: z.string(),
});
export type SmtpReplySummary = z.infer<typeof smtpReplySchema>;

export const ehloSchema = z.object({
  code: z.number().int(),
  /** Which greeting command produced this reply: EHLO, or HELO after EHLO was refused. */
  command: z.enum(['EHLO', 'HELO']).optional(),
  extensions: z.array(z.string()),
});
export type EhloSummary = z.infer<typeof ehloSchema>;

/**
 * Beyond the contract: the server's own words when it refused a command after
 * greeting us (the greeting's are `banner`), for whoever debugs a bounce:
 * "454 4.7.0 TLS not available due to local problem" says more than
 * `starttls_tempfail`. `overTls`: the command was sent inside TLS (the EHLO
 * after STARTTLS, or any on an implicit-TLS port).
 */
export const smtpRefusalSchema = z.object({
  command: z.enum(['EHLO', 'HELO', 'STARTTLS']),
  overTls: z.boolean(),
  code: z.number().int(),
  text: z.string(),
});
export type SmtpRefusal = z.infer<typeof smtpRefusalSchema>;

export const tlsInfoSchema = z.object({
  version: z.string().nullable(),
  cipher: z.string().nullable(),
  /** Chain trusted and within its dates; the name is not part of it. */
  certValid: z.boolean(),
  /** The certificate covers the exchange name. */
  hostnameMatch: z.boolean(),
  notAfter: z.string().nullable(),
  error: z.string().nullable(),
  // Beyond the contract's minimum: what a person checking a certificate wants to see.
  notBefore: z.string().nullable().optional(),
  subject: z.string().nullable().optional(),
  issuer: z.string().nullable().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  /** Names past the probe's bound (256 by default), not listed in subjectAltNames; absent when none were left out. */
  subjectAltNamesOmitted: z.number().int().positive().optional(),
  fingerprintSha256: z.string().nullable().optional(),
  chainLength: z.number().int().optional(),
  /**
   * RFC 5746: the server's ServerHello carried renegotiation_info (true), did not (false: senders on
   * OpenSSL 3 refuse the handshake; what is shown is what senders that allow it get, asked on a second
   * connection), or TLS 1.3 was agreed, which has no renegotiation (null). Absent: not known (older probes).
   */
  secureRenegotiation: z.boolean().nullable().optional(),
  /**
   * The leaf certificate's public key: its algorithm ("RSA", "RSA-PSS", "DSA", "EC", "Ed25519", "Ed448"),
   * its size in bits (the modulus for RSA and DSA, the group order for EC; null where it says nothing more
   * than the algorithm) and, for EC, the curve's name. Judged by tlsKeyWeaknesses (values.ts).
   */
  certKey: z.object({ type: z.string(), bits: z.number().int().nullable(), curve: z.string().nullable() }).nullable().optional(),
  /**
   * The ephemeral key exchange agreed (OpenSSL's "Server Temp Key"): "ECDH" with its group ("X25519",
   * "prime256v1") or finite-field "DH" with its prime's size; null when there was none (TLS 1.2 RSA key
   * transport). Absent: not known (older probes).
   */
  keyExchange: z
    .object({ type: z.string(), group: z.string().nullable(), bits: z.number().int().nullable() })
    .nullable()
    .optional(),
  /**
   * The signature of each certificate of the chain as verified, leaf first: its algorithm as OpenSSL names
   * it ("sha256WithRSAEncryption", "ecdsa-with-SHA1", "rsassaPss", else the dotted OID), the digest signed
   * (null for Ed25519 and unknown algorithms), and whether the certificate issued itself (a root, whose own
   * signature no verifier checks). Judged by weakCertSignatures (values.ts). Absent: not known (older probes).
   */
  chainSignatures: z.array(z.object({ algorithm: z.string(), hash: z.string().nullable(), selfIssued: z.boolean() })).optional(),
  /** With `error: "UNSPECIFIED"` (a verify error neither Node nor mxv names), OpenSSL's words for it. */
  errorText: z.string().optional(),
  /**
   * With a date error (`CERT_HAS_EXPIRED`, `CERT_NOT_YET_VALID`), the certificate it is about, as openssl
   * s_client's "depth=N" names it: 0 the server's own, 1 and up the chain above it (an out-of-date
   * intermediate in the chain file), with its subject and dates. Absent otherwise, and in older probes.
   */
  failedCertificate: z
    .object({
      depth: z.number().int(),
      subject: z.string().nullable(),
      notBefore: z.string().nullable(),
      notAfter: z.string().nullable(),
    })
    .optional(),
});
export type TlsInfo = z.infer<typeof tlsInfoSchema>;

export const hostTimingsSchema = z.object({
  connect: z.number().nullable(),
  banner: z.number().nullable(),
  ehlo: z.number().nullable().optional(),
  tls: z.number().nullable(),
  total: z.number(),
});
export type HostTimings = z.infer<typeof hostTimingsSchema>;

export const hostResultSchema = z.object({
  exchange: z.string(),
  priority: z.number().int(),
  ip: z.string(),
  port: z.number().int(),
  connect: connectStatusSchema,
  banner: smtpReplySchema.nullable(),
  ehlo: ehloSchema.nullable(),
  /**
   * Whether TLS was established. On an implicit-TLS port (tlsMode "implicit")
   * no STARTTLS is sent: "ok"/"failed" is the handshake made first, and `ehlo`
   * is the one EHLO, sent inside TLS.
   */
  starttls: starttlsStatusSchema,
  tls: tlsInfoSchema.nullable(),
  /** EHLO repeated over TLS (RFC 3207 4.2: the server's capabilities may differ). */
  ehloTls: ehloSchema.nullable().optional(),
  timingsMs: hostTimingsSchema,
  /** A short machine-readable reason when something failed. */
  error: z.string().nullable(),
  /** The reply that ended the conversation, when a command after the greeting was refused (see smtpRefusalSchema). */
  refusal: smtpRefusalSchema.nullable().optional(),
  /** True when this host's probe was reused from the host cache rather than made for this domain. */
  cached: z.boolean().optional(),
  /** When the underlying probe was made (differs from checkedAt when cached). */
  probedAt: z.string().optional(),
  // Mail security and reputation (CONTRACT.md): null when not checked.
  tlsMode: tlsModeSchema.default('starttls'),
  dane: hostDaneSchema.nullable().default(null),
  mtaSts: hostMtaStsSchema.nullable().default(null),
  ptr: hostPtrSchema.nullable().default(null),
  dnsbl: z.array(dnsblEntrySchema).nullable().default(null),
  /**
   * Beyond the contract's minimum: present when this host is an RFC 6186 SRV
   * target of the domain's `submission` list rather than a mail exchange
   * (`exchange` is then the SRV target, `priority` its SRV priority). Such
   * hosts never count for the verdict or the five checks.
   */
  service: submissionServiceSchema.shape.service.optional(),
});
export type HostResult = z.infer<typeof hostResultSchema>;

export const mxRecordSchema = z.object({
  exchange: z.string(),
  priority: z.number().int(),
  addresses: z.array(z.string()),
  problems: z.array(mxProblemSchema),
  /** TTL of the MX record itself (seconds); absent for implicit MX. */
  ttl: z.number().int().nullable().optional(),
  /** Shortest TTL among the exchange's A/AAAA answers. */
  addressTtl: z.number().int().nullable().optional(),
  /** Where the exchange's CNAME chain led, when the exchange was an alias. */
  cnameTarget: z.string().nullable().optional(),
  /** DNS status of the A and AAAA questions for this exchange. */
  dns: z.object({ a: dnsStatusSchema, aaaa: dnsStatusSchema }).optional(),
});
export type MxRecord = z.infer<typeof mxRecordSchema>;

export const checksSchema = z.object({
  mxExists: z.boolean(),
  mxResolves: z.boolean(),
  smtpReachable: z.boolean(),
  bannerValid: z.boolean(),
  tlsSupported: z.boolean(),
});
export type Checks = z.infer<typeof checksSchema>;

export const mxSectionSchema = z.object({
  source: mxSourceSchema,
  dns: dnsStatusSchema,
  records: z.array(mxRecordSchema),
  /** The MX answer had more records than were considered (bounded by maxMxRecords). */
  truncated: z.boolean().optional(),
  /** Total MX records in the answer, before the bound. */
  totalRecords: z.number().int().optional(),
  /** DNSSEC state of the MX answer (null: not checked). */
  dnssec: dnssecStatusSchema.nullable().default(null),
  /** Beyond the contract's minimum: why, in the resolver's words (RFC 8914), when it said. */
  dnssecEde: extendedDnsErrorSchema.nullable().optional(),
});
export type MxSection = z.infer<typeof mxSectionSchema>;

export const checkResultSchema = z.object({
  schema: z.literal(RESULT_SCHEMA_VERSION),
  domain: z.string(),
  input: z.string(),
  checkedAt: z.string(),
  durationMs: z.number(),
  verdict: verdictSchema,
  checks: checksSchema,
  mx: mxSectionSchema,
  hosts: z.array(hostResultSchema),
  /** Why the input is invalid, or why DNS failed; null otherwise. */
  error: z.string().nullable().optional(),
  /** Fleet mode: how many times the check ran before this result was stored (transient failures are retried). */
  attempts: z.number().int().min(1).optional(),
  security: securitySectionSchema.default(NO_SECURITY),
  /** RFC 6186 submission services (null: not checked). */
  submission: z.array(submissionServiceSchema).nullable().default(null),
});
export type CheckResult = z.infer<typeof checkResultSchema>;
