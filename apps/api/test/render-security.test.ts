import { describe, expect, it } from 'vitest';
import { NO_SECURITY, type SecuritySection } from '@mxv/schema';
import { renderSecurity } from '../src/page/render-security.js';
import { renderHostCard } from '../src/page/render-host-card.js';

const XSS = `<script>alert(1)</script>"'`;

function page(security: Partial<SecuritySection>): string {
  return String(renderSecurity({ security: { ...NO_SECURITY, ...security } }));
}

describe('the Mail security section', () => {
  it('is absent when no policy check ran', () => {
    expect(page({})).toBe('');
  });

  it('has one row per mechanism checked, with its status and what it says', () => {
    const out = page({
      mtaSts: { status: 'valid', id: '2026', mode: 'enforce', mx: ['mx.example.test'], maxAge: 86400, error: null },
      tlsRpt: { status: 'none', rua: [], error: null },
      spf: { status: 'valid', record: 'v=spf1 mx -all', error: null, lookups: 1 },
      dmarc: { status: 'valid', record: 'v=DMARC1; p=reject', policy: 'reject', error: null, foundAt: '_dmarc.example.test' },
    });
    for (const key of ['mta-sts', 'tls-rpt', 'spf', 'dmarc']) expect(out).toContain(`data-security="${key}"`);
    expect(out).toContain('valid, enforce');
    expect(out).toContain('1 of 10 DNS lookups');
    expect(out).toContain('valid, p=reject');
    expect(out).toContain('nobody receives TLS failure reports');
  });

  it('explains failures in plain words, and escapes what came from DNS', () => {
    const out = page({
      mtaSts: { status: 'invalid', id: '1', mode: null, mx: [], maxAge: null, error: 'fetch_http_404' },
      spf: { status: 'permerror', record: `v=spf1 ${XSS}`, error: 'too_many_lookups', lookups: 12 },
      dmarc: { status: 'invalid', record: `v=DMARC1; p=${XSS}`, policy: null, error: 'policy_invalid' },
    });
    expect(out).toContain('answered HTTP 404 instead of 200');
    expect(out).toContain('more than 10 DNS lookups');
    expect(out).toContain('p= must be none, quarantine or reject');
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
  });

  it('host cards say whether the host passes the MTA-STS policy', () => {
    const host = {
      exchange: 'mx.example.test',
      priority: 10,
      ip: '192.0.2.1',
      port: 25,
      connect: 'ok' as const,
      banner: null,
      ehlo: null,
      starttls: 'ok' as const,
      tls: null,
      timingsMs: { connect: 1, banner: null, tls: null, total: 1 },
      error: null,
      tlsMode: null,
      dane: null,
      ptr: null,
      dnsbl: null,
    };
    expect(String(renderHostCard({ ...host, mtaSts: 'pass' }, Date.now()))).toContain('in the policy, certificate valid');
    expect(String(renderHostCard({ ...host, mtaSts: 'fail' }, Date.now()))).toContain('not in the policy');
    expect(String(renderHostCard({ ...host, mtaSts: null }, Date.now()))).not.toContain('MTA-STS');
  });
});
