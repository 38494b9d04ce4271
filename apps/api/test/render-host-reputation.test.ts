import { describe, expect, it } from 'vitest';
import type { HostResult } from '@mxv/schema';
import { renderHostCard } from '../src/page/render-host-card.js';
import { sampleHost, sampleTls } from '../../../packages/fleet/test/support/sample-result.js';

/** Issue 11 "Reputation and reach": PTR/FCrDNS and block-list status on the lookup page's host cards. */

const XSS = `<script>alert(1)</script>`;

function host(overrides: Partial<HostResult>): HostResult {
  return sampleHost('rep.test', { ...overrides });
}

describe('host card: reverse DNS and block lists', () => {
  it('shows the PTR names, FCrDNS and each list, escaping what the lists say', () => {
    const card = String(
      renderHostCard(
        host({
          ptr: { names: ['mx.rep.test'], fcrdns: 'pass' },
          dnsbl: [
            { zone: 'bl.example', status: 'listed', codes: ['127.0.0.2'], reason: XSS },
            { zone: 'other.example', status: 'not_listed', codes: [], reason: null },
            { zone: 'busy.example', status: 'error', codes: ['127.255.255.254'], reason: 'list_refused' },
          ],
        }),
        Date.now(),
      ),
    );
    expect(card).toContain('Reverse DNS');
    expect(card).toContain('forward-confirmed');
    expect(card).toContain('mx.rep.test');
    expect(card).toMatch(/bl\.example<\/span> <span class="tag bad">listed/);
    expect(card).toContain('not listed');
    expect(card).toContain('list_refused');
    expect(card).not.toContain(XSS);
    expect(card).toContain('&lt;script&gt;');
  });

  it('says nothing when the checks did not run', () => {
    const card = String(renderHostCard(host({}), Date.now()));
    expect(card).not.toContain('Reverse DNS');
    expect(card).not.toContain('Block lists');
  });

  it('a greeting that names none of the PTR names is said, with what it costs (escaped)', () => {
    const card = String(
      renderHostCard(
        host({
          banner: { code: 220, text: 'mx.google.com ESMTP gsmtp' },
          ptr: { names: ['mx-in-f26.1e100.net'], fcrdns: 'pass' },
        }),
        Date.now(),
      ),
    );
    expect(card).toMatch(/The greeting names <span class="mono">mx\.google\.com<\/span>, not a PTR name/);
    expect(card).toContain('receivers compare its EHLO name');
    const matching = String(
      renderHostCard(
        host({ banner: { code: 220, text: 'MX.rep.test ESMTP' }, ptr: { names: ['mx.rep.test'], fcrdns: 'pass' } }),
        Date.now(),
      ),
    );
    expect(matching).not.toContain('The greeting names');
  });

  it('no PTR is a warning', () => {
    expect(String(renderHostCard(host({ ptr: { names: [], fcrdns: 'none' } }), Date.now()))).toContain('no PTR');
  });
});

describe('host card: a refused command', () => {
  it("HELO refused for mxv's own name: the problem says it is about the prober's EHLO name, and what to do", () => {
    const card = String(
      renderHostCard(
        host({
          error: 'helo_tempfail',
          ehlo: { code: 450, command: 'HELO', extensions: [] },
          refusal: {
            command: 'HELO',
            overTls: false,
            code: 450,
            text: '4.7.1 <mxv.invalid>: Helo command rejected: Host not found',
          },
        }),
        Date.now(),
      ),
    );
    expect(card).toContain('Problem');
    expect(card).toMatch(/The server refused the name mxv gives in EHLO\/HELO \(--helo-name/);
  });

  it('EHLO refused and HELO accepted: no problem, the refusal with what it cost and whose name it may judge', () => {
    const card = String(
      renderHostCard(
        host({
          error: null,
          starttls: 'not_offered',
          ehlo: { code: 250, command: 'HELO', extensions: [] },
          refusal: { command: 'EHLO', overTls: false, code: 550, text: `HELO host name invalid ${XSS}` },
        }),
        Date.now(),
      ),
    );
    expect(card).not.toContain('Problem');
    expect(card).toMatch(/EHLO refused.*The server answered EHLO with <code>550<\/code>/s);
    expect(card).toContain('no STARTTLS to ask for');
    expect(card).toContain('--helo-name');
    expect(card).not.toContain(XSS);
  });

  it("gives the server's own words beside the reason, escaped", () => {
    const card = String(
      renderHostCard(
        host({
          starttls: 'failed',
          error: 'starttls_tempfail',
          refusal: { command: 'STARTTLS', overTls: false, code: 454, text: `4.7.0 TLS not available ${XSS}` },
        }),
        Date.now(),
      ),
    );
    expect(card).toMatch(/<code>starttls_tempfail<\/code>: the server answered STARTTLS with <code>454<\/code>/);
    expect(card).toContain('4.7.0 TLS not available &lt;script&gt;');
    expect(card).not.toContain(XSS);
  });
});

describe('host card: TLS without RFC 5746 secure renegotiation', () => {
  it('says which senders refuse the handshake; a secure one says nothing', () => {
    const legacy = String(renderHostCard(host({ tls: sampleTls({ secureRenegotiation: false }) }), Date.now()));
    expect(legacy).toContain('not secure (RFC 5746)');
    expect(legacy).toContain('senders on OpenSSL 3');
    const secure = String(renderHostCard(host({ tls: sampleTls({ secureRenegotiation: true }) }), Date.now()));
    expect(secure).not.toContain('Renegotiation');
  });
});
