import { NO_SECURITY, type CheckResult, type HostResult, type TlsInfo } from '@mxv/schema';
import type { HostProbe } from '@mxv/probe';

/** A TLS 1.2 session with a valid certificate for the exchange, for a host that did STARTTLS. */
export function sampleTls(overrides: Partial<TlsInfo> = {}): TlsInfo {
  return {
    version: 'TLSv1.2',
    cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    certValid: true,
    hostnameMatch: true,
    notAfter: '2027-01-01T00:00:00.000Z',
    error: null,
    ...overrides,
  };
}

/** A complete, schema-valid result for store and worker tests. */
export function sampleResult(domain: string, checkedAt: string, overrides: Partial<CheckResult> = {}): CheckResult {
  const host: HostResult = {
    exchange: `mx.${domain}`,
    priority: 10,
    ip: '192.0.2.1',
    port: 25,
    connect: 'ok',
    banner: { code: 220, text: 'mx ESMTP' },
    ehlo: { code: 250, extensions: ['PIPELINING'] },
    starttls: 'not_offered',
    tls: null,
    timingsMs: { connect: 1, banner: 2, tls: null, total: 3 },
    error: null,
    tlsMode: 'starttls',
    dane: null,
    mtaSts: null,
    ptr: null,
    dnsbl: null,
  };
  return {
    schema: 1,
    domain,
    input: domain,
    checkedAt,
    durationMs: 5,
    verdict: 'ok',
    checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: false },
    mx: {
      source: 'mx',
      dns: 'NOERROR',
      records: [{ exchange: `mx.${domain}`, priority: 10, addresses: ['192.0.2.1'], problems: [] }],
      dnssec: null,
    },
    hosts: [host],
    error: null,
    security: { ...NO_SECURITY },
    submission: null,
    ...overrides,
  };
}

/** One complete host of a result (every contract field, security and reputation null), for rendering tests. */
export function sampleHost(domain: string, overrides: Partial<HostResult> = {}): HostResult {
  return {
    exchange: `mx.${domain}`,
    priority: 10,
    ip: '192.0.2.1',
    port: 25,
    connect: 'ok',
    banner: { code: 220, text: 'mx ESMTP' },
    ehlo: { code: 250, extensions: ['PIPELINING'] },
    starttls: 'ok',
    tls: null,
    timingsMs: { connect: 1, banner: 2, tls: 3, total: 9 },
    error: null,
    tlsMode: 'starttls',
    dane: null,
    mtaSts: null,
    ptr: null,
    dnsbl: null,
    ...overrides,
  };
}

export function sampleProbe(ip: string, overrides: Partial<HostProbe> = {}): HostProbe {
  return {
    ip,
    port: 25,
    connect: 'ok',
    banner: { code: 220, text: 'mx ESMTP' },
    ehlo: { code: 250, extensions: [] },
    starttls: 'not_offered',
    tls: null,
    timingsMs: { connect: 1, banner: 1, tls: null, total: 2 },
    error: null,
    probedAt: new Date().toISOString(),
    certIdentity: null,
    probedAs: 'mx.example.test',
    tlsMode: 'starttls',
    dane: null,
    ptr: null,
    dnsbl: null,
    chainDigests: null,
    ...overrides,
  };
}
