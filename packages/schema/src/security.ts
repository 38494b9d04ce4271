import { z } from 'zod';

/*
 * The mail security and reputation fields of a result (CONTRACT.md, "Mail
 * security and reputation"). Every result carries them: a check that was not
 * asked for (--checks) or could not apply is null, never omitted. Results
 * stored by an older mxv lack them; they parse as null ("not checked").
 */

/** The names `--checks` accepts, in the contract's order. */
export const checkNameSchema = z.enum(['dnssec', 'dane', 'mta-sts', 'tls-rpt', 'spf', 'dmarc', 'ptr', 'dnsbl', 'submission']);
export type CheckName = z.infer<typeof checkNameSchema>;

/** DNSSEC state of an answer, read from a validating resolver (AD bit), never validated by mxv itself. */
export const dnssecStatusSchema = z.enum(['secure', 'insecure', 'bogus', 'unknown']);
export type DnssecStatus = z.infer<typeof dnssecStatusSchema>;

/**
 * Beyond the contract's minimum: the resolver's Extended DNS Error (RFC 8914)
 * about a DNSSEC answer, which says why it is bogus (7: signature expired,
 * 9: DNSKEY missing, 10: RRSIGs missing, ...). `text` is the resolver's own words.
 */
export const extendedDnsErrorSchema = z.object({
  code: z.number().int().min(0).max(65_535),
  text: z.string().nullable(),
});
export type ExtendedDnsError = z.infer<typeof extendedDnsErrorSchema>;

/** How TLS starts on a port: STARTTLS after EHLO, or a TLS handshake first (RFC 8314, port 465). */
export const tlsModeSchema = z.enum(['starttls', 'implicit']);
export type TlsMode = z.infer<typeof tlsModeSchema>;

export const tlsaRecordSchema = z.object({
  usage: z.number().int().min(0).max(255),
  selector: z.number().int().min(0).max(255),
  matchingType: z.number().int().min(0).max(255),
  /** The certificate association data, lower-case hex. */
  data: z.string(),
});
export type TlsaRecord = z.infer<typeof tlsaRecordSchema>;

export const hostDaneStatusSchema = z.enum(['pass', 'fail', 'none', 'not_applicable', 'dns_error']);
export const daneFailReasonSchema = z.enum(['no_starttls', 'tls_failed', 'no_match', 'unusable_records']);
export const hostDaneSchema = z.object({
  status: hostDaneStatusSchema,
  tlsa: z.array(tlsaRecordSchema),
  /** Why it failed (or, beyond the contract's minimum, why it does not apply); null when it passed. */
  reason: z.string().nullable(),
  // Beyond the contract's minimum:
  /** The TLSA owner name asked: `_<port>._tcp.<exchange>` (RFC 7672 2.2.3). */
  name: z.string().optional(),
  /** The record that authenticated the server, when it passed. */
  matched: tlsaRecordSchema.nullable().optional(),
  /** TLSA records in the answer beyond those listed (bounded by maxTlsaRecords). */
  omitted: z.number().int().optional(),
  /**
   * With `no_match`, what would have matched: `ta_not_sent` when a DANE-TA digest names a
   * certificate the server leaves out of its chain (RFC 7671 5.2.2 wants it sent);
   * `weak_signature` when a DANE-TA record names a certificate of the chain but one below it
   * is signed over SHA-1 or MD5, which OpenSSL's verification, and Postfix's, refuses. With
   * `pass`, `ta_not_sent` when the trust anchor that matched is one the server leaves out,
   * supplied by a `2 x 0` record whole (RFC 7672 3.1.2 asks SMTP servers to send it).
   */
  hint: z.string().optional(),
  /**
   * With `not_applicable` / `mx_not_secure` only, when the exchange's addresses and its TLSA records are
   * secure: the check as Postfix 3.6 and later make it anyway at their `dane` level
   * (`smtp_tls_dane_insecure_mx_policy = dane`, its default there): `fail` means those senders defer mail
   * to this host.
   */
  insecureMx: z
    .object({
      status: z.enum(['pass', 'fail']),
      reason: z.string().nullable(),
      matched: tlsaRecordSchema.nullable().optional(),
      hint: z.string().optional(),
    })
    .optional(),
});
export type HostDane = z.infer<typeof hostDaneSchema>;

