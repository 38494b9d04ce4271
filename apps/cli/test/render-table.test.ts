import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '@mxv/probe';
import { checkResultSchema, type CheckResult, type HostResult } from '@mxv/schema';
import { renderResultTable } from '../src/output/render-table.js';
import { sampleHost, sampleTls } from '../../../packages/fleet/test/support/sample-result.js';

/** Issue 11: the check table shows the port and TLS mode of each probe, and the submission services, compactly. */

const plain = { green: String, red: String, yellow: String, dim: String, bold: String, cyan: String };

function host(overrides: Partial<HostResult>): HostResult {
  return sampleHost('t.test', { ehlo: { code: 250, extensions: [] }, ...overrides });
}

function result(overrides: Partial<CheckResult>): CheckResult {
  return checkResultSchema.parse({
    schema: 1,
    domain: 't.test',
    input: 't.test',
    checkedAt: new Date().toISOString(),
    durationMs: 5,
    verdict: 'ok',
    checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: true },
    mx: {
      source: 'mx',
      dns: 'NOERROR',
      records: [{ exchange: 'mx.t.test', priority: 10, addresses: ['192.0.2.1'], problems: [] }],
    },
    hosts: [host({})],
    error: null,
    ...overrides,
  });
}

/** A domain that publishes a null MX (RFC 7505): nothing past the MX record. */
function nullMxResult(overrides: Partial<CheckResult>): CheckResult {
  return result({
    verdict: 'null_mx',
    checks: { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
    mx: { source: 'null', dns: 'NOERROR', records: [], dnssec: null },
    hosts: [],
    ...overrides,
  });
}

describe('check table', () => {
  it("a greeting that refuses the prober's address (no reverse DNS): the words say it is about the prober, not the mail", () => {
    const table = renderResultTable(
      result({
        verdict: 'bad_banner',
        hosts: [
          host({
            banner: { code: 450, text: '4.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]' },
            ehlo: null,
            starttls: 'not_tried',
            error: 'greeting_tempfail',
          }),
        ],
      }),
      plain,
    );
    expect(table).toContain('greeting: 450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]');
    expect(table).toContain("the server refused this prober's address for its reverse DNS");
  });

  it("an expired intermediate: the days left are said to be the leaf's, not the chain's", () => {
    const notAfter = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const expiredIntermediate = sampleTls({
      certValid: false,
      error: 'CERT_HAS_EXPIRED',
      notAfter,
      failedCertificate: { depth: 1, subject: 'CN=Old Intermediate', notBefore: null, notAfter: '2020-01-01T00:00:00.000Z' },
    });
    const table = renderResultTable(result({ hosts: [host({ starttls: 'ok', tls: expiredIntermediate })] }), plain);
    expect(table).toMatch(/cert CERT_HAS_EXPIRED name ok leaf (89|90)d left/);
    const leafOnly = renderResultTable(result({ hosts: [host({ starttls: 'ok', tls: sampleTls({ notAfter }) })] }), plain);
    expect(leafOnly).toMatch(/ (89|90)d left/);
    expect(leafOnly).not.toContain('leaf ');
  });

  it('verdict ok (a 220) where no host took EHLO or HELO: the headline says so', () => {
    const table = renderResultTable(
      result({ hosts: [host({ ehlo: null, starttls: 'not_tried', error: 'closed_after_greeting' })] }),
      plain,
    );
    expect(table.split('\n')[0]).toContain('a host greets with 220, but none accepted EHLO or HELO from mxv');
    expect(renderResultTable(result({}), plain).split('\n')[0]).not.toContain('none accepted EHLO');
  });

  it('a null MX: what lies past the MX record is not there on purpose, marked with a dash, not a red cross', () => {
    const table = renderResultTable(nullMxResult({}), plain);
    expect(table).toContain('✓ MX exists  – resolves  – SMTP reachable  – banner 220  – STARTTLS');
    expect(table).not.toContain('✗');
  });

  it('EHLO refused and HELO accepted: the refusal, then what it cost and that it may be about --helo-name', () => {
    const table = renderResultTable(
      result({
        hosts: [
          host({
            starttls: 'not_offered',
            ehlo: { code: 250, command: 'HELO', extensions: [] },
            refusal: { command: 'EHLO', overTls: false, code: 550, text: 'HELO host name invalid' },
          }),
        ],
      }),
      plain,
    );
    expect(table).toContain('EHLO refused: 550 HELO host name invalid');
    expect(table).toContain('HELO was accepted instead, so there was no STARTTLS to ask for');
    expect(table).toContain('--helo-name');
  });

  it('port 25 only, submission not checked: no PORT column, no Submission line (as before)', () => {
    const table = renderResultTable(result({ submission: null }), plain);
    expect(table).not.toContain('PORT');
    expect(table).not.toContain('Submission');
  });

  it('several ports: a PORT column, 465 marked /tls; submission hosts under their service', () => {
    const table = renderResultTable(
      result({
        hosts: [
          host({}),
          host({ port: 587 }),
          host({ port: 465, tlsMode: 'implicit' }),
          host({ exchange: 'mail.t.test', priority: 0, ip: '192.0.2.9', port: 465, tlsMode: 'implicit', service: 'submissions' }),
        ],
        submission: [{ service: 'submissions', target: 'mail.t.test', port: 465, priority: 0, weight: 1 }],
      }),
      plain,
    );
    const lines = table.split('\n');
    expect(lines.find((l) => l.includes('EXCHANGE'))).toMatch(/ADDRESS\s+PORT\s+CONNECT/);
    expect(lines.filter((l) => /^\s+10\s+mx\.t\.test\s+192\.0\.2\.1\s+(25|587|465\/tls)\s+ok/.test(l))).toHaveLength(3);
    expect(lines.some((l) => /^\s+submissions\s+mail\.t\.test\s+192\.0\.2\.9\s+465\/tls\s+ok/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe('  Submission: submissions mail.t.test:465 (implicit TLS)');
  });

  it('host rows wider than the terminal: each host on a line of its own, what the probe found labelled below, wrapped', () => {
    const v6 = '2001:db8:4860:4864:20:0:0:1a';
    const wide = result({
      mx: {
        source: 'mx',
        dns: 'NOERROR',
        records: [
          { exchange: 'alt1.aspmx.l.mail-provider.example', priority: 5, addresses: [v6], problems: [] },
          { exchange: 'mx.t.test', priority: 10, addresses: [], problems: ['no_address'] },
        ],
        dnssec: null,
      },
      hosts: [
        host({
          exchange: 'alt1.aspmx.l.mail-provider.example',
          priority: 5,
          ip: v6,
          starttls: 'ok',
          tls: sampleTls({ notAfter: new Date(Date.now() + 40.5 * 86_400_000).toISOString() }),
        }),
      ],
    });
    const columns = renderResultTable(wide, plain, { width: 200 }).split('\n');
    expect(columns.some((l) => /^\s+PRI\s+EXCHANGE\s+ADDRESS\s+CONNECT/.test(l))).toBe(true);
    expect(columns.some((l) => l.length > 80)).toBe(true);

    const stacked = renderResultTable(wide, plain, { width: 80 }).split('\n');
    for (const line of stacked.slice(1)) expect(line.length).toBeLessThanOrEqual(80);
    expect(stacked.some((l) => l.includes('PRI'))).toBe(false);
    const at = stacked.findIndex((l) => l === `  5   alt1.aspmx.l.mail-provider.example  ${v6}`);
    expect(at).toBeGreaterThan(0);
    // The facts under it, in the order of the columns, none lost to the wrap.
    const facts = stacked
      .slice(
        at + 1,
        stacked.findIndex((l) => l.startsWith('  10 ')),
      )
      .map((l) => l.trim())
      .join(' ');
    expect(facts).toMatch(/^connect ok · banner 220 · STARTTLS ok · TLSv1\.2 cert ok name ok 40d left · \d+ ms$/);
    // A dangling MX keeps its line, its problem where the address goes, and nothing under it.
    expect(stacked.find((l) => l.startsWith('  10 '))).toBe('  10  mx.t.test  no_address');
    // Narrower still: the host's own line wraps too, the address under the exchange.
    const narrow = renderResultTable(wide, plain, { width: 50 }).split('\n');
    for (const line of narrow) expect(line.length).toBeLessThanOrEqual(50);
    const exchangeAt = narrow.findIndex((l) => l === '  5   alt1.aspmx.l.mail-provider.example');
    expect(narrow[exchangeAt + 1]).toBe(`      ${v6}`);
    // The headline and the line of checks wrap too (the checks line alone is 69 columns).
    const checksAt = narrow.findIndex((l) => l.startsWith('  ✓ MX exists'));
    expect(narrow[checksAt + 1]).toMatch(/^ {2}✓ /);
    expect(narrow.slice(0, 3).every((l) => l.length <= 50)).toBe(true);
    // Without a width (a pipe, a test) the columns stay, whatever their width.
    expect(renderResultTable(wide, plain)).toContain('PRI');
  });

  it('a web address given: the headline says so and names its host, which mxv does not take for the domain', () => {
    const invalid = (input: string) =>
      renderResultTable(
        checkResultSchema.parse({
          ...result({}),
          input,
          domain: input,
          verdict: 'invalid',
          error: 'bad_character',
          hosts: [],
          checks: { mxExists: false, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        }),
        plain,
      );
    expect(invalid('https://WWW.Bücher.example/kontakt')).toContain(
      'invalid  not a domain name (bad_character): it is a web address; give the domain that receives the mail (its host is www.xn--bcher-kva.example)',
    );
    expect(invalid('http://192.0.2.1/')).toContain(
      '(bad_character): it is a web address; give the domain that receives the mail  ',
    );
    expect(invalid('exa mple.test')).toContain('not a domain name (bad_character)  ');
    // Refused text is shown as given, never as the URL host parser would decode or cut it into another name.
    for (const given of ['xn--80ak6aa92e.c%6fm', 'xn--80ak6aa92e.com/path', 'xn--80ak6aa92e.com\\evil.test']) {
      expect(invalid(given)).toContain(`${given}  invalid  not a domain name (bad_character)`);
    }
  });

  it('an input refused by an IDNA rule: shown as typed beside its A-label, with the rule in words', () => {
    const refused = (input: string) => {
      const normalized = normalizeDomain(input);
      if (normalized.status !== 'invalid') throw new Error(`${input} was accepted`);
      return renderResultTable(
        checkResultSchema.parse({
          ...result({}),
          input,
          domain: normalized.domain,
          verdict: 'invalid',
          error: normalized.reason,
          hosts: [],
          checks: { mxExists: false, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        }),
        plain,
      );
    };
    expect(refused('ab--ü.example')).toContain(
      'xn--ab---3ra.example (ab--ü.example)  invalid  not a domain name (idna_error): an internationalized label may not start or end with a hyphen, nor hold "--" in its third and fourth places (RFC 5891 4.2.3.1)',
    );
    expect(refused('a\u05d0.example')).toContain('(idna_error): a label mixes left-to-right and right-to-left writing');
    expect(refused('\u1715a.example')).toContain(
      'xn--a-mpj.example (\u1715a.example)  invalid  not a domain name (idna_error): an internationalized label may not start with a combining mark (RFC 5891 4.2.3.2)',
    );
    expect(refused('xn--zz.example')).toContain(
      'xn--zz.example  invalid  not a domain name (idna_error): an xn-- label is not the Punycode of an internationalized label (RFC 5891 5.4)  ',
    );
    // Right-to-left first: Node's conversion refuses these itself, and says not why; the rule is still named.
    const bidiWords = '(idna_error): a label mixes left-to-right and right-to-left writing';
    expect(refused('xn--a-zhc.example')).toContain(
      `xn--a-zhc.example (\u05d0a.example)  invalid  not a domain name ${bidiWords}`,
    );
    expect(refused('\u05d0a.example')).toContain(`\u05d0a.example  invalid  not a domain name ${bidiWords}`);
    // An A-label Node refuses for what it decodes to (a full-width dot, an invisible filler): no rule, no decoding shown.
    expect(refused('xn--paypalcom-b854c.example')).toMatch(
      /^xn--paypalcom-b854c\.example {2}invalid {2}not a domain name \(idna_error\) {2}/,
    );
    expect(refused('xn--paypal-ks5e.example')).toMatch(
      /^xn--paypal-ks5e\.example {2}invalid {2}not a domain name \(idna_error\) {2}/,
    );
    // After UTS #46 mapping (① is 1) the Bidi rule holds; the joiner is what Node refused: no rule named.
    expect(refused('xn--4db.a\u2460.a\u200db')).toMatch(/invalid {2}not a domain name \(idna_error\) {2}/);
    // Refused by Node's conversion itself (a leading combining mark), which says not why: the rule is still named.
    expect(refused('\u0308a.example')).toContain(
      '\u0308a.example  invalid  not a domain name (idna_error): an internationalized label may not start with a combining mark',
    );
  });

  it('an internationalized domain: the headline shows how it reads beside the A-label it checked', () => {
    const idn = renderResultTable(result({ domain: 'xn--bcher-kva.example', input: 'BÜCHER.example' }), plain);
    expect(idn.split('\n')[0]).toMatch(/^xn--bcher-kva\.example \(bücher\.example\) {2}ok/);
    expect(renderResultTable(result({}), plain).split('\n')[0]).toMatch(/^t\.test {2}ok/);
  });

  it('none advertised says so in one line', () => {
    expect(renderResultTable(result({ submission: [] }), plain)).toContain('Submission: none advertised');
  });

  it('a server that would not go on, in its own words: a greeting other than 220, a refused STARTTLS or EHLO over TLS', () => {
    const lines = renderResultTable(
      result({
        verdict: 'ok',
        hosts: [
          host({ ip: '192.0.2.1', banner: { code: 521, text: '5.3.2 Service currently unavailable' }, ehlo: null }),
          host({
            ip: '192.0.2.2',
            starttls: 'failed',
            error: 'starttls_tempfail',
            refusal: { command: 'STARTTLS', overTls: false, code: 454, text: '4.7.0 TLS not available due to local problem' },
          }),
          host({
            ip: '192.0.2.3',
            port: 465,
            tlsMode: 'implicit',
            error: 'ehlo_tls_rejected',
            refusal: { command: 'EHLO', overTls: true, code: 554, text: '5.7.1 go away' },
          }),
          // Fine: says nothing.
          host({ ip: '192.0.2.4' }),
        ],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => /greeting:|refused:/.test(l))).toEqual([
      '  192.0.2.1  greeting: 521 5.3.2 Service currently unavailable',
      '  192.0.2.2  STARTTLS refused: 454 4.7.0 TLS not available due to local problem',
      '  192.0.2.3:465/tls  EHLO over TLS refused: 554 5.7.1 go away',
    ]);
  });

  it('a handshake that never completed (an alert after STARTTLS): said so with the alert, and no certificate judged', () => {
    const failed = { version: null, cipher: null, certValid: false, hostnameMatch: false, notAfter: null };
    const lines = renderResultTable(
      result({
        hosts: [
          host({
            ip: '192.0.2.1',
            starttls: 'failed',
            error: 'tls_handshake_failed',
            tls: sampleTls({ ...failed, error: 'tlsv1_alert_internal_error' }),
          }),
          host({ ip: '192.0.2.2', starttls: 'failed', error: 'timeout', tls: sampleTls({ ...failed, error: null }) }),
          host({ ip: '192.0.2.3', tls: sampleTls({ certValid: false, hostnameMatch: false, error: 'CERT_HAS_EXPIRED' }) }),
        ],
      }),
      plain,
    ).split('\n');
    const row = (ip: string): string => lines.find((l) => l.includes(ip))?.replace(/\s+\d+$/, '') ?? '';
    expect(row('192.0.2.1')).toMatch(/failed\s+handshake failed: tlsv1_alert_internal_error$/);
    expect(row('192.0.2.2')).toMatch(/failed\s+handshake failed timeout$/);
    expect(row('192.0.2.3')).toMatch(/ok\s+TLSv1\.2 cert CERT_HAS_EXPIRED name mismatch \d+d left$/);
    expect(lines.filter((l) => l.includes('192.0.2.1') || l.includes('192.0.2.2')).join('\n')).not.toMatch(/cert|name/);
  });

  it('a server whose best TLS is 1.0 or 1.1: one line saying which senders send in clear; TLS 1.2 and 1.3 say nothing', () => {
    const lines = renderResultTable(
      result({
        hosts: [
          host({ ip: '192.0.2.1', tls: sampleTls({ version: 'TLSv1' }) }),
          host({ ip: '192.0.2.2', tls: sampleTls({ version: 'TLSv1.1' }) }),
          host({ ip: '192.0.2.3', tls: sampleTls({ version: 'TLSv1.2' }) }),
          host({ ip: '192.0.2.4', tls: sampleTls({ version: 'TLSv1.3' }) }),
        ],
      }),
      plain,
    ).split('\n');
    const words =
      'at most (RFC 8996 deprecates TLS 1.0 and 1.1): senders that require TLS 1.2, as OpenSSL 3 does by default, send in clear; senders that verify certificates on OpenSSL 3 (MTA-STS, DANE: Postfix at its secure level) cannot complete the handshake and defer';
    expect(lines.filter((l) => l.includes('TLS:'))).toEqual([
      `  192.0.2.1  TLS: TLSv1 ${words}`,
      `  192.0.2.2  TLS: TLSv1.1 ${words}`,
    ]);
  });

  it('keys below an OpenSSL security level: one line each, with what they cost which senders; strong keys say nothing', () => {
    const lines = renderResultTable(
      result({
        hosts: [
          host({ ip: '192.0.2.1', tls: sampleTls({ certKey: { type: 'RSA', bits: 1024, curve: null } }) }),
          host({ ip: '192.0.2.2', tls: sampleTls({ keyExchange: { type: 'DH', group: null, bits: 768 } }) }),
          host({
            ip: '192.0.2.3',
            tls: sampleTls({
              certKey: { type: 'EC', bits: 256, curve: 'prime256v1' },
              keyExchange: { type: 'ECDH', group: 'X25519', bits: 253 },
            }),
          }),
          host({ ip: '192.0.2.4', tls: sampleTls({ certKey: { type: 'RSA', bits: 2048, curve: null }, keyExchange: null }) }),
        ],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => l.includes('TLS:'))).toEqual([
      '  192.0.2.1  TLS: RSA 1024-bit certificate key, below OpenSSL security level 2 (2048 bits), the default on Debian, Ubuntu and RHEL: senders on that default that verify certificates (MTA-STS, DANE-TA) refuse it ("EE certificate key too weak"); Postfix 3.7 and GnuTLS 3.7 (Exim) accept it',
      '  192.0.2.2  TLS: DH 768-bit key exchange, below OpenSSL security level 1 (1024 bits), OpenSSL 3\'s own default: senders on that default fail the handshake ("dh key too small") and send in clear',
    ]);
  });

  it('a firewall rewriting SMTP (Cisco ASA inspect esmtp): one line with what was seen, what it costs and where the fix is', () => {
    const asa = { code: 250, extensions: ['PIPELINING', 'XXXXXXXA', 'XXXXXXXB'] };
    const lines = renderResultTable(
      result({
        hosts: [
          host({
            ip: '192.0.2.1',
            banner: { code: 220, text: '**************************' },
            ehlo: asa,
            starttls: 'not_offered',
            tls: null,
          }),
          host({ ip: '192.0.2.2', banner: { code: 220, text: '**************************' } }),
          host({ ip: '192.0.2.3', banner: { code: 220, text: 'mx.t.test ESMTP *** no UCE ***' } }),
        ],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => l.includes('firewall:'))).toEqual([
      '  192.0.2.1  firewall: the greeting is masked with asterisks and the EHLO reply has XXXXXXXA, XXXXXXXB where STARTTLS would be: a firewall inspecting SMTP (Cisco ASA "inspect esmtp" at its defaults) most likely hides STARTTLS, so no sender can encrypt mail to this host; let TLS through ("allow-tls" in its ESMTP policy) or stop inspecting SMTP to this server',
      '  192.0.2.2  firewall: the greeting is masked with asterisks: most likely a firewall inspecting SMTP (Cisco ASA "mask-banner"): harmless by itself',
    ]);
  });

  it('the headline tells failed address lookups (senders retry) from an answer of no address', () => {
    const none = { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false };
    const failed = renderResultTable(
      result({
        verdict: 'unresolvable',
        checks: none,
        hosts: [],
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [{ exchange: 'mx.t.test', priority: 10, addresses: [], problems: ['dns_error', 'no_address'] }],
          dnssec: null,
        },
      }),
      plain,
    );
    expect(failed.split('\n')[0]).toContain('unresolvable  the address lookups of the MX hosts failed: senders retry');
    const dangling = renderResultTable(
      result({
        verdict: 'unresolvable',
        checks: none,
        hosts: [],
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [{ exchange: 'mx.t.test', priority: 10, addresses: [], problems: ['no_address'] }],
          dnssec: null,
        },
      }),
      plain,
    );
    expect(dangling.split('\n')[0]).toContain('unresolvable  MX hosts have no address');
    const implicit = renderResultTable(
      result({
        verdict: 'no_mail_host',
        error: 'implicit_lookup_failed',
        checks: { ...none, mxExists: false },
        hosts: [],
        mx: { source: 'none', dns: 'NODATA', records: [], dnssec: null },
      }),
      plain,
    );
    expect(implicit.split('\n')[0]).toContain(
      "no MX, and the lookup of the domain's own A/AAAA failed: senders retry (implicit_lookup_failed)",
    );
  });

  it('an address of an IP version not probed (--ip-families): said not probed, not blocked or failed', () => {
    const notProbed = {
      connect: 'blocked' as const,
      banner: null,
      ehlo: null,
      starttls: 'not_tried' as const,
      tls: null,
      error: 'ip_family_not_probed',
    };
    const lines = renderResultTable(
      result({ hosts: [host({ ip: '192.0.2.1' }), host({ ip: '2001:db8::1', ...notProbed })] }),
      plain,
    ).split('\n');
    expect(lines.find((l) => l.includes('2001:db8::1'))).toMatch(
      /2001:db8::1\s+not probed\s+-\s+IPv6 not probed \(--ip-families\)/,
    );
  });

  it('a TLS without RFC 5746 secure renegotiation: one line saying which senders refuse it; TLS 1.3 and secure ones say nothing', () => {
    const lines = renderResultTable(
      result({
        hosts: [
          host({ ip: '192.0.2.1', tls: sampleTls({ version: 'TLSv1.2', secureRenegotiation: false }) }),
          host({ ip: '192.0.2.2', tls: sampleTls({ version: 'TLSv1.2', secureRenegotiation: true }) }),
          host({ ip: '192.0.2.3', tls: sampleTls({ version: 'TLSv1.3', secureRenegotiation: null }) }),
        ],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => l.includes('TLS:'))).toEqual([
      '  192.0.2.1  TLS: no secure renegotiation (RFC 5746): senders on OpenSSL 3 (Postfix on current systems) refuse this handshake and send in clear',
    ]);
  });

  it('a certificate that fails verification or names another host: one line in words with the usual fix', () => {
    const lines = renderResultTable(
      result({
        hosts: [
          host({ ip: '192.0.2.1', tls: sampleTls({ certValid: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) }),
          host({
            ip: '192.0.2.2',
            tls: sampleTls({
              hostnameMatch: false,
              subjectAltNames: ['DNS:a.example', 'IP Address:192.0.2.2', 'DNS:b.example', 'DNS:c.example', 'DNS:d.example'],
            }),
          }),
          host({ ip: '192.0.2.3', tls: sampleTls({ certValid: false, hostnameMatch: false, error: 'SOME_NEW_CODE' }) }),
          host({
            ip: '192.0.2.5',
            tls: sampleTls({ certValid: false, error: 'UNSPECIFIED', errorText: 'some verify error of a later OpenSSL' }),
          }),
          host({ ip: '192.0.2.4', tls: sampleTls({}) }),
        ],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => l.includes('certificate:'))).toEqual([
      '  192.0.2.1  certificate: the server sends its certificate alone, and its issuer is not a CA that senders trust ' +
        '(UNABLE_TO_VERIFY_LEAF_SIGNATURE): most often the intermediate certificate is missing: configure the full chain ' +
        '(fullchain.pem; Postfix smtpd_tls_chain_files, Exim tls_certificate); otherwise it comes from a private CA',
      '  192.0.2.2  certificate: it does not name mx.t.test (it names a.example, b.example, c.example and 1 more)',
      // A code without words is shown as it is, not guessed at.
      '  192.0.2.3  certificate: SOME_NEW_CODE; it does not name mx.t.test',
      // Node's UNSPECIFIED with OpenSSL's own words beside it.
      '  192.0.2.5  certificate: UNSPECIFIED (some verify error of a later OpenSSL)',
    ]);
  });

  it('a name mismatch owed to a partial wildcard says that a wildcard counts only as the whole first label', () => {
    const lines = renderResultTable(
      result({
        hosts: [host({ ip: '192.0.2.1', tls: sampleTls({ hostnameMatch: false, subjectAltNames: ['DNS:mx*.t.test'] }) })],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => l.includes('certificate:'))).toEqual([
      '  192.0.2.1  certificate: it does not name mx.t.test (it names mx*.t.test: a wildcard matches only as the whole first ' +
        'label (*.example.com), as senders match it (RFC 9525 6.3))',
    ]);
  });

  it('a chain signed over SHA-1: the verify error says which certificate; behind another verify error it gets a line of its own', () => {
    const sha1Leaf = { algorithm: 'sha1WithRSAEncryption', hash: 'SHA-1', selfIssued: false };
    const lines = renderResultTable(
      result({
        hosts: [
          host({
            ip: '192.0.2.1',
            tls: sampleTls({
              certValid: false,
              error: 'CA_MD_TOO_WEAK',
              chainSignatures: [sha1Leaf, { algorithm: 'sha256WithRSAEncryption', hash: 'SHA-256', selfIssued: true }],
            }),
          }),
          host({
            ip: '192.0.2.2',
            tls: sampleTls({
              certValid: false,
              error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
              chainSignatures: [sha1Leaf, { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256', selfIssued: false }],
            }),
          }),
          // A self-signed certificate over SHA-1: its own signature is not what is wrong with it.
          host({
            ip: '192.0.2.3',
            tls: sampleTls({
              certValid: false,
              error: 'DEPTH_ZERO_SELF_SIGNED_CERT',
              chainSignatures: [{ ...sha1Leaf, selfIssued: true }],
            }),
          }),
        ],
      }),
      plain,
    ).split('\n');
    const words = lines.filter((l) => l.includes('certificate:'));
    expect(words).toHaveLength(4);
    expect(words[0]).toBe(
      '  192.0.2.1  certificate: the certificate is signed with SHA-1 (sha1WithRSAEncryption), which senders that verify ' +
        'certificates (OpenSSL 3, Postfix, GnuTLS) refuse (CA_MD_TOO_WEAK): have it issued again, signed with SHA-256',
    );
    expect(words[1]).toMatch(/^ {2}192\.0\.2\.2 {2}certificate: the chain the server sends does not lead to a CA/);
    expect(words[2]).toBe(
      '  192.0.2.2  certificate: the certificate is signed with SHA-1 (sha1WithRSAEncryption): senders that verify ' +
        'certificates (OpenSSL 3, Postfix, GnuTLS) refuse it, opportunistic TLS still encrypts; have it issued again, signed with SHA-256',
    );
    expect(words[3]).toMatch(/^ {2}192\.0\.2\.3 {2}certificate: the certificate is self-signed/);
  });

  it('a DANE pass vouches for the certificate: dane ok in the row, the problem in yellow, and no fix to get a CA certificate', () => {
    const painted = {
      ...plain,
      red: (s: unknown) => `<red>${String(s)}</red>`,
      yellow: (s: unknown) => `<yellow>${String(s)}</yellow>`,
    };
    const dane = (status: 'pass' | 'fail'): HostResult['dane'] => ({
      status,
      tlsa: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
      reason: status === 'pass' ? null : 'no_match',
    });
    const selfSigned = sampleTls({ certValid: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const lines = renderResultTable(
      result({
        hosts: [
          host({ ip: '192.0.2.1', tls: selfSigned, dane: dane('pass') }),
          host({ ip: '192.0.2.2', tls: selfSigned, dane: dane('fail') }),
        ],
      }),
      painted,
    ).split('\n');
    const row = (ip: string): string => lines.find((l) => l.includes(ip)) ?? '';
    expect(row('192.0.2.1')).toContain('<yellow>cert DEPTH_ZERO_SELF_SIGNED_CERT</yellow> name ok dane ok');
    expect(row('192.0.2.2')).toContain('<red>cert DEPTH_ZERO_SELF_SIGNED_CERT</red> name ok <red>dane fail</red>');
    const words = lines.filter((l) => l.includes('certificate:'));
    expect(words[0]).toBe(
      '  192.0.2.1  certificate: <yellow>the certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT); its DANE TLSA record ' +
        'matches it, so senders that use DANE deliver; senders that check it against public CAs (MTA-STS) do not</yellow>',
    );
    expect(words[1]).toMatch(
      /self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\): no sender can verify it against a CA; use one from a CA/,
    );
  });

  it('an exchange that repeats its zone name: one line with the name it was probably meant to be', () => {
    const lines = renderResultTable(
      result({
        verdict: 'unresolvable',
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [
            { exchange: 'mx.t.test.t.test', priority: 10, addresses: [], problems: ['no_address'] },
            { exchange: 'mx.t.test.t.test', priority: 20, addresses: [], problems: ['no_address'] },
          ],
          dnssec: null,
        },
        hosts: [],
      }),
      plain,
    ).split('\n');
    expect(lines.filter((l) => l.includes('twice'))).toEqual([
      "  mx.t.test.t.test  ends in t.test twice: probably mx.t.test written without its final dot in the zone file, which appends the zone's name",
    ]);
  });

  it('a null MX domain without v=spf1 -all and DMARC p=reject: one line saying what would make forgeries in its name fail', () => {
    const nullMx = (security: CheckResult['security']) => renderResultTable(nullMxResult({ security }), plain).split('\n');
    const spf = { status: 'valid', record: 'v=spf1 -all', error: null, lookups: 0, otherSenders: 'fail' } as const;
    const dmarc = { status: 'valid', record: 'v=DMARC1; p=reject', policy: 'reject', error: null } as const;
    const base = { dane: null, mtaSts: null, tlsRpt: null };
    expect(nullMx({ ...base, spf, dmarc: { ...dmarc, policy: 'none' } }).filter((l) => l.includes('forged'))).toEqual([
      '  receives no mail; if it sends none either, publish _dmarc "v=DMARC1; p=reject" so that mail forged in its name fails',
    ]);
    expect(nullMx({ ...base, spf, dmarc }).some((l) => l.includes('forged'))).toBe(false);
    // Not checked (--checks): nothing said.
    expect(nullMx({ ...base, spf: null, dmarc: null }).some((l) => l.includes('forged'))).toBe(false);
  });

  it('an ok that some senders cannot deliver to: the headline says why, and ok is not painted green', () => {
    const painted = {
      ...plain,
      green: (text: unknown) => `<green>${String(text)}</green>`,
      yellow: (text: unknown) => `<yellow>${String(text)}</yellow>`,
    };
    const daneFails = result({ security: { ...result({}).security, dane: 'fail' } });
    const headline = renderResultTable(daneFails, painted).split('\n')[0] ?? '';
    expect(headline).toContain('<yellow>ok</yellow>');
    expect(headline).toContain(
      'mail hosts answer, but DANE fails: senders that check DANE (Postfix, Exchange Online) hold the mail',
    );

    const enforced = {
      status: 'valid' as const,
      id: '1',
      mode: 'enforce' as const,
      mx: ['other.t.test'],
      maxAge: 86400,
      error: null,
    };
    const noHostPasses = result({ security: { ...result({}).security, mtaSts: enforced }, hosts: [host({ mtaSts: 'fail' })] });
    expect(renderResultTable(noHostPasses, plain)).toContain('but no host passes its enforced MTA-STS policy');
    // One host passing is enough for those senders; a plain ok stays green.
    const onePasses = result({
      security: { ...result({}).security, mtaSts: enforced },
      hosts: [host({ mtaSts: 'fail' }), host({ ip: '192.0.2.2', mtaSts: 'pass' })],
    });
    expect(renderResultTable(onePasses, plain)).not.toContain(', but');
    expect(renderResultTable(result({}), painted).split('\n')[0]).toContain('<green>ok</green>');
  });

  it('a greeting other than 220 says what senders do next: retry after 4xx, bounce after 5xx', () => {
    const greeting = (code: number): CheckResult =>
      result({
        verdict: 'bad_banner',
        hosts: [host({ banner: { code, text: 'go away' }, ehlo: null, starttls: 'not_tried', error: 'greeting_rejected' })],
      });
    expect(renderResultTable(greeting(421), plain)).toContain(
      'connected, but no host greeted with 220: 4xx, senders retry later',
    );
    expect(renderResultTable(greeting(554), plain)).toContain(
      'connected, but no host greeted with 220: 5xx, senders bounce the mail',
    );
  });

  it('EHLO not recognised and HELO accepted (no refusal kept): a plain SMTP server, with no STARTTLS to offer', () => {
    const table = renderResultTable(
      result({ hosts: [host({ ehlo: { code: 250, command: 'HELO', extensions: [] }, starttls: 'not_offered', refusal: null })] }),
      plain,
    );
    expect(table).toContain('EHLO: not recognised, HELO accepted: a plain SMTP server (RFC 821), so it offers no STARTTLS');
  });

  it('a blocked address: the range it is in, named as the guard names it', () => {
    const table = renderResultTable(
      result({
        verdict: 'unreachable',
        hosts: [
          host({
            ip: '0.0.0.0',
            connect: 'blocked',
            banner: null,
            ehlo: null,
            starttls: 'not_tried',
            tls: null,
            error: 'blocked_address',
          }),
        ],
      }),
      plain,
    );
    expect(table).toContain('not probed: 0.0.0.0 is in this-network 0.0.0.0/8, which no sender on the internet reaches');
  });

  it('a resolver that refused the connection: the MX line says so, not TIMEOUT', () => {
    const table = renderResultTable(
      result({
        verdict: 'dns_error',
        error: 'mx_timeout:connection_refused',
        checks: { mxExists: false, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: { source: 'mx', dns: 'TIMEOUT', records: [], dnssec: null },
        hosts: [],
      }),
      plain,
    );
    expect(table).toContain('MX no answer: the resolver (--dns) refused the connection');
    expect(table).not.toContain('MX TIMEOUT');
    expect(
      renderResultTable(
        result({
          verdict: 'dns_error',
          error: 'mx_timeout',
          mx: { source: 'mx', dns: 'TIMEOUT', records: [], dnssec: null },
          hosts: [],
        }),
        plain,
      ),
    ).toContain('MX TIMEOUT');
  });

  it('an address or a list given as one domain: the headline says what to give instead', () => {
    const refused = (input: string): string => {
      const normalized = normalizeDomain(input);
      if (normalized.status !== 'invalid') throw new Error(`${input} was taken`);
      return renderResultTable(
        result({
          verdict: 'invalid',
          domain: '',
          input,
          error: normalized.reason,
          hosts: [],
          mx: { source: 'none', dns: 'NOERROR', records: [], dnssec: null },
        }),
        plain,
      );
    };
    expect(refused('192.0.2.1')).toContain(
      "(ip_address): mxv checks a domain's mail route: give the domain whose MX points at this address",
    );
    expect(refused('a.test,b.test')).toContain(
      '(bad_character): it holds several names: give one domain per argument or per line',
    );
    expect(refused('a.test; b.test')).toContain('it holds several names');
    expect(refused('a_b!.test')).not.toContain('several names');
  });
});
