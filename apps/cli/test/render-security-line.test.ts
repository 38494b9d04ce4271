import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import { NO_SECURITY, type CheckResult, type Dmarc } from '@mxv/schema';
import { sampleResult } from '../../../packages/fleet/test/support/sample-result.js';
import { renderSecurityLine } from '../src/output/render-security-line.js';

const plain = pc.createColors(false);

function withSecurity(mx: Partial<CheckResult['mx']>, dane: CheckResult['security']['dane'], hosts: CheckResult['hosts'] = []) {
  const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
  return {
    ...base,
    mx: { ...base.mx, ...mx },
    security: { ...NO_SECURITY, ...base.security, dane },
    hosts: hosts.length > 0 ? hosts : base.hosts,
  };
}

describe('renderSecurityLine', () => {
  it('says nothing when no security check ran', () => {
    expect(renderSecurityLine(withSecurity({ dnssec: null }, null), plain)).toBeNull();
  });

  it('DNSSEC and DANE side by side; bogus with the resolver’s reason', () => {
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'pass'), plain)).toBe('  security  DNSSEC secure · DANE pass');
    expect(renderSecurityLine(withSecurity({ dnssec: 'bogus', dnssecEde: { code: 9, text: null } }, null), plain)).toBe(
      '  security  DNSSEC bogus (DNSKEY missing)',
    );
    expect(renderSecurityLine(withSecurity({ dnssec: 'insecure' }, 'not_applicable'), plain)).toBe(
      '  security  DNSSEC insecure · DANE n/a (TLSA not DNSSEC-secure)',
    );
  });

  it('under an insecure MX, what Postfix 3.6+ makes of the secure TLSA records anyway: a failure names the host', () => {
    const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
    const host = base.hosts[0];
    if (!host) throw new Error('sample has a host');
    const skipped = { status: 'not_applicable' as const, tlsa: [], reason: 'mx_not_secure' };
    const failing = { ...host, dane: { ...skipped, insecureMx: { status: 'fail' as const, reason: 'no_match' } } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'insecure' }, 'not_applicable', [failing]), plain)).toBe(
      `  security  DNSSEC insecure · DANE n/a (MX not DNSSEC-secure); Postfix 3.6+ uses the TLSA anyway: fail (${host.exchange}: no_match)`,
    );
    const passing = { ...host, dane: { ...skipped, insecureMx: { status: 'pass' as const, reason: null } } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'insecure' }, 'not_applicable', [passing]), plain)).toBe(
      '  security  DNSSEC insecure · DANE n/a (MX not DNSSEC-secure); Postfix 3.6+ uses the TLSA anyway: pass',
    );
  });

  it('a DANE failure names the host and the reason', () => {
    const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
    const host = base.hosts[0];
    if (!host) throw new Error('sample has a host');
    const failing = { ...host, dane: { status: 'fail' as const, tlsa: [], reason: 'no_match' } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'fail', [failing]), plain)).toBe(
      `  security  DNSSEC secure · DANE fail (${host.exchange}: no_match)`,
    );
    const unsent = { ...host, dane: { ...failing.dane, hint: 'ta_not_sent' } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'fail', [unsent]), plain)).toBe(
      `  security  DNSSEC secure · DANE fail (${host.exchange}: no_match, ta_not_sent)`,
    );
  });

  it('a pass through a trust anchor the server does not send names the host', () => {
    const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
    const host = base.hosts[0];
    if (!host) throw new Error('sample has a host');
    const passing = { ...host, dane: { status: 'pass' as const, tlsa: [], reason: null } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'pass', [passing]), plain)).toBe(
      '  security  DNSSEC secure · DANE pass',
    );
    const unsent = { ...host, dane: { ...passing.dane, hint: 'ta_not_sent' } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'pass', [unsent]), plain)).toBe(
      `  security  DNSSEC secure · DANE pass (${host.exchange}: ta_not_sent)`,
    );
  });
});

/** A result whose DNSSEC and DANE did not run, with the given policy checks. */
function withPolicies(security: CheckResult['security']): CheckResult {
  const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
  return { ...base, mx: { ...base.mx, dnssec: null }, security };
}