/** Per host: the exchange matches the MTA-STS policy and its TLS is PKIX-valid for the name. */
export const hostMtaStsSchema = z.enum(['pass', 'fail']);

export const fcrdnsStatusSchema = z.enum(['pass', 'fail', 'none', 'dns_error']);
export const hostPtrSchema = z.object({
  names: z.array(z.string()),
  fcrdns: fcrdnsStatusSchema,
});
export type HostPtr = z.infer<typeof hostPtrSchema>;

export const dnsblStatusSchema = z.enum(['listed', 'not_listed', 'error']);
export const dnsblEntrySchema = z.object({
  zone: z.string(),
  status: dnsblStatusSchema,
  codes: z.array(z.string()),
  reason: z.string().nullable(),
});
export type DnsblEntry = z.infer<typeof dnsblEntrySchema>;

export const securityDaneSchema = z.enum(['pass', 'fail', 'none', 'not_applicable']);

export const mtaStsModeSchema = z.enum(['enforce', 'testing', 'none']);
export const mtaStsSchema = z.object({
  status: z.enum(['none', 'valid', 'invalid']),
  id: z.string().nullable(),
  mode: mtaStsModeSchema.nullable(),
  mx: z.array(z.string()),
  maxAge: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type MtaSts = z.infer<typeof mtaStsSchema>;

export const tlsRptSchema = z.object({
  status: z.enum(['none', 'valid', 'invalid']),
  rua: z.array(z.string()),
  error: z.string().nullable(),
});
export type TlsRpt = z.infer<typeof tlsRptSchema>;

export const spfSchema = z.object({
  status: z.enum(['none', 'valid', 'permerror', 'temperror']),
  record: z.string().nullable(),
  error: z.string().nullable(),
  /** DNS lookups the record needs (RFC 7208 4.6.4 allows 10); beyond the contract's minimum. */
  lookups: z.number().int().nullable().optional(),
  /**
   * Beyond the contract's minimum: what SPF says of a host the record does not list (a forger's), from
   * the term where its evaluation ends (`-all` fail, `~all` softfail, `?all` or no `all` neutral, `+all`
   * or any term every sender matches pass); null when it cannot be told or the record is not valid.
   */
  otherSenders: z.enum(['pass', 'fail', 'softfail', 'neutral']).nullable().optional(),
});
export type Spf = z.infer<typeof spfSchema>;

export const dmarcSchema = z.object({
  status: z.enum(['none', 'valid', 'invalid']),
  record: z.string().nullable(),
  policy: z.string().nullable(),
  error: z.string().nullable(),
  // Beyond the contract's minimum, when the record has them.
  subdomainPolicy: z.string().nullable().optional(),
  pct: z.number().int().nullable().optional(),
  rua: z.array(z.string()).optional(),
  /**
   * Beyond the contract: rua URIs outside the domain's organization whose destination does not say it takes
   * this domain's reports (no `v=DMARC1` TXT at `<domain>._report._dmarc.<destination>`, RFC 7489 7.1), so
   * receivers send them nothing. Absent when there is none.
   */
  ruaUnauthorized: z.array(z.string()).optional(),
  /** The name the record was found at: `_dmarc.<domain>` or the organizational domain's. */
  foundAt: z.string().nullable().optional(),
});
export type Dmarc = z.infer<typeof dmarcSchema>;

export const securitySectionSchema = z.object({
  dane: securityDaneSchema.nullable().default(null),
  mtaSts: mtaStsSchema.nullable().default(null),
  tlsRpt: tlsRptSchema.nullable().default(null),
  spf: spfSchema.nullable().default(null),
  dmarc: dmarcSchema.nullable().default(null),
});
export type SecuritySection = z.infer<typeof securitySectionSchema>;

export const submissionServiceSchema = z.object({
  service: z.enum(['submission', 'submissions']),
  target: z.string(),
  port: z.number().int(),
  priority: z.number().int(),
  weight: z.number().int(),
});
export type SubmissionService = z.infer<typeof submissionServiceSchema>;
