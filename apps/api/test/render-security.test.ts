import { describe, expect, it } from 'vitest';
import { checkResultSchema, NO_SECURITY, type CheckResult, type HostResult, type SecuritySection } from '@mxv/schema';
import { sampleResult } from '../../../packages/fleet/test/support/sample-result.js';
import { renderDomainMain } from '../src/page/render-domain-page.js';
import { renderSecurity } from '../src/page/render-security.js';
import { renderHostCard } from '../src/page/render-host-card.js';

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
    expect(html).toMatch(/<td>DANE \(TLSA\)<\/td>\s*<td><span class="tag bad">fail<\/span>/);
    expect(html).toContain('No TLSA record matches the certificate');
    expect(html).toContain('<dt>DANE</dt>');
    expect(html).toContain('3 1 1 abababababababababababab…');
  });

  it('under an insecure MX: not applicable by RFC 7672, and what Postfix 3.6+ makes of the secure TLSA records anyway', () => {
    const withApplied = (insecureMx: { status: 'pass' | 'fail'; reason: string | null }) =>
      page(
        withSecurity((r) => {
          const host = r.hosts[0];
          if (!host) throw new Error('sample has a host');
          return {
            ...r,
            mx: { ...r.mx, dnssec: 'insecure' },
            security: { ...r.security, dane: 'not_applicable' },
            hosts: [{ ...host, dane: { status: 'not_applicable', reason: 'mx_not_secure', tlsa: [], insecureMx } }],
          };
        }),
      ).replace(/\s+/g, ' ');
    const failed = withApplied({ status: 'fail', reason: 'no_match' });
    expect(failed).toMatch(/<td>DANE \(TLSA\)<\/td> <td><span class="tag bad">not applicable, Postfix fails it<\/span>/);
    expect(failed).toContain('Postfix 3.6 and later use such records anyway at their DANE level');
    expect(failed).toContain('No TLSA record matches the certificate');
    expect(failed).toContain('Those senders defer mail to this host until it is fixed.');
    const passed = withApplied({ status: 'pass', reason: null });
    expect(passed).toContain('<span class="tag warn">not applicable</span>');
    expect(passed).toContain('they match, so those senders authenticate this host.');
  });

  it('a DANE-TA record for a certificate the host does not send is named as such', () => {
    const html = page(
      withSecurity((r) => {
        const host = r.hosts[0];
        if (!host) throw new Error('sample has a host');
        const dane = { status: 'fail' as const, reason: 'no_match', hint: 'ta_not_sent', tlsa: [] };
        return { ...r, mx: { ...r.mx, dnssec: 'secure' }, security: { ...r.security, dane: 'fail' }, hosts: [{ ...host, dane }] };
      }),
    );
    expect(html).toContain('names a certificate authority the host does not send in its chain');
    expect(html).not.toContain('a key rolled without updating TLSA');
  });

  it('a pass through a trust anchor only the TLSA record carries says the host should send it, in the row and the card', () => {
    const passing = (hint?: string) =>
      page(
        withSecurity((r) => {
          const host = r.hosts[0];
          if (!host) throw new Error('sample has a host');
          const dane = { status: 'pass' as const, reason: null, tlsa: [], ...(hint ? { hint } : {}) };
          return {
            ...r,
            mx: { ...r.mx, dnssec: 'secure' },
            security: { ...r.security, dane: 'pass' },
            hosts: [{ ...host, dane }],
          };
        }),
      );
    const unsent = passing('ta_not_sent');
    expect(unsent).toMatch(/<td>DANE \(TLSA\)<\/td>\s*<td><span class="tag ok">pass<\/span>/);
    // Once in the row, once in the host card.
    expect(unsent.split('RFC 7672 3.1.2 asks SMTP servers to send it').length - 1).toBe(2);
    expect(passing()).not.toContain('RFC 7672 3.1.2');
  });
});

const HOSTILE = `<script>alert(1)</script>"'`;

function section(security: Partial<SecuritySection>): string {
  return String(renderSecurity(withSecurity((r) => ({ ...r, security: { ...NO_SECURITY, ...security } }))));
}

