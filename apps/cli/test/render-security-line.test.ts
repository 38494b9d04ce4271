import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import type { CheckResult } from '@mxv/schema';
import { sampleResult } from '../../../packages/fleet/test/support/sample-result.js';
import { renderSecurityLine } from '../src/output/render-security-line.js';

const plain = pc.createColors(false);

function withSecurity(mx: Partial<CheckResult['mx']>, dane: CheckResult['security']['dane'], hosts: CheckResult['hosts'] = []) {
  const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
  return {
    ...base,
    mx: { ...base.mx, ...mx },
    security: { ...base.security, dane },
    hosts: hosts.length > 0 ? hosts : base.hosts,
  };
}

describe('renderSecurityLine', () => {
  it('says nothing when no security check ran', () => {
    expect(renderSecurityLine(withSecurity({ dnssec: null }, null), plain)).toBeNull();
  });

  it('DNSSEC and DANE side by side; bogus with the resolver’s reason', () => {
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'pass'), plain)).toBe('  DNSSEC secure · DANE pass');
    expect(renderSecurityLine(withSecurity({ dnssec: 'bogus', dnssecEde: { code: 9, text: null } }, null), plain)).toBe(
      '  DNSSEC bogus (DNSKEY missing)',
    );
    expect(renderSecurityLine(withSecurity({ dnssec: 'insecure' }, 'not_applicable'), plain)).toBe(
      '  DNSSEC insecure · DANE n/a (TLSA not DNSSEC-secure)',
    );
  });

  it('a DANE failure names the host and the reason', () => {
    const base = sampleResult('a.test', '2026-11-30T00:00:00.000Z');
    const host = base.hosts[0];
    if (!host) throw new Error('sample has a host');
    const failing = { ...host, dane: { status: 'fail' as const, tlsa: [], reason: 'no_match' } };
    expect(renderSecurityLine(withSecurity({ dnssec: 'secure' }, 'fail', [failing]), plain)).toBe(
      `  DNSSEC secure · DANE fail (${host.exchange}: no_match)`,
    );
  });
});
