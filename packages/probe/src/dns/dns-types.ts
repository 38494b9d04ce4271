import type { DnsStatus } from '@mxv/schema';

export type DnsQuestionType = 'MX' | 'A' | 'AAAA' | 'CNAME' | 'TLSA' | 'TXT' | 'SRV' | 'SOA' | 'PTR';

/** One resource record from an answer section, decoded into what the engine uses. */
export type DnsRecord =
  | { type: 'MX'; name: string; ttl: number; priority: number; exchange: string }
  | { type: 'A'; name: string; ttl: number; address: string }
  | { type: 'AAAA'; name: string; ttl: number; address: string }
  | { type: 'CNAME'; name: string; ttl: number; target: string }
  | { type: 'TXT'; name: string; ttl: number; text: string }
  /** RFC 1035 3.3.12: the name an address (as an in-addr.arpa / ip6.arpa owner) points to. */
  | { type: 'PTR'; name: string; ttl: number; target: string }
  | {
      type: 'TLSA';
      name: string;
      ttl: number;
      usage: number;
      selector: number;
      matchingType: number;
      /** Hex of the certificate association data. */
      data: string;
    }
  /** RFC 1035 3.3.13: a zone's start of authority; `primary` is its MNAME, the zone's primary name server. */
  | { type: 'SOA'; name: string; ttl: number; primary: string }
  /** RFC 2782; `target` "" is the root ".": the service is decidedly not offered. */
  | { type: 'SRV'; name: string; ttl: number; priority: number; weight: number; port: number; target: string }
  | { type: 'OTHER'; name: string; ttl: number; rrtype: string };

/**
 * The answer to one question, as data. `status` keeps apart what a sending MTA
 * must keep apart: NXDOMAIN (name does not exist), NODATA (name exists, no record
 * of this type), SERVFAIL, TIMEOUT (no resolver answered in time) and REFUSED.
 * Rcodes outside that vocabulary (FORMERR, NOTIMP, ...) map to SERVFAIL with the
 * rcode kept in `error`.
 */
export interface DnsAnswer {
  status: DnsStatus;
  /** Answer-section records (CNAMEs of the chain included), names lower case without trailing dot. */
  records: DnsRecord[];
  /** The AD bit of the response (RFC 4035 3.2.3); meaningful only from a validating resolver. */
  authenticated: boolean;
  /**
   * The RA bit of the response (RFC 1035 4.1.1): false from a server that only answers for its own zones
   * (an authoritative server given as the resolver), and when no server answered. Absent from answers
   * made by other resolvers than the stub (tests, caches of an older shape).
   */
  recursionAvailable?: boolean;
  /** The UDP answer had TC set and the question was asked again over TCP. */
  usedTcp: boolean;
  /** "host:port" of the resolver that gave this answer, null when none did. */
  server: string | null;
  elapsedMs: number;
  /** Short machine-readable detail: "rcode_FORMERR", "timeout", "tcp_failed", ... or null. */
  error: string | null;
  /** The resolver's Extended DNS Error (RFC 8914), when it sent one: why it failed (or answered as it did). */
  ede?: DnsExtendedError | null;
}

/** RFC 8914 2: an INFO-CODE (6: DNSSEC Bogus, 7: Signature Expired, 9: DNSKEY Missing, ...) and optional text. */
export interface DnsExtendedError {
  code: number;
  text: string | null;
}

export interface DnsQueryOptions {
  /**
   * Ask with CD=1 (RFC 4035 3.2.2): the resolver answers without validating.
   * Asked only after a SERVFAIL, to tell a DNSSEC-bogus answer from a broken zone.
   */
  checkingDisabled?: boolean;
}

export interface DnsResolver {
  query(name: string, type: DnsQuestionType, signal?: AbortSignal, options?: DnsQueryOptions): Promise<DnsAnswer>;
}

export interface DnsServerAddress {
  host: string;
  port: number;
}
