import type { CheckResult, HostResult } from '@mxv/schema';
import { describe, expect, it } from 'vitest';
import { resultChanges, type ComparableResult, type FieldChange } from '../src/history/result-changes.js';
import { sampleResult } from './support/sample-result.js';

const AT1 = '2026-01-01T00:00:00.000Z';
const AT2 = '2026-01-02T00:00:00.000Z';
const base = sampleResult('a.test', AT1);
const host0 = base.hosts[0] as HostResult;
const tls = {
  version: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  certValid: true,
  hostnameMatch: true,
  notAfter: '2027-01-01T00:00:00.000Z',
  error: null,
  fingerprintSha256: 'AA:BB',
};
const withTls = (overrides: Partial<typeof tls>): CheckResult => ({
  ...base,
  hosts: [{ ...host0, starttls: 'ok', tls: { ...tls, ...overrides } }],
});
const KEY = 'hosts[mx.a.test 192.0.2.1:25]';

const cases: Array<{ name: string; before: ComparableResult; after: ComparableResult; changes: FieldChange[] }> = [
  { name: 'nothing changed', before: base, after: sampleResult('a.test', AT2), changes: [] },
  {
    name: 'timings, durations and check times are not changes',
    before: base,
    after: {
      ...sampleResult('a.test', AT2, { durationMs: 999 }),
      hosts: [{ ...host0, timingsMs: { connect: 50, banner: 60, tls: null, total: 70 }, cached: true, probedAt: AT2 }],
    },
    changes: [],
  },
  {
    name: 'verdict and the host that stopped answering',
    before: base,
    after: { ...base, verdict: 'unreachable', hosts: [{ ...host0, connect: 'refused', banner: null, ehlo: null }] },
    changes: [
      { path: 'verdict', from: 'ok', to: 'unreachable' },
      { path: `${KEY}.connect`, from: 'ok', to: 'refused' },
      // The greeting went with it: one change of the part as a whole, not a silence (CONTRACT: a field that changed).
      { path: `${KEY}.banner`, from: { code: 220 }, to: null },
    ],
  },
  {
    name: 'greeting code',
    before: base,
    after: { ...base, verdict: 'bad_banner', hosts: [{ ...host0, banner: { code: 554, text: 'go away' } }] },
    changes: [
      { path: 'verdict', from: 'ok', to: 'bad_banner' },
      { path: `${KEY}.banner.code`, from: 220, to: 554 },
    ],
  },
  {
    name: 'banner text alone is not a change',
    before: base,
    after: { ...base, hosts: [{ ...host0, banner: { code: 220, text: 'another greeting' } }] },
    changes: [],
  },
  {
    name: 'MX priority and exchange',
    before: base,
    after: {
      ...base,
      mx: { ...base.mx, records: [{ exchange: 'mx.a.test', priority: 20, addresses: ['192.0.2.1'], problems: [] }] },
    },
    changes: [{ path: 'mx.records', from: ['10 mx.a.test'], to: ['20 mx.a.test'] }],
  },
  {
    name: 'addresses of an exchange, order aside',
    before: { ...base, mx: { ...base.mx, records: [{ ...base.mx.records[0]!, addresses: ['192.0.2.1', '192.0.2.2'] }] } },
    after: { ...base, mx: { ...base.mx, records: [{ ...base.mx.records[0]!, addresses: ['192.0.2.3', '192.0.2.1'] }] } },
    changes: [{ path: 'mx.records[mx.a.test].addresses', from: ['192.0.2.1', '192.0.2.2'], to: ['192.0.2.1', '192.0.2.3'] }],
  },
  {
    name: 'STARTTLS appears: starttls, and TLS as a whole from null (its fields are not listed one by one)',
    before: base,
    after: withTls({}),
    changes: [
      { path: `${KEY}.starttls`, from: 'not_offered', to: 'ok' },
      {
        path: `${KEY}.tls`,
        from: null,
        to: {
          version: 'TLSv1.3',
          fingerprintSha256: 'AA:BB',
          certValid: true,
          hostnameMatch: true,
          notAfter: '2027-01-01T00:00:00.000Z',
        },
      },
    ],
  },
  {
    name: 'TLS goes away: the certificate a watcher follows is said to be gone',
    before: withTls({}),
    after: { ...base, hosts: [{ ...host0, starttls: 'failed', tls: null, error: 'tls_handshake_failed' }] },
    changes: [
      { path: `${KEY}.starttls`, from: 'ok', to: 'failed' },
      {
        path: `${KEY}.tls`,
        from: {
          version: 'TLSv1.3',
          fingerprintSha256: 'AA:BB',
          certValid: true,
          hostnameMatch: true,
          notAfter: '2027-01-01T00:00:00.000Z',
        },
        to: null,
      },
    ],
  },
  {
    name: 'certificate renewed: fingerprint and notAfter',
    before: withTls({}),
    after: withTls({ fingerprintSha256: 'CC:DD', notAfter: '2027-06-01T00:00:00.000Z' }),
    changes: [
      { path: `${KEY}.tls.fingerprintSha256`, from: 'AA:BB', to: 'CC:DD' },
      { path: `${KEY}.tls.notAfter`, from: '2027-01-01T00:00:00.000Z', to: '2027-06-01T00:00:00.000Z' },
    ],
  },
  {
    name: 'TLS version, validity and name match',
    before: withTls({}),
    after: withTls({ version: 'TLSv1.2', certValid: false, hostnameMatch: false }),
    changes: [
      { path: `${KEY}.tls.version`, from: 'TLSv1.3', to: 'TLSv1.2' },
      { path: `${KEY}.tls.certValid`, from: true, to: false },
      { path: `${KEY}.tls.hostnameMatch`, from: true, to: false },
    ],
  },
  {
    name: 'a host appears and one goes away',
    before: base,
    after: { ...base, hosts: [{ ...host0, ip: '192.0.2.9' }] },
    changes: [
      { path: 'hosts[mx.a.test 192.0.2.9:25]', from: null, to: { connect: 'ok', starttls: 'not_offered' } },
      { path: KEY, from: { connect: 'ok', starttls: 'not_offered' }, to: null },
    ],
  },
];