describe('the Mail security section', () => {
  it('is absent when no policy check ran', () => {
    expect(section({})).toBe('');
  });

  it('has one row per mechanism checked, with its status and what it says', () => {
    const out = section({
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

  it('SPF: says what a host the record does not list gets; a record every host passes is bad, a neutral one a warning', () => {
    const spfRow = (otherSenders: 'pass' | 'fail' | 'softfail' | 'neutral') =>
      section({ spf: { status: 'valid', record: 'v=spf1 mx ~all', error: null, lookups: 1, otherSenders } });
    expect(spfRow('fail')).toContain('<span class="tag ok">valid</span>');
    expect(spfRow('fail')).toContain('hosts it does not list fail (-all)');
    expect(spfRow('softfail')).toContain('<span class="tag ok">valid</span>');
    expect(spfRow('softfail')).toContain('hosts it does not list softfail (~all)');
    expect(spfRow('neutral')).toContain('<span class="tag warn">valid</span>');
    expect(spfRow('neutral')).toContain('for them it is as if there were no SPF');
    expect(spfRow('pass')).toContain('<span class="tag bad">valid</span>');
    expect(spfRow('pass')).toContain('anyone can send as this domain and pass SPF, and DMARC with it');
  });

  it('DMARC: report destinations that did not authorize reports are named, escaped, with where the consent would be', () => {
    const out = section({
      dmarc: {
        status: 'valid',
        record: 'v=DMARC1; p=reject',
        policy: 'reject',
        error: null,
        foundAt: '_dmarc.example.test',
        ruaUnauthorized: ['mailto:r@vendor.example', `mailto:${HOSTILE}@x.example`],
      },
    }).replace(/\s+/g, ' ');
    expect(out).toContain('<span class="tag warn">reports go nowhere</span> <span class="mono">mailto:r@vendor.example</span>');
    expect(out).toContain('example.test._report._dmarc.&lt;its domain&gt;');
    expect(out).not.toContain('<script>');
  });

  it('explains failures in plain words, and escapes what came from DNS', () => {
    const out = section({
      mtaSts: { status: 'invalid', id: '1', mode: null, mx: [], maxAge: null, error: 'fetch_http_404' },
      spf: { status: 'permerror', record: `v=spf1 ${HOSTILE}`, error: 'too_many_lookups', lookups: 12 },
      dmarc: { status: 'invalid', record: `v=DMARC1; p=${HOSTILE}`, policy: null, error: 'policy_invalid' },
    });
    expect(out).toContain('answered HTTP 404 instead of 200');
    expect(out).toContain('more than 10 DNS lookups');
    expect(out).toContain('p= must be none, quarantine or reject');
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
  });

  it('leaves no blank line where a field is missing: a details cell never starts or doubles a line break', () => {
    const out = section({
      mtaSts: { status: 'invalid', id: null, mode: null, mx: [], maxAge: null, error: 'txt_multiple' },
      tlsRpt: { status: 'invalid', rua: [], error: 'rua_missing' },
      spf: { status: 'temperror', record: null, error: 'dns_error', lookups: 0 },
      dmarc: { status: 'invalid', record: null, policy: null, error: 'dns_error', foundAt: '_dmarc.example.test' },
    });
    // The last cell of each row: what follows its row's last <td>.
    const cells = [...out.matchAll(/<td>((?:(?!<td>)[\s\S])*?)<\/td>\s*<\/tr>/g)].map((match) => (match[1] ?? '').trim());
    expect(cells).toHaveLength(4);
    for (const cell of cells) {
      expect(cell).not.toMatch(/^<br \/>/);
      expect(cell).not.toMatch(/<br \/>\s*<br \/>/);
    }
    expect(out).toContain('<code>rua_missing</code>');
    expect(out).toContain('0 of 10 DNS lookups<br /><code>dns_error</code>');
  });

  it('says when an invalid DMARC record is still applied as p=none', () => {
    const out = section({
      dmarc: { status: 'invalid', record: 'v=DMARC1; rua=mailto:d@example.test', policy: 'none', error: 'policy_missing' },
    });
    expect(out).toContain('receivers apply it as p=none');
    expect(out).toContain('The record has no p= tag');
  });

  it('host cards say whether the host passes the MTA-STS policy', () => {
    const host: HostResult = {
      exchange: 'mx.example.test',
      priority: 10,
      ip: '192.0.2.1',
      port: 25,
      connect: 'ok',
      banner: null,
      ehlo: null,
      starttls: 'ok',
      tls: null,
      timingsMs: { connect: 1, banner: null, tls: null, total: 1 },
      error: null,
      tlsMode: 'starttls',
      dane: null,
      mtaSts: null,
      ptr: null,
      dnsbl: null,
    };
    expect(String(renderHostCard({ ...host, mtaSts: 'pass' }, Date.now()))).toContain('in the policy, certificate valid');
    expect(String(renderHostCard({ ...host, mtaSts: 'fail' }, Date.now()))).toContain('not in the policy');
    expect(String(renderHostCard({ ...host, mtaSts: null }, Date.now()))).not.toContain('MTA-STS');
  });
});
