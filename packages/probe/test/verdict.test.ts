import { describe, expect, it } from 'vitest';
import type { HostResult, MxSection, Verdict } from '@mxv/schema';
import { computeChecks, computeVerdict, isTransientResult } from '../src/engine/verdict.js';

const record = (addresses: string[]) => ({ exchange: 'mx.a.test', priority: 10, addresses, problems: [] });
const host = (over: Partial<HostResult>): HostResult => ({
  exchange: 'mx.a.test',
  priority: 10,
  ip: '192.0.2.1',
  port: 25,
  connect: 'ok',
  banner: { code: 220, text: 'hi' },
  ehlo: null,
  starttls: 'not_offered',
  tls: null,
  timingsMs: { connect: 1, banner: 1, tls: null, total: 2 },
  error: null,
  tlsMode: 'starttls',
  dane: null,
  mtaSts: null,
  ptr: null,
  dnsbl: null,
  ...over,
});

describe('computeVerdict (CONTRACT table, first match wins)', () => {
  const cases: Array<[string, MxSection, HostResult[], string]> = [
    ['NXDOMAIN', { source: 'none', dns: 'NXDOMAIN', records: [], dnssec: null }, [], 'nxdomain'],
    ['SERVFAIL', { source: 'none', dns: 'SERVFAIL', records: [], dnssec: null }, [], 'dns_error'],
    ['TIMEOUT', { source: 'none', dns: 'TIMEOUT', records: [], dnssec: null }, [], 'dns_error'],
    ['REFUSED', { source: 'none', dns: 'REFUSED', records: [], dnssec: null }, [], 'dns_error'],
    [
      'null MX',
      { source: 'null', dns: 'NOERROR', records: [{ exchange: '.', priority: 0, addresses: [], problems: [] }], dnssec: null },
      [],
      'null_mx',
    ],
    ['no MX no A', { source: 'none', dns: 'NODATA', records: [], dnssec: null }, [], 'no_mail_host'],
    ['MX without addresses', { source: 'mx', dns: 'NOERROR', records: [record([])], dnssec: null }, [], 'unresolvable'],
    [
      'refused everywhere',
      { source: 'mx', dns: 'NOERROR', records: [record(['192.0.2.1'])], dnssec: null },
      [host({ connect: 'refused', banner: null })],
      'unreachable',
    ],
    [
      'all blocked',
      { source: 'mx', dns: 'NOERROR', records: [record(['127.0.0.1'])], dnssec: null },
      [host({ connect: 'blocked', banner: null })],
      'unreachable',
    ],
    [
      '554 greeting',
      { source: 'mx', dns: 'NOERROR', records: [record(['192.0.2.1'])], dnssec: null },
      [host({ banner: { code: 554, text: 'no' } })],
      'bad_banner',
    ],
    [
      'one good of two',
      { source: 'mx', dns: 'NOERROR', records: [record(['192.0.2.1', '192.0.2.2'])], dnssec: null },
      [host({ connect: 'timeout', banner: null }), host({})],
      'ok',
    ],
    ['implicit MX ok', { source: 'implicit', dns: 'NODATA', records: [record(['192.0.2.1'])], dnssec: null }, [host({})], 'ok'],
  ];
  it.each(cases)('%s', (_name, mx, hosts, verdict) => {
    expect(computeVerdict(mx, computeChecks(mx, hosts))).toBe(verdict);
  });
});

describe('computeChecks', () => {
  it('counts a null MX as existing and an implicit MX as not', () => {
    expect(computeChecks({ source: 'null', dns: 'NOERROR', records: [] }, []).mxExists).toBe(true);
    expect(computeChecks({ source: 'implicit', dns: 'NODATA', records: [record(['192.0.2.1'])] }, []).mxExists).toBe(false);
  });
  it('needs a completed handshake for tlsSupported, a 220 for bannerValid', () => {
    const mx: MxSection = { source: 'mx', dns: 'NOERROR', records: [record(['192.0.2.1'])], dnssec: null };
    const checks = computeChecks(mx, [host({ starttls: 'failed', banner: { code: 421, text: 'busy' } })]);
    expect(checks).toEqual({ mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: false, tlsSupported: false });
  });
});