/** The mail security and reputation fields: compared when both results carry them. */
const withSecurity = (security: unknown, hostExtra: Record<string, unknown>, dnssec?: string): ComparableResult => ({
  ...base,
  mx: { ...base.mx, ...(dnssec ? { dnssec } : {}) },
  security,
  hosts: [{ ...host0, ...hostExtra }],
});

/** A result as an mxv from before the mail security and reputation checks stored it: without their fields. */
function withoutSecurityFields(result: CheckResult): ComparableResult {
  const { security: _security, submission: _submission, ...rest } = result;
  const { dnssec: _dnssec, ...mx } = result.mx;
  const hosts = result.hosts.map(
    ({ tlsMode: _tlsMode, dane: _dane, mtaSts: _mtaSts, ptr: _ptr, dnsbl: _dnsbl, ...host }) => host,
  );
  return { ...rest, mx, hosts };
}

cases.push(
  {
    name: 'security and reputation statuses when present',
    before: withSecurity(
      { dane: 'pass', dmarc: { status: 'valid', policy: 'reject' }, spf: { status: 'valid' } },
      { dane: { status: 'pass' }, ptr: { fcrdns: 'pass' }, mtaSts: 'pass', dnsbl: [{ zone: 'bl.test', status: 'not_listed' }] },
      'secure',
    ),
    after: withSecurity(
      { dane: 'fail', dmarc: { status: 'valid', policy: 'none' }, spf: { status: 'valid' } },
      { dane: { status: 'fail' }, ptr: { fcrdns: 'fail' }, mtaSts: null, dnsbl: [{ zone: 'bl.test', status: 'listed' }] },
      'bogus',
    ),
    changes: [
      { path: 'mx.dnssec', from: 'secure', to: 'bogus' },
      { path: 'security.dane', from: 'pass', to: 'fail' },
      { path: 'security.dmarc.policy', from: 'reject', to: 'none' },
      { path: `${KEY}.dane.status`, from: 'pass', to: 'fail' },
      { path: `${KEY}.mtaSts`, from: 'pass', to: null },
      { path: `${KEY}.ptr.fcrdns`, from: 'pass', to: 'fail' },
      { path: `${KEY}.dnsbl[bl.test]`, from: 'not_listed', to: 'listed' },
    ],
  },
  {
    name: 'a field only the newer result carries is not a change (an upgrade of mxv is not news)',
    before: withoutSecurityFields(base),
    after: withSecurity({ dane: 'none' }, { ptr: { fcrdns: 'pass' } }, 'insecure'),
    changes: [],
  },
);

describe('resultChanges', () => {
  it.each(cases)('$name', ({ before, after, changes }) => {
    expect(resultChanges(before, after)).toEqual(changes);
  });
});