describe('the security line of the check table', () => {
  it('is absent when no policy check ran', () => {
    expect(renderSecurityLine(withPolicies(NO_SECURITY), plain)).toBeNull();
  });

  it('shows each mechanism that ran, compactly', () => {
    const line = renderSecurityLine(
      withPolicies({
        ...NO_SECURITY,
        mtaSts: { status: 'valid', id: '1', mode: 'enforce', mx: [], maxAge: 1, error: null },
        tlsRpt: { status: 'invalid', rua: [], error: 'rua_missing' },
        spf: { status: 'valid', record: 'v=spf1 -all', error: null, lookups: 4 },
        dmarc: { status: 'valid', record: 'v=DMARC1; p=none', policy: 'none', error: null },
      }),
      plain,
    );
    expect(line).toBe('  security  MTA-STS enforce · TLS-RPT invalid (rua_missing) · SPF valid (4 lookups) · DMARC p=none');
  });

  it('SPF: what a host the record does not list gets; +all in red, a neutral ending in yellow', () => {
    const painted = {
      ...plain,
      red: (s: unknown) => `<red>${String(s)}</red>`,
      yellow: (s: unknown) => `<yellow>${String(s)}</yellow>`,
      green: (s: unknown) => `<green>${String(s)}</green>`,
    };
    const line = (otherSenders: 'pass' | 'fail' | 'softfail' | 'neutral' | null) =>
      renderSecurityLine(
        withPolicies({ ...NO_SECURITY, spf: { status: 'valid', record: 'v=spf1 mx', error: null, lookups: 1, otherSenders } }),
        painted,
      );
    expect(line('fail')).toBe('  security  <green>SPF valid (1 lookup, -all)</green>');
    expect(line('softfail')).toBe('  security  <green>SPF valid (1 lookup, ~all)</green>');
    expect(line('neutral')).toBe('  security  <yellow>SPF valid (1 lookup, neutral)</yellow>');
    expect(line('pass')).toBe('  security  <red>SPF valid (1 lookup, +all): anyone passes</red>');
    // A result from before the field: as it was.
    expect(line(null)).toBe('  security  <green>SPF valid (1 lookup)</green>');
  });

  it('DMARC: counts the rua destinations that did not authorize reports (RFC 7489 7.1)', () => {
    const dmarc: Dmarc = {
      status: 'valid',
      record: 'v=DMARC1; p=reject; rua=mailto:r@vendor.example',
      policy: 'reject',
      error: null,
      rua: ['mailto:r@vendor.example'],
      ruaUnauthorized: ['mailto:r@vendor.example'],
    };
    expect(renderSecurityLine(withPolicies({ ...NO_SECURITY, dmarc }), plain)).toBe(
      '  security  DMARC reject (1 rua not authorized)',
    );
  });

  it('says when an invalid DMARC record is still applied as p=none (valid rua)', () => {
    const dmarc = {
      status: 'invalid',
      record: 'v=DMARC1; rua=mailto:d@example.test',
      policy: 'none',
      error: 'policy_missing',
    } as const;
    const line = renderSecurityLine(withPolicies({ ...NO_SECURITY, dmarc }), plain);
    expect(line).toBe('  security  DMARC invalid (policy_missing, applied as p=none)');
  });

  it('a record that could not be looked up is a failed lookup, not an invalid record', () => {
    const line = renderSecurityLine(
      withPolicies({
        ...NO_SECURITY,
        mtaSts: { status: 'invalid', mode: null, mx: [], maxAge: null, id: null, error: 'dns_timeout' },
        tlsRpt: { status: 'invalid', rua: [], error: 'dns_servfail' },
        dmarc: { status: 'invalid', record: null, policy: null, error: 'dns_servfail' },
      }),
      plain,
    );
    expect(line).toBe(
      '  security  MTA-STS lookup failed (TIMEOUT) · TLS-RPT lookup failed (SERVFAIL) · DMARC lookup failed (SERVFAIL)',
    );
    // The MTA-STS check names its TXT lookup's failure txt_dns_<status>: the same words.
    const txt = renderSecurityLine(
      withPolicies({
        ...NO_SECURITY,
        mtaSts: { status: 'invalid', mode: null, mx: [], maxAge: null, id: null, error: 'txt_dns_servfail' },
      }),
      plain,
    );
    expect(txt).toBe('  security  MTA-STS lookup failed (SERVFAIL)');
  });

  it('an SPF record over the lookup limit says by how much', () => {
    const line = renderSecurityLine(
      withPolicies({ ...NO_SECURITY, spf: { status: 'permerror', record: null, error: 'too_many_lookups', lookups: 11 } }),
      plain,
    );
    expect(line).toBe('  security  SPF permerror (too_many_lookups, 11 lookups)');
  });

  it('leaves out what was not asked for', () => {
    const line = renderSecurityLine(
      withPolicies({ ...NO_SECURITY, spf: { status: 'permerror', record: null, error: 'multiple_records', lookups: null } }),
      plain,
    );
    expect(line).toBe('  security  SPF permerror (multiple_records)');
  });
});
