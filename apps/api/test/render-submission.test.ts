import { describe, expect, it } from 'vitest';
import { checkResultSchema, type CheckResult, type HostResult } from '@mxv/schema';
import { renderDomainMain } from '../src/page/render-domain-page.js';
import { sampleHost } from '../../../packages/fleet/test/support/sample-result.js';

/** Issue 11 "Everywhere a user looks": port and TLS mode per host card, and the Submission block. */

const XSS = `<script>alert(1)</script>`;

function host(overrides: Partial<HostResult>): HostResult {
  return sampleHost('sub.test', { ...overrides });
}

function result(overrides: Partial<CheckResult>): CheckResult {
  return checkResultSchema.parse({
    schema: 1,
    domain: 'sub.test',
    input: 'sub.test',
    checkedAt: new Date().toISOString(),
    durationMs: 5,
    verdict: 'ok',
    checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: true },
    mx: {
      source: 'mx',
      dns: 'NOERROR',
      records: [{ exchange: 'mx.sub.test', priority: 10, addresses: ['192.0.2.1'], problems: [] }],
    },
    hosts: [host({}), host({ port: 465, tlsMode: 'implicit' })],
    error: null,
    ...overrides,
  });
}

function render(r: CheckResult): string {
  return String(renderDomainMain({ domain: r.domain, result: r, nonce: 'n', now: Date.now(), queued: null }));
}

describe('lookup page: ports and submission', () => {
  it('each host card says its port and TLS mode', () => {
    const page = render(result({ submission: null }));
    expect(page).toContain('data-port="25"');
    expect(page).toContain('data-tls-mode="implicit"');
    expect(page).toMatch(/192\.0\.2\.1:465 · implicit TLS/);
    expect(page).toContain('implicit TLS ok');
    expect(page).toMatch(/192\.0\.2\.1:25 · STARTTLS/);
    // The check was not run: no Submission block at all.
    expect(page).not.toContain('<h2>Submission</h2>');
  });

  it('the Submission block lists the services and their hosts, apart from the mail hosts, escaped', () => {
    const page = render(
      result({
        submission: [
          { service: 'submission', target: `mail.sub.test${XSS}`, port: 587, priority: 0, weight: 1 },
          { service: 'submissions', target: 'mail.sub.test', port: 465, priority: 0, weight: 1 },
        ],
        hosts: [
          host({}),
          host({
            exchange: 'mail.sub.test',
            priority: 0,
            ip: '192.0.2.9',
            port: 465,
            tlsMode: 'implicit',
            service: 'submissions',
          }),
        ],
      }),
    );
    const [mail, submission] = page.split('<h2>Submission</h2>');
    expect(mail).not.toContain('192.0.2.9');
    expect(submission).toContain('<table id="submission">');
    expect(submission).toContain('submissions service · 192.0.2.9:465 · implicit TLS');
    expect(submission).not.toContain(XSS);
    expect(submission).toContain('&lt;script&gt;');
  });

  it('a proxy failure is explained as the probe’s, not the host’s', () => {
    const page = render(
      result({
        verdict: 'unreachable',
        hosts: [host({ connect: 'error', banner: null, error: 'proxy_refused:5', starttls: 'not_tried' })],
      }),
    );
    expect(page).toContain('The probe’s proxy failed');
    expect(page).toContain('proxy_refused:5');
  });

  it('none advertised is said so', () => {
    expect(render(result({ submission: [] }))).toContain('No mail submission service advertised');
  });
});