describe('isTransientResult', () => {
  const mx: MxSection = { source: 'mx', dns: 'NOERROR', records: [record(['192.0.2.1'])], dnssec: null };
  const resultOf = (hosts: HostResult[], verdict: Verdict) => ({
    verdict,
    hosts,
    checks: computeChecks(mx, hosts),
    mx,
    error: null,
  });
  it.each<[string, HostResult[], Verdict, boolean]>([
    ['silent server (greeting timeout)', [host({ banner: null, error: 'greeting_timeout' })], 'bad_banner', true],
    ['421 greeting', [host({ banner: { code: 421, text: 'busy' }, error: 'greeting_tempfail' })], 'bad_banner', true],
    ['connect timeout', [host({ connect: 'timeout', banner: null, error: 'connect_timeout' })], 'unreachable', true],
    ['554 greeting', [host({ banner: { code: 554, text: 'no' }, error: 'greeting_rejected' })], 'bad_banner', false],
    ['refused', [host({ connect: 'refused', banner: null, error: 'connect_refused' })], 'unreachable', false],
    // A proxy failure says nothing final about the host: retried, never stored as final (issue 11).
    ['proxy down', [host({ connect: 'error', banner: null, error: 'proxy_unreachable' })], 'unreachable', true],
    ['proxy refused the CONNECT', [host({ connect: 'error', banner: null, error: 'proxy_refused:5' })], 'unreachable', true],
    ['proxy wants credentials', [host({ connect: 'error', banner: null, error: 'proxy_auth_failed' })], 'unreachable', true],
    ['ok without TLS because of a TLS timeout', [host({ starttls: 'failed', error: 'tls_timeout' })], 'ok', true],
    ['ok without TLS because STARTTLS got 454', [host({ starttls: 'failed', error: 'starttls_tempfail' })], 'ok', true],
    ['ok without TLS because STARTTLS got 502', [host({ starttls: 'failed', error: 'starttls_rejected' })], 'ok', false],
    ['ok without STARTTLS offered', [host({})], 'ok', false],
    [
      'ok with TLS, another host timed out',
      [host({ starttls: 'ok' }), host({ connect: 'timeout', banner: null, error: 'connect_timeout' })],
      'ok',
      false,
    ],
  ])('%s → %s', (_name, hosts, verdict, transient) => {
    expect(isTransientResult(resultOf(hosts, verdict))).toBe(transient);
  });
  it('always retries a DNS failure', () => {
    expect(isTransientResult({ verdict: 'dns_error', hosts: [], checks: computeChecks(mx, []), mx, error: null })).toBe(true);
  });
  it('retries "unresolvable" when the address lookups failed, not when they said there is no address', () => {
    const failed: MxSection = {
      source: 'mx',
      dns: 'NOERROR',
      records: [{ ...record([]), problems: ['dns_error', 'no_address'] }],
      dnssec: null,
    };
    const empty: MxSection = {
      source: 'mx',
      dns: 'NOERROR',
      records: [{ ...record([]), problems: ['no_address'] }],
      dnssec: null,
    };
    expect(
      isTransientResult({ verdict: 'unresolvable', hosts: [], checks: computeChecks(failed, []), mx: failed, error: null }),
    ).toBe(true);
    expect(
      isTransientResult({ verdict: 'unresolvable', hosts: [], checks: computeChecks(empty, []), mx: empty, error: null }),
    ).toBe(false);
  });
  it('retries "no mail host" when the implicit A/AAAA lookups failed', () => {
    const none: MxSection = { source: 'none', dns: 'NODATA', records: [], dnssec: null };
    const checks = computeChecks(none, []);
    expect(isTransientResult({ verdict: 'no_mail_host', hosts: [], checks, mx: none, error: 'implicit_lookup_failed' })).toBe(
      true,
    );
    expect(isTransientResult({ verdict: 'no_mail_host', hosts: [], checks, mx: none, error: null })).toBe(false);
  });
});
