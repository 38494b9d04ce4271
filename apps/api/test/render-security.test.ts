import { describe, expect, it } from 'vitest';
import { checkResultSchema, type CheckResult } from '@mxv/schema';
import { sampleResult } from '../../../packages/fleet/test/support/sample-result.js';
import { renderDomainMain } from '../src/page/render-domain-page.js';

const XSS = `<script>alert(1)</script>`;

function page(result: CheckResult): string {
  return renderDomainMain({ domain: result.domain, result, nonce: 'n', now: Date.now(), queued: null }).value;
}

function withSecurity(over: (base: CheckResult) => CheckResult): CheckResult {
  // Parsed as the store and the API read it: fields an older result lacks get their defaults.
  return over(checkResultSchema.parse(sampleResult('a.test', new Date().toISOString())));
}

describe('lookup page: Mail security', () => {
  it('no security check ran: no section', () => {
    expect(page(withSecurity((r) => r))).not.toContain('Mail security');
  });

  it('a bogus MX answer says why, in the resolver’s words, escaped', () => {
    const html = page(
      withSecurity((r) => ({
        ...r,
        verdict: 'dns_error',
        mx: { ...r.mx, dnssec: 'bogus', dnssecEde: { code: 7, text: XSS } },
      })),
    );
    expect(html).toContain('Mail security');
    expect(html).toMatch(/<span class="tag bad">bogus<\/span>/);
    expect(html).toContain('signature expired: &lt;script&gt;');
    expect(html).not.toContain(XSS);
  });

  it('a DANE failure is explained on the domain and in the host card, with its TLSA records', () => {
    const html = page(
      withSecurity((r) => {
        const host = r.hosts[0];
        if (!host) throw new Error('sample has a host');
        return {
          ...r,
          mx: { ...r.mx, dnssec: 'secure' },
          security: { ...r.security, dane: 'fail' },
          hosts: [
            {
              ...host,
              dane: {
                status: 'fail',
                reason: 'no_match',
                tlsa: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
              },
            },
          ],
        };
      }),
    );
    expect(html).toMatch(/DANE \(TLSA\)<\/dt>\s*<dd[^>]*><span class="tag bad">fail<\/span>/);
    expect(html).toContain('No TLSA record matches the certificate');
    expect(html).toContain('<dt>DANE</dt>');
    expect(html).toContain('3 1 1 abababababababababababab…');
  });
});
