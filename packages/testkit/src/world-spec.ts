import type { Checks, ConnectStatus, DnsStatus, MxProblem, MxSource, StarttlsStatus, Verdict } from '@mxv/schema';
import type { ZoneRecord } from './dns-records.js';
import type { DnsBehaviour } from './dns-zone.js';
import type { PolicyServerBehaviour } from './https-policy-server.js';
import type { SmtpBehaviour, SmtpBehaviourKind } from './smtp-behaviours.js';

/** A record of the world's DNS; `{ type: 'A', host }` stands for the loopback address given to that host. */
export type WorldRecord = ZoneRecord | { type: 'A'; host: string; ttl?: number };

export interface WorldCertSpec {
  /** DNS names (and/or IPs) in the certificate. */
  names: string[];
  /** valid (default), expired, not yet valid, or self-signed (untrusted). */
  variant?: 'valid' | 'expired' | 'not_yet_valid' | 'self_signed';
  intermediates?: number;
}

export interface WorldHostSpec {
  /** How records refer to this host. */
  id: string;
  behaviour: SmtpBehaviour | SmtpBehaviourKind;
  /** Name in greeting and EHLO. */
  hostname?: string;
  /** STARTTLS certificate, issued by the world's CA. Identical specs share one certificate. */
  cert?: WorldCertSpec;
  greetingDelayMs?: number;
  replyDelayMs?: number;
  /** The host gets an address but nothing listens there: connections are refused. */
  refused?: boolean;
}

/** An HTTPS host of the world (an MTA-STS policy host, `mta-sts.<domain>`), addressed by records like an SMTP host. */
export interface WorldPolicyServerSpec {
  /** How records refer to it (`{ type: 'A', host: id }`); unique among hosts and policy servers. */
  id: string;
  /** Its certificate, issued by the world's CA. */
  cert: WorldCertSpec;
  behaviour: PolicyServerBehaviour;
}

/** What the engine should report for one host of a domain (fields left out are not checked). */
export interface HostExpectation {
  exchange?: string;
  connect?: ConnectStatus;
  /** null: no greeting at all. */
  bannerCode?: number | null;
  ehloCommand?: 'EHLO' | 'HELO';
  starttls?: StarttlsStatus;
  certValid?: boolean;
  hostnameMatch?: boolean;
  mtaSts?: 'pass' | 'fail' | null;
}

/** What the engine should say about a domain; tests and `mxv demo` compare against it. */
export interface DomainExpectation {
  verdict: Verdict;
  mxSource?: MxSource;
  mxDns?: DnsStatus;
  checks?: Partial<Checks>;
  /** Problems that must appear on some MX record. */
  problems?: MxProblem[];
  /** Security statuses the result must show (`null`: not checked); fields left out are not checked. */
  security?: {
    mtaSts?: 'none' | 'valid' | 'invalid';
    /** The MTA-STS error, when invalid. */
    mtaStsError?: string;
    tlsRpt?: 'none' | 'valid' | 'invalid';
    spf?: 'none' | 'valid' | 'permerror' | 'temperror';
    spfError?: string;
    dmarc?: 'none' | 'valid' | 'invalid';
  };
  /** Matched in order against the result's hosts (which are in priority order). */
  hosts?: HostExpectation[];
}

export interface WorldDomainSpec {
  /** What is given to the engine (usually a domain; an invalid string for the `invalid` verdict). */
  name: string;
  /** One line for people: what this domain shows. */
  description?: string;
  expect?: DomainExpectation;
}

export interface WorldSpec {
  /** "127.A" (254 × 254 addresses) or "127.A.B" (254); random "127.A" by default. */
  ipBlock?: string;
  /** Fixed port for every SMTP host; default a random free one. */
  smtpPort?: number;
  /** Fixed DNS port (UDP and TCP); default a free one. */
  dnsPort?: number;
  /** Zones the resolver serves; default: the last label of every name, plus test/example/invalid. */
  zones?: string[];
  hosts: WorldHostSpec[];
  /** HTTPS policy hosts; they take addresses after the SMTP hosts and share one port (the world's httpsPort). */
  policyServers?: WorldPolicyServerSpec[];
  records: Record<string, WorldRecord[]>;
  dnsBehaviours?: Record<string, DnsBehaviour>;
  domains: WorldDomainSpec[];
}
