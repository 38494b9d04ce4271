import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SECURITY, type HostResult, type MxProblem } from '@mxv/schema';
import { queuedCount, sampleResult, startTestRedis, testApi, type TestApi, type TestRedis } from './support.js';

let server: TestRedis;
let api: TestApi;

beforeAll(async () => {
  server = await startTestRedis();
  api = await testApi(server, 'page');
});
afterAll(async () => {
  await api?.close();
  await server?.stop();
});

const XSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;

function hostileHost(domain: string): HostResult {
  return {
    exchange: `mx.${domain}`,
    priority: 10,
    ip: '192.0.2.7',
    port: 25,
    connect: 'ok',
    banner: { code: 220, text: `mx ESMTP ${XSS}` },
    ehlo: { code: 250, extensions: ['PIPELINING', `X-EVIL"><svg onload=alert(3)>`] },
    starttls: 'ok',
    tls: {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      certValid: false,
      hostnameMatch: false,
      notAfter: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      error: 'CERT_HAS_EXPIRED',
      subject: `CN=${XSS}`,
      issuer: 'CN=Evil CA',
      subjectAltNames: ['DNS:mail.elsewhere.example', `DNS:${XSS}`],
    },
    timingsMs: { connect: 2, banner: 30, ehlo: 4, tls: 20, total: 60 },
    error: null,
    tlsMode: 'starttls',
    dane: null,
    mtaSts: null,
    ptr: null,
    dnsbl: null,
  };
}

/** A host whose STARTTLS was accepted and whose handshake then ended in alert 80; `sent`: what it showed of its certificate. */
function failedHandshakeHost(domain: string, sent: Partial<NonNullable<HostResult['tls']>> = {}): HostResult {
  return {
    ...hostileHost(domain),
    starttls: 'failed',
    tls: {
      version: null,
      cipher: null,
      certValid: false,
      hostnameMatch: false,
      notAfter: null,
      error: 'tlsv1_alert_internal_error',
      ...sent,
    },
    error: 'tls_handshake_failed',
  };
}

describe('lookup page', () => {
  it('GET / is a search form that works without JavaScript, with a strict CSP', async () => {
    await api.store.write(sampleResult('recent.test', new Date().toISOString()));
    const res = await api.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    // Every script and style element carries this response's nonce.
    expect(res.body.split('<script').length).toBe(res.body.split(`<script nonce="${nonce}"`).length);
    expect(res.body.split('<style').length).toBe(res.body.split(`<style nonce="${nonce}"`).length);
    expect(res.body).toContain('<form class="search" method="get" action="/lookup"');
    expect(res.body).toContain('href="/d/recent.test"');
    expect(res.body).not.toMatch(/https?:\/\//);
  });

  it('/lookup redirects any accepted input form to the domain page; bad input is a 400 page', async () => {
    const res = await api.app.inject(`/lookup?q=${encodeURIComponent(' Postmaster@Recent.TEST ')}`);
    expect(res.statusCode).toBe(303);
    expect(res.headers['location']).toBe('/d/recent.test');
    const bad = await api.app.inject(`/lookup?q=${encodeURIComponent('not a domain')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('is not a domain name (bad_character)');
    const url = await api.app.inject(`/lookup?q=${encodeURIComponent('https://www.recent.test/contact')}`);
    expect(url.statusCode).toBe(400);
    expect(url.body).toContain(
      'is not a domain name (bad_character): it is a web address; give the domain that receives the mail (its host is www.recent.test).',
    );
    const bidi = await api.app.inject(`/lookup?q=${encodeURIComponent('1\u05d0.example')}`);
    expect(bidi.statusCode).toBe(400);
    expect(bidi.body).toContain(
      'is not a domain name (idna_error): a label mixes left-to-right and right-to-left writing, or its right-to-left text starts or ends with a character it may not (the Bidi rule, RFC 5893).',
    );
    // A right-to-left override would show "\u202emoc.elgoog" as google.com; controls could end the line. Written \DDD.
    const spoof = await api.app.inject(`/lookup?q=${encodeURIComponent('\u202emoc.elgoog\u202c a\u0000b\u001b[31m\r\n')}`);
    expect(spoof.statusCode).toBe(400);
    expect(spoof.body).toContain('“\\226\\128\\174moc.elgoog\\226\\128\\172 a\\000b\\027[31m\\013\\010” is not a domain name');
    expect(spoof.body).not.toMatch(/[\u202e\u202c\u0000\u001b]/);
    // Cut at a character: a surrogate pair at the 200th place stays whole.
    const long = await api.app.inject(`/lookup?q=${encodeURIComponent(`${'a'.repeat(199)}😀😀 b`)}`);
    expect(long.body).toContain(`“${'a'.repeat(199)}😀” is not a domain name`);
    expect((await api.app.inject('/d/Recent.Test')).headers['location']).toBe('/d/recent.test');
    const invalid = await api.app.inject('/d/bad..test');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/^text\/html/);
  });

  it('a probe shared with other domains says so in text, with its time (no tooltip)', async () => {
    const base = sampleResult('shared.test', new Date().toISOString());
    const host = { ...(base.hosts[0] as HostResult), cached: true, probedAt: '2026-12-03T17:31:42.000Z' };
    await api.store.write({ ...base, hosts: [host] });
    const body = (await api.app.inject('/d/shared.test')).body;
    expect(body).toContain('<span class="tag">shared probe</span>');
    expect(body).toContain('probed once for every domain on this host, at 2026-12-03 17:31 UTC');
    expect(body).not.toMatch(/ title="/);
  });

  it('an internationalized domain: how it reads beside its A-label, escaped like any stored text', async () => {
    await api.store.write(sampleResult('xn--bcher-kva.test', new Date().toISOString(), { input: 'Bücher.test' }));
    const res = await api.app.inject('/d/xn--bcher-kva.test');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(
      /<h1 tabindex="-1">xn--bcher-kva\.test<\/h1>\s*<p class="sub">\s*written bücher\.test · asked as <code>Bücher\.test<\/code>/,
    );
  });

  it('shows the checks, the verdict in words, the MX table and host details', async () => {
    const result = sampleResult('shown.test', new Date(Date.now() - 120_000).toISOString());
    await api.store.write(result);
    const res = await api.app.inject('/d/shown.test');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('Mail can be delivered, but without encryption');
    for (const check of ['mxExists', 'mxResolves', 'smtpReachable', 'bannerValid']) {
      expect(body).toContain(`<li class="pass" data-check="${check}">`);
    }
    expect(body).toContain('<li class="fail" data-check="tlsSupported">');
    expect(body).toMatch(/<table id="mx-table">[\s\S]*<td>10<\/td>\s*<td class="mono">\s*mx\.shown\.test[\s\S]*192\.0\.2\.1/);
    expect(body).toContain('2 minutes ago');
    expect(body).toContain('No encryption');
    expect(body).toContain('action="/d/shown.test/refresh"');
  });

  it('escapes attacker-controlled banners, EHLO keywords and certificate names', async () => {
    const domain = 'hostile.test';
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [hostileHost(domain)] }));
    const res = await api.app.inject(`/d/${domain}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('<img src=x');
    expect(res.body).not.toContain('<svg onload');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;');
    expect(res.body).toContain('X-EVIL&quot;&gt;&lt;svg onload=alert(3)&gt;');
    expect(res.body).toContain('expired 3 days ago');
    expect(res.body).toContain('does not cover mx.hostile.test');
    expect(res.body).toContain('Certificate problems');
    // The certificate's names are the server's words too: listed, escaped, in the card and in the note.
    expect(res.body.split('mail.elsewhere.example, &lt;script&gt;alert(1)&lt;/script&gt;')).toHaveLength(3);
  });

  it('a certificate problem in words: what is wrong and the usual fix, in the host card and per host in the note', async () => {
    const domain = 'certs.test';
    const base = hostileHost(domain);
    const leafOnly: HostResult = {
      ...base,
      banner: { code: 220, text: 'mx ESMTP' },
      ehlo: { code: 250, extensions: ['STARTTLS'] },
      tls: { ...base.tls!, subject: 'CN=mx.certs.test', hostnameMatch: true, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    };
    const otherName: HostResult = {
      ...leafOnly,
      exchange: 'mx2.certs.test',
      ip: '192.0.2.8',
      tls: { ...leafOnly.tls!, certValid: true, hostnameMatch: false, error: null, subjectAltNames: ['DNS:a.example'] },
    };
    // A CDN's certificate with a hundred names: ten are listed, the rest counted.
    const manyNames: HostResult = {
      ...otherName,
      exchange: 'mx3.certs.test',
      ip: '192.0.2.9',
      tls: { ...otherName.tls!, subjectAltNames: Array.from({ length: 100 }, (_, i) => `DNS:n${i}.cdn.example`) },
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [leafOnly, otherName, manyNames] }));
    // The page's HTML wraps its text where the template does: compared with whitespace folded.
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    const missingChain =
      'the server sends its certificate alone, and its issuer is not a CA that senders trust (<code>UNABLE_TO_VERIFY_LEAF_SIGNATURE</code>); ' +
      'fix: most often the intermediate certificate is missing: configure the full chain (fullchain.pem; Postfix ' +
      'smtpd_tls_chain_files, Exim tls_certificate); otherwise it comes from a private CA.';
    expect(body).toContain(`mx.certs.test: ${missingChain}`);
    expect(body).toContain(
      '<br />mx2.certs.test: the certificate does not cover mx2.certs.test (it names a.example); fix: use one that names the MX host.',
    );
    const tenNames = Array.from({ length: 10 }, (_, i) => `n${i}.cdn.example`).join(', ');
    expect(body).toContain(`mx3.certs.test: the certificate does not cover mx3.certs.test (it names ${tenNames} and 90 more)`);
    expect(body).toContain(`it names <span class="mono">${tenNames} and 90 more</span>`);
    expect(body).not.toContain('n10.cdn.example');
    expect(body).toContain(
      '<br />Senders that encrypt opportunistically (most) deliver anyway; senders that verify certificates (an MTA-STS policy in enforce mode, DANE) would not.',
    );
    // The card's Chain row: the code, what it means, and the fix.
    expect(body).toMatch(
      /<span class="tag bad">not trusted<\/span ?> <code>UNABLE_TO_VERIFY_LEAF_SIGNATURE<\/code> the server sends its certificate alone, and its issuer is not a CA that senders trust\. Fix: most often the intermediate/,
    );
    expect(body).not.toContain('Certificates vouched for by DANE');
  });

  it('a certificate a DANE pass vouches for: not a problem for DANE senders, said as such; a warning only where MTA-STS is enforced', async () => {
    const base = hostileHost('dane.test');
    const vouched = (domain: string): HostResult => ({
      ...base,
      exchange: `mx.${domain}`,
      banner: { code: 220, text: 'mx ESMTP' },
      tls: { ...base.tls!, hostnameMatch: true, error: 'DEPTH_ZERO_SELF_SIGNED_CERT', subject: `CN=mx.${domain}` },
      dane: { status: 'pass', tlsa: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }], reason: null },
    });
    const policy = (mode: 'enforce' | 'testing') => ({
      dane: null,
      mtaSts: { status: 'valid' as const, id: '1', mode, mx: ['mx.example'], maxAge: 86_400, error: null },
      tlsRpt: null,
      spf: null,
      dmarc: null,
    });
    await api.store.write(sampleResult('dane.test', new Date().toISOString(), { hosts: [vouched('dane.test')] }));
    await api.store.write(
      sampleResult('dane-sts.test', new Date().toISOString(), { hosts: [vouched('dane-sts.test')], security: policy('enforce') }),
    );
    await api.store.write(
      sampleResult('dane-testing.test', new Date().toISOString(), {
        hosts: [vouched('dane-testing.test')],
        security: policy('testing'),
      }),
    );
    const body = (await api.app.inject('/d/dane.test')).body.replace(/\s+/g, ' ');
    expect(body).not.toContain('Certificate problems');
    expect(body).toMatch(/<div class="note info">\s*<h3>Certificates vouched for by DANE<\/h3>/);
    // Said without the fix (a CA certificate is not needed for DANE senders), with the MTA-STS check not run.
    expect(body).toContain('mx.dane.test: the certificate is self-signed (<code>DEPTH_ZERO_SELF_SIGNED_CERT</code>).');
    expect(body).not.toContain("Let's Encrypt");
    expect(body).toContain('that matters to senders that enforce MTA-STS (not checked here).');
    expect(body).toMatch(
      /<span class="tag warn">not trusted<\/span ?> <code>DEPTH_ZERO_SELF_SIGNED_CERT<\/code> the certificate is self-signed\. <\/dd>/,
    );
    expect(body).toContain('<span class="tag ok">by DANE</span>');
    const enforced = (await api.app.inject('/d/dane-sts.test')).body;
    expect(enforced).toMatch(/<div class="note warn">\s*<h3>Certificates vouched for by DANE<\/h3>/);
    expect(enforced).toContain('senders that use MTA-STS without DANE will not deliver');
    // Without DANE, an enforced MTA-STS policy is what makes the certificate a reason not to deliver.
    await api.store.write(
      sampleResult('sts-only.test', new Date().toISOString(), {
        hosts: [{ ...vouched('sts-only.test'), dane: null }],
        security: policy('enforce'),
      }),
    );
    const stsOnly = (await api.app.inject('/d/sts-only.test')).body.replace(/\s+/g, ' ');
    expect(stsOnly).toMatch(/<div class="note warn">\s*<h3>Certificate problems<\/h3>/);
    expect(stsOnly).toContain(
      // The apostrophe comes escaped, as every interpolated text does.
      'deliver anyway; but this domain&#39;s MTA-STS policy is in enforce mode, so senders that apply it will not deliver to these hosts.',
    );
    expect(stsOnly).not.toContain('vouched for by DANE');
    const testing = (await api.app.inject('/d/dane-testing.test')).body;
    expect(testing).toContain('that matters only to MTA-STS, which this domain does not enforce.');
  });

  it('a TLS handshake that never completed: its own note with the alert, and no certificate called untrusted', async () => {
    const domain = 'handshake.test';
    const failed = failedHandshakeHost(domain);
    await api.store.write(
      sampleResult(domain, new Date().toISOString(), {
        checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: false },
        hosts: [failed],
      }),
    );
    // The page's HTML wraps its text where the template does: compared with whitespace folded.
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain('TLS handshake fails');
    expect(body).toMatch(
      /mx\.handshake\.test: the server offers TLS, then the handshake\s+does\s+not\s+complete\s+\(<code>tlsv1_alert_internal_error<\/code>\)/,
    );
    expect(body).toMatch(/<span class="tag bad">handshake failed<\/span>\s*<code>tlsv1_alert_internal_error<\/code>/);
    // In plain words, in the note and in the host card.
    expect(body.match(/The server ended the handshake: its own TLS failed \(alert 80\)/g)).toHaveLength(2);
    expect(body).not.toContain('Certificate problems');
    expect(body).not.toContain('does not cover');
    expect(body).not.toContain('not trusted');
  });

  it('a handshake that failed after the server sent its certificate: which certificate, said to be unchecked', async () => {
    const domain = 'sent-cert.test';
    const failed = failedHandshakeHost(domain, {
      notAfter: '2027-03-02T19:21:53.000Z',
      subject: 'CN=mx.sent-cert.test',
      issuer: 'CN=Example CA',
      fingerprintSha256: 'E0:6B',
    });
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [failed] }));
    // The page's HTML wraps its text where the template does: compared with whitespace folded.
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toMatch(
      /<dt>Certificate sent<\/dt>\s*<dd><span class="mono">CN=mx\.sent-cert\.test<\/span>, issued by <span class="mono">CN=Example CA<\/span>, valid until 2027-03-02:\s+sent before the failure, and not checked/,
    );
    expect(body).not.toContain('not trusted');
    expect(body).not.toContain('does not cover');
  });

  it('a server whose best TLS is 1.0: said in its host card, with the senders that refuse it', async () => {
    const domain = 'tls10.test';
    const base = hostileHost(domain);
    const old: HostResult = { ...base, tls: { ...(base.tls as NonNullable<HostResult['tls']>), version: 'TLSv1' } };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [old] }));
    const body = (await api.app.inject(`/d/${domain}`)).body;
    expect(body).toMatch(
      /<dt>Protocol<\/dt>\s*<dd><span class="tag warn">TLSv1 at most<\/span> RFC 8996 deprecates TLS 1\.0 and 1\.1/,
    );
    await api.store.write(sampleResult('tls13.test', new Date().toISOString(), { hosts: [hostileHost('tls13.test')] }));
    const current = (await api.app.inject(`/d/tls13.test`)).body;
    expect(current).toContain('TLSv1.3');
    expect(current).not.toContain('<dt>Protocol</dt>');
  });

  it('a certificate signed over SHA-1: its signature in the host card; the Chain row and the problems note say which, with the fix', async () => {
    const domain = 'sha1-signed.test';
    const base = hostileHost(domain);
    const sha1Leaf = { algorithm: 'sha1WithRSAEncryption', hash: 'SHA-1', selfIssued: false };
    const tls = {
      ...(base.tls as NonNullable<HostResult['tls']>),
      certValid: false,
      hostnameMatch: true,
      error: 'CA_MD_TOO_WEAK',
      certKey: { type: 'RSA', bits: 2048, curve: null },
      keyExchange: { type: 'ECDH', group: 'X25519', bits: 253 },
      chainSignatures: [sha1Leaf, { algorithm: 'sha256WithRSAEncryption', hash: 'SHA-256', selfIssued: true }],
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [{ ...base, tls }] }));
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain(
      '<dt>Keys</dt> <dd><span class="mono">certificate RSA 2048-bit · exchange ECDH 253-bit (X25519) · signature sha1WithRSAEncryption</span></dd>',
    );
    const which =
      'the certificate is signed with SHA-1 (sha1WithRSAEncryption), which senders that verify certificates (OpenSSL 3, Postfix, GnuTLS) refuse';
    expect(body).toContain(`<code>CA_MD_TOO_WEAK</code> ${which}. Fix: have it issued again, signed with SHA-256.`);
    expect(body).toContain('Certificate problems');
    expect(body).toContain(`${which} (<code>CA_MD_TOO_WEAK</code>)`);

    // Behind another verify error (a private CA's chain), the weak signature is said in the Keys row.
    const privateChain = { ...tls, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', chainSignatures: [sha1Leaf] };
    await api.store.write(
      sampleResult('private-sha1.test', new Date().toISOString(), {
        hosts: [{ ...hostileHost('private-sha1.test'), tls: privateChain }],
      }),
    );
    const privateBody = (await api.app.inject('/d/private-sha1.test')).body.replace(/\s+/g, ' ');
    expect(privateBody).toContain(
      '· signature sha1WithRSAEncryption</span><br /><span class="tag warn">the certificate is signed with SHA-1 (sha1WithRSAEncryption)</span> senders that verify certificates (OpenSSL 3, Postfix, GnuTLS) refuse it, opportunistic TLS still encrypts; have it issued again, signed with SHA-256',
    );
  });

  it('a name mismatch owed to a partial wildcard: the Name match row and the problems note say how senders match a wildcard', async () => {
    const domain = 'partial-wildcard.test';
    const base = hostileHost(domain);
    const tls = {
      ...(base.tls as NonNullable<HostResult['tls']>),
      hostnameMatch: false,
      subjectAltNames: ['DNS:mx*.example.test'],
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [{ ...base, tls }] }));
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    const words = 'a wildcard matches only as the whole first label (*.example.com), as senders match it (RFC 9525 6.3)';
    expect(body).toContain(`it names <span class="mono">mx*.example.test</span>: ${words}`);
    expect(body).toContain(`(it names mx*.example.test: ${words})`);
  });

  it('no greeting within the wait: the note says a server may hold it back on purpose, and how long mxv waited', async () => {
    const domain = 'tarpit.test';
    const base = hostileHost(domain);
    const silent: HostResult = {
      ...base,
      banner: null,
      ehlo: null,
      starttls: 'not_tried',
      tls: null,
      error: 'greeting_timeout',
      timingsMs: { connect: 3, banner: null, tls: null, total: 20_004 },
    };
    await api.store.write(
      sampleResult(domain, new Date().toISOString(), {
        verdict: 'bad_banner',
        hosts: [silent],
        checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: false, tlsSupported: false },
      }),
    );
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain(
      `${silent.exchange} sent no greeting within 20.0 s: a server may hold its greeting back on purpose (a tarpit for spam bots), and RFC 5321 4.5.3.2.1 has senders wait 5 minutes for it, so mail may still arrive, late. A server that never greets is down or not a mail server.`,
    );
    // Said once, in the verdict's note.
    expect(body).not.toContain('Hosts that did not greet');
  });

  it('a host that never greeted while another did (verdict ok): an info note of its own, with how long mxv waited', async () => {
    const domain = 'tarpit-backup.test';
    const base = hostileHost(domain);
    const silent: HostResult = {
      ...base,
      exchange: `mx2.${domain}`,
      ip: '192.0.2.77',
      priority: 20,
      banner: null,
      ehlo: null,
      starttls: 'not_tried',
      tls: null,
      error: 'greeting_timeout',
      timingsMs: { connect: 3, banner: null, tls: null, total: 20_004 },
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [base, silent] }));
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain('Hosts that did not greet');
    expect(body).toContain(
      `mx2.${domain} (192.0.2.77) sent no greeting within 20.0 s: a server may hold its greeting back on purpose (a tarpit for spam bots), and RFC 5321 4.5.3.2.1 has senders wait 5 minutes for it, so mail may still arrive, late. </div>Another host greeted: a sender that gives up waiting tries the next MX host. A server that never greets is down or not a mail server.`,
    );
    expect(body).not.toContain('No proper greeting');
  });

  it('verdict ok where the host greeted and then hung up before EHLO: a note that no host took EHLO or HELO', async () => {
    const domain = 'hangs-up.test';
    const closing: HostResult = {
      ...hostileHost(domain),
      ehlo: null,
      starttls: 'not_tried',
      tls: null,
      error: 'closed_after_greeting',
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [closing] }));
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain('No host took EHLO or HELO');
    expect(body).toContain('every one then hung up or refused both EHLO and HELO');
    const fine = 'takes-ehlo.test';
    await api.store.write(sampleResult(fine, new Date().toISOString(), { hosts: [hostileHost(fine)] }));
    expect((await api.app.inject(`/d/${fine}`)).body).not.toContain('No host took EHLO or HELO');
  });

  it('a firewall hiding STARTTLS: a warning note naming the host, what was seen and that the fix is in the firewall', async () => {
    const domain = 'inspected.test';
    const base = hostileHost(domain);
    const inspected: HostResult = {
      ...base,
      banner: { code: 220, text: '****************************2*0*0***' },
      ehlo: { code: 250, command: 'EHLO', extensions: ['PIPELINING', 'XXXXXXXA'] },
      starttls: 'not_offered',
      tls: null,
    };
    await api.store.write(
      sampleResult(domain, new Date().toISOString(), {
        hosts: [inspected],
        checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: false },
      }),
    );
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain('A firewall rewrites the SMTP conversation');
    expect(body).toContain(
      `${inspected.exchange} (${inspected.ip}): the greeting is masked with asterisks and the EHLO reply has XXXXXXXA where STARTTLS would be: a firewall inspecting SMTP (Cisco ASA &quot;inspect esmtp&quot; at its defaults) most likely hides STARTTLS, so no sender can encrypt mail to this host. Fix: let TLS through (&quot;allow-tls&quot; in its ESMTP policy) or stop inspecting SMTP to this server.`,
    );
    expect(body).toContain('The fix is in the firewall, not in the mail server.');
  });

  it("a verify error without a name (Node's UNSPECIFIED): OpenSSL's words beside it in the Chain row and the problems note", async () => {
    const domain = 'unnamed-error.test';
    const base = hostileHost(domain);
    const tls = {
      ...(base.tls as NonNullable<HostResult['tls']>),
      certValid: false,
      hostnameMatch: true,
      error: 'UNSPECIFIED',
      errorText: 'some verify error of a later OpenSSL',
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [{ ...base, tls }] }));
    const body = (await api.app.inject(`/d/${domain}`)).body.replace(/\s+/g, ' ');
    expect(body).toContain('<code>UNSPECIFIED</code> some verify error of a later OpenSSL');
    expect(body).toContain('the certificate is not trusted (<code>UNSPECIFIED</code>: some verify error of a later OpenSSL)');
  });

  it('the keys of the handshake in the host card, and what a key too small costs senders', async () => {
    const domain = 'weak-dh.test';
    const base = hostileHost(domain);
    const tls = {
      ...(base.tls as NonNullable<HostResult['tls']>),
      version: 'TLSv1.2',
      certKey: { type: 'RSA', bits: 2048, curve: null },
      keyExchange: { type: 'DH', group: null, bits: 1024 },
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [{ ...base, tls }] }));
    const body = (await api.app.inject(`/d/${domain}`)).body;
    expect(body).toMatch(
      /<dt>Keys<\/dt>\s*<dd><span class="mono">certificate RSA 2048-bit · exchange DH 1024-bit<\/span><br \/><span class="tag warn">DH 1024-bit key exchange<\/span> below OpenSSL security level 2 \(2048 bits\), the default on Debian, Ubuntu and RHEL: senders on that default fail the handshake/,
    );
    const strong = {
      ...tls,
      certKey: { type: 'EC', bits: 256, curve: 'prime256v1' },
      keyExchange: { type: 'ECDH', group: 'X25519', bits: 253 },
    };
    await api.store.write(
      sampleResult('strong.test', new Date().toISOString(), { hosts: [{ ...hostileHost('strong.test'), tls: strong }] }),
    );
    const strongBody = (await api.app.inject(`/d/strong.test`)).body;
    expect(strongBody).toContain('certificate EC 256-bit (prime256v1) · exchange ECDH 253-bit (X25519)');
    expect(strongBody).not.toContain('security level');
    const rsaTransport = { ...tls, certKey: { type: 'RSA', bits: 2048, curve: null }, keyExchange: null };
    await api.store.write(
      sampleResult('rsa-kx.test', new Date().toISOString(), { hosts: [{ ...hostileHost('rsa-kx.test'), tls: rsaTransport }] }),
    );
    expect((await api.app.inject(`/d/rsa-kx.test`)).body).toContain(
      'certificate RSA 2048-bit · exchange RSA key transport (no forward secrecy)',
    );
  });

  it('an address of an IP version this checker does not probe: listed as not probed, with a note of its own, not called private', async () => {
    const domain = 'v4only.test';
    const base = hostileHost(domain);
    const v6: HostResult = {
      ...base,
      ip: '2001:db8::25',
      connect: 'blocked',
      banner: null,
      ehlo: null,
      starttls: 'not_tried',
      tls: null,
      error: 'ip_family_not_probed',
    };
    await api.store.write(sampleResult(domain, new Date().toISOString(), { hosts: [base, v6] }));
    const body = (await api.app.inject(`/d/${domain}`)).body;
    expect(body).toContain('IPv6 not probed');
    expect(body).toMatch(/Addresses not probed<\/h3>\s*2001:db8::25: this checker probes over\s+IPv4 only/);
    expect(body).not.toContain('not public, not tried');
    expect(body).not.toContain('private, loopback or reserved range');
  });

  it('failed address lookups are not a dangling MX; a malformed exchange and an IP literal are said as senders treat them', async () => {
    const now = new Date().toISOString();
    const noHosts = {
      checks: { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
      hosts: [],
    };
    const record = (exchange: string, problems: MxProblem[]) => ({ exchange, priority: 10, addresses: [], problems });
    await api.store.write(
      sampleResult('lookups-failed.test', now, {
        verdict: 'unresolvable',
        ...noHosts,
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [record('mx.lookups-failed.test', ['dns_error', 'no_address'])],
          dnssec: null,
        },
      }),
    );
    const failed = (await api.app.inject('/d/lookups-failed.test')).body.replace(/\s+/g, ' ');
    expect(failed).toContain('Address lookups failed');
    expect(failed).toContain('senders defer and retry, and bounce only if it lasts for days');
    expect(failed).not.toContain('Dangling MX');

    await api.store.write(
      sampleResult('odd-names.test', now, {
        verdict: 'unresolvable',
        ...noHosts,
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [
            record('mx\\032a.odd-names.test', ['malformed_name', 'no_address']),
            record('192.0.2.1', ['ip_literal', 'no_address']),
          ],
          dnssec: null,
        },
      }),
    );
    const odd = (await api.app.inject('/d/odd-names.test')).body.replace(/\s+/g, ' ');
    expect(odd).toContain('Dangling MX');
    expect(odd).toContain('mx\\032a.odd-names.test is not a host name');
    expect(odd).toContain('Senders skip this MX (Postfix: "malformed domain name")');
    expect(odd).toContain('written as dig writes them, <code>\\DDD</code>');
    expect(odd).toContain('Postfix connects to the address anyway, Exim refuses it');

    await api.store.write(
      sampleResult('implicit-failed.test', now, {
        verdict: 'no_mail_host',
        error: 'implicit_lookup_failed',
        ...noHosts,
        checks: { ...noHosts.checks, mxExists: false },
        mx: { source: 'none', dns: 'NODATA', records: [], dnssec: null },
      }),
    );
    const implicit = (await api.app.inject('/d/implicit-failed.test')).body.replace(/\s+/g, ' ');
    expect(implicit).toContain("the lookup of the domain's own A/AAAA address failed");
  });

  it('explains null MX, implicit MX, blocked and unreachable hosts', async () => {
    const now = new Date().toISOString();
    await api.store.write(
      sampleResult('nullmx.test', now, {
        verdict: 'null_mx',
        checks: { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: { source: 'null', dns: 'NOERROR', records: [], dnssec: null },
        hosts: [],
      }),
    );
    const blockedHost = {
      ...hostileHost('blocked.test'),
      ip: '10.0.0.5',
      connect: 'blocked' as const,
      banner: null,
      ehlo: null,
      starttls: 'not_tried' as const,
      tls: null,
      error: 'blocked_address',
    };
    await api.store.write(
      sampleResult('blocked.test', now, {
        verdict: 'unreachable',
        checks: { mxExists: false, mxResolves: true, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: {
          source: 'implicit',
          dns: 'NOERROR',
          records: [{ exchange: 'blocked.test', priority: 0, addresses: ['10.0.0.5'], problems: [] }],
          dnssec: null,
        },
        hosts: [blockedHost],
      }),
    );
    const nullPage = (await api.app.inject('/d/nullmx.test')).body;
    expect(nullPage).toContain('This domain accepts no mail (null MX)');
    expect(nullPage).toContain('RFC 7505');
    // SPF and DMARC were not checked there: no advice about them.
    expect(nullPage).not.toContain('Forged mail in its name');
    await api.store.write(
      sampleResult('parked.test', now, {
        verdict: 'null_mx',
        checks: { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: { source: 'null', dns: 'NOERROR', records: [], dnssec: null },
        hosts: [],
        security: {
          dane: null,
          mtaSts: null,
          tlsRpt: null,
          spf: { status: 'none', record: null, error: null, lookups: null },
          dmarc: { status: 'valid', record: 'v=DMARC1; p=quarantine', policy: 'quarantine', error: null },
        },
      }),
    );
    const parked = (await api.app.inject('/d/parked.test')).body.replace(/\s+/g, ' ');
    expect(parked).toContain(
      'If this domain sends no mail either, say so too, so that mail forged in its name fails: an SPF record ' +
        '<code>v=spf1 -all</code> and <code>_dmarc</code> with <code>v=DMARC1; p=reject</code> (M3AAWG',
    );
    const blockedPage = (await api.app.inject('/d/blocked.test')).body;
    expect(blockedPage).toContain('No mail host accepts connections');
    expect(blockedPage).toContain('Implicit MX');
    expect(blockedPage).toContain('10.0.0.5 is in a private, loopback or reserved range');
    expect(blockedPage).toContain('port 25 is open');
    expect(blockedPage).toContain('not public, not tried');
    expect(blockedPage).not.toContain('Addresses of this checker');
  });

  it("a host on the checker's own address: said as such, not as a private range", async () => {
    const now = new Date().toISOString();
    const ownHost = {
      ...hostileHost('self.test'),
      ip: '100.0.0.25',
      connect: 'blocked' as const,
      banner: null,
      ehlo: null,
      starttls: 'not_tried' as const,
      tls: null,
      error: 'own_address',
    };
    await api.store.write(
      sampleResult('self.test', now, {
        verdict: 'unreachable',
        checks: { mxExists: true, mxResolves: true, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [{ exchange: 'self.test', priority: 10, addresses: ['100.0.0.25'], problems: [] }],
          dnssec: null,
        },
        hosts: [ownHost, { ...ownHost }],
      }),
    );
    const page = (await api.app.inject('/d/self.test')).body.replace(/\s+/g, ' ');
    expect(page).toContain('Addresses of this checker');
    expect(page).toContain('100.0.0.25 is an address of the machine this check runs on, so mxv did not connect');
    expect(page).toContain('this checker&#39;s own address, not tried');
    expect(page).not.toContain('is in a private, loopback or reserved range');
    expect(page).not.toContain('not public, not tried');
  });

  it('an exchange that repeats its zone name: a note with the name it was probably meant to be, once per name', async () => {
    const exchange = 'mx.dot.test.dot.test';
    await api.store.write(
      sampleResult('dot.test', new Date().toISOString(), {
        verdict: 'unresolvable',
        checks: { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: {
          source: 'mx',
          dns: 'NOERROR',
          records: [
            { exchange, priority: 10, addresses: [], problems: ['no_address'] },
            { exchange, priority: 20, addresses: [], problems: ['no_address'] },
          ],
          dnssec: null,
        },
        hosts: [],
      }),
    );
    const body = (await api.app.inject('/d/dot.test')).body.replace(/\s+/g, ' ');
    const said =
      'This name ends in dot.test twice. It was probably meant as mx.dot.test: in a zone file, a name without a final dot gets ' +
      "the zone's own name appended. Write it as <code>mx.dot.test.</code> (with the dot).";
    expect(body.split(said)).toHaveLength(2);
    expect(body).toContain('has no A/AAAA address');
  });

  it('an unknown domain offers a first check', async () => {
    const res = await api.app.inject('/d/unknown.test');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Not checked yet');
    expect(res.body).toContain('Check now');
  });

  it('"check again" without JavaScript queues a check and redirects; with fetch it answers JSON', async () => {
    const shown = new Date(Date.now() - 5_000).toISOString();
    await api.store.write(sampleResult('again.test', shown));
    const before = await queuedCount(api.queue);
    const form = await api.app.inject({
      method: 'POST',
      url: '/d/again.test/refresh',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(form.statusCode).toBe(303);
    // The redirect says what the new result must be newer than: the one stored when the check was queued.
    expect(form.headers['location']).toBe(`/d/again.test?queued=${encodeURIComponent(shown)}`);
    expect(await queuedCount(api.queue)).toBe(before + 1);
    // A quick check lands before the browser follows the redirect: the page shows it, and its stream
    // (after the time queued, not after what the page shows) answers at once instead of waiting for another.
    const landed = new Date().toISOString();
    await api.store.write(sampleResult('again.test', landed));
    const page = await api.app.inject(String(form.headers['location']));
    expect(page.body).toContain('A new check is queued');
    const events = /data-events="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(events).toBe(`/v1/domains/again.test/events?after=${encodeURIComponent(shown)}`);
    const stream = await api.app.inject(events.replace(/&amp;/g, '&'));
    expect(stream.body).toContain(`"checkedAt":"${landed}"`);
    const js = await api.app.inject({ method: 'POST', url: '/d/again.test/refresh', headers: { accept: 'application/json' } });
    expect(js.statusCode).toBe(200);
    expect(JSON.parse(js.body)).toMatchObject({ status: 'queued', enqueued: false, job: { id: 'again.test' } });
    expect(await queuedCount(api.queue)).toBe(before + 1);
  });

  it('a check queued for a domain with no result yet: the page follows any result, so one that lands before its stream opens is not missed', async () => {
    const page = await api.app.inject('/d/first-ever.test?queued=1');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-events="/v1/domains/first-ever.test/events?after=1970-01-01T00%3A00%3A00.000Z"');
  });

  it('?queued that is not a time the store writes is not used (nor shown): the page follows a result newer than its own', async () => {
    const shown = new Date(Date.now() - 60_000).toISOString();
    await api.store.write(sampleResult('odd-queued.test', shown));
    for (const odd of ['1', '<script>', '2026-13-45T00:00:00.000Z', '2026-12-01', 'x'.repeat(5_000), `${shown}extra`]) {
      const page = await api.app.inject(`/d/odd-queued.test?queued=${encodeURIComponent(odd)}`);
      expect(page.statusCode, odd.slice(0, 40)).toBe(200);
      expect(page.body).toContain(`data-events="/v1/domains/odd-queued.test/events?after=${encodeURIComponent(shown)}"`);
      expect(page.body).not.toContain('<script>"');
    }
  });
});

/** WCAG's contrast ratio of two #rrggbb colours (1.4.3, 1.4.11). */
function contrast(a: string, b: string): number {
  const luminance = (hex: string): number => {
    const [r = 0, g = 0, bl = 0] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

describe('lookup page accessibility', () => {
  it('the MX and Mail security tables stack on a phone, each cell under its column name; every scroll box is a named, focusable region', async () => {
    const result = sampleResult('narrow.test', new Date().toISOString(), {
      security: { ...NO_SECURITY, spf: { status: 'valid', record: 'v=spf1 mx -all', error: null, lookups: 1 } },
      submission: [{ service: 'submission', target: 'mail.narrow.test', port: 587, priority: 0, weight: 1 }],
    });
    await api.store.write(result);
    const body = (await api.app.inject('/d/narrow.test')).body;
    for (const label of ['MX records', 'Mail security', 'Submission services']) {
      expect(body).toContain(`<div class="scroll" tabindex="0" role="region" aria-label="${label}"><table`);
    }
    expect(body.split('class="scroll"')).toHaveLength(4);
    expect(body).toMatch(/<table id="mx-table">\s*<thead>\s*<tr>\s*<th scope="col">Priority<\/th>/);
    const narrow = /@media \(max-width:560px\)\{\n#mx-table,#security-table,[\s\S]*?\n\}/.exec(body)?.[0] ?? '';
    expect(narrow).toContain('#mx-table tr,#security-table tr,#mx-table td,#security-table td{display:block}');
    for (const [index, column] of ['Priority', 'Exchange', 'Addresses', 'Problems'].entries()) {
      expect(narrow).toContain(`#mx-table td:nth-child(${index + 1})::before{content:"${column}"}`);
    }
    expect(narrow).toContain('#security-table td:nth-child(3)::before{content:"Details"}');
    // Host names wrap there rather than run off the screen.
    expect(narrow).toContain('#mx-table td.mono,#security-table td.mono{white-space:normal}');
  });

  it('the live region is the layout’s, outside <main>, so it outlives the swap; the heading can take the focus', async () => {
    const shown = new Date(Date.now() - 5_000).toISOString();
    await api.store.write(sampleResult('live.test', shown));
    const page = (await api.app.inject(`/d/live.test?queued=${encodeURIComponent(shown)}`)).body;
    const live = page.indexOf('<p class="live" id="live-status" role="status">A new check is queued.');
    expect(live).toBeGreaterThan(0);
    expect(live).toBeLessThan(page.indexOf('<main'));
    expect(page.split('id="live-status"')).toHaveLength(2);
    expect(page).toContain('<h1 tabindex="-1">live.test</h1>');
    const part = (await api.app.inject('/d/live.test?part=main')).body;
    expect(part).toMatch(/^<main/);
    expect(part).not.toContain('live-status');
    const missing = (await api.app.inject('/d/never-checked.test')).body;
    expect(missing).toContain('<h1 tabindex="-1">never-checked.test</h1>');
    expect(missing.indexOf('id="live-status"')).toBeLessThan(missing.indexOf('<main'));
    // A busy button stays focusable: aria-disabled, never disabled.
    expect(page).toContain("button.setAttribute('aria-disabled', 'true')");
    expect(page).not.toMatch(/\.disabled = /);
  });

  it('a status is never told by its colour alone: its severity in words beside the tag, and SPF’s "valid" says what it lets pass', async () => {
    const domain = 'tones.test';
    const base = sampleResult(domain, new Date().toISOString());
    const host = base.hosts[0];
    if (!host) throw new Error('sample has a host');
    const spf = (otherSenders: 'pass' | 'neutral' | 'fail') => ({
      status: 'valid' as const,
      record: 'v=spf1 mx ?all',
      error: null,
      lookups: 1,
      otherSenders,
    });
    await api.store.write({
      ...base,
      mx: {
        ...base.mx,
        dnssec: 'insecure',
        records: [{ exchange: `mx.${domain}`, priority: 10, addresses: [], problems: ['no_address'] }],
      },
      security: {
        ...NO_SECURITY,
        dane: 'not_applicable',
        mtaSts: { status: 'none', id: null, mode: null, mx: [], maxAge: null, error: null },
        tlsRpt: { status: 'none', rua: [], error: null },
        spf: spf('pass'),
      },
      hosts: [{ ...host, dane: { status: 'not_applicable', reason: 'mx_not_secure', tlsa: [] } }],
    });
    const body = (await api.app.inject(`/d/${domain}`)).body;
    const row = (key: string): string => new RegExp(`<tr data-security="${key}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
    expect(row('spf')).toContain(
      '<span class="tag bad">valid</span> <span class="aside">anyone passes</span><span class="visually-hidden"> (problem)</span>',
    );
    // "none" was amber here and grey there: now the amber one says so.
    expect(row('mta-sts')).toContain('<span class="tag warn">none</span><span class="visually-hidden"> (warning)</span>');
    expect(row('tls-rpt')).toContain('<span class="tag ">none</span>');
    expect(row('tls-rpt')).not.toContain('visually-hidden');
    expect(row('dane')).toContain('<span class="tag warn">not applicable</span><span class="visually-hidden"> (warning)</span>');
    expect(row('dnssec')).not.toContain('visually-hidden');
    expect(body).toMatch(
      /<dt>DANE<\/dt>\s*<dd><span class="tag warn">not applicable<\/span><span class="visually-hidden"> \(warning\)<\/span>/,
    );
    expect(body).toContain('<span class="tag bad">none</span><span class="visually-hidden"> (problem)</span>');

    await api.store.write({
      ...base,
      domain: 'neutral.test',
      input: 'neutral.test',
      security: { ...NO_SECURITY, spf: spf('neutral') },
    });
    const neutral = (await api.app.inject('/d/neutral.test')).body;
    expect(neutral).toContain(
      '<span class="tag warn">valid</span> <span class="aside">others neutral</span><span class="visually-hidden"> (warning)</span>',
    );
    await api.store.write({
      ...base,
      domain: 'strict.test',
      input: 'strict.test',
      security: { ...NO_SECURITY, spf: spf('fail') },
    });
    expect((await api.app.inject('/d/strict.test')).body).toMatch(/<span class="tag ok">valid<\/span><\/td>/);
  });

  it('the notes come under a heading of their own, each titled by a heading, before the first table', async () => {
    await api.store.write(sampleResult('noted.test', new Date().toISOString(), { hosts: [hostileHost('noted.test')] }));
    const body = (await api.app.inject('/d/noted.test')).body;
    expect(body).toMatch(
      /<section class="notes" id="notes">\s*<h2>Problems found<\/h2>\s*<div class="note warn">\s*<h3>No encryption<\/h3>/,
    );
    expect(body).toMatch(/<div class="note warn">\s*<h3>Certificate problems<\/h3>/);
    expect(body.indexOf('<h2>Problems found</h2>')).toBeLessThan(body.indexOf('<h2>MX records</h2>'));
    expect(body).not.toContain('<strong>');
    // Notes that are only information are not called problems.
    await api.store.write(
      sampleResult('only-info.test', new Date().toISOString(), {
        verdict: 'null_mx',
        checks: { mxExists: true, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
        mx: { source: 'null', dns: 'NOERROR', records: [], dnssec: null },
        hosts: [],
      }),
    );
    const info = (await api.app.inject('/d/only-info.test')).body;
    expect(info).toMatch(/<h2>Notes<\/h2>\s*<div class="note info">\s*<h3>Null MX: no mail on purpose<\/h3>/);
  });

  it('a refused lookup: the box is marked invalid and points at the reason, and the title starts with "Error: "', async () => {
    const bad = await api.app.inject(`/lookup?q=${encodeURIComponent('not a domain')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('<title>Error: not a domain name · mxv</title>');
    expect(bad.body).toMatch(/<input[^>]*aria-invalid="true" aria-describedby="lookup-error"[^>]*autofocus/);
    expect(bad.body).toContain('<p class="error" id="lookup-error" role="alert">“not a domain” is not a domain name');
    // A plain visit: nothing invalid, and no focus taken from the top of the page.
    const home = (await api.app.inject('/')).body;
    expect(home).toContain('<title>mxv · mail check</title>');
    expect(home).not.toContain('aria-invalid');
    expect(home).not.toContain('autofocus');
    // The error page of the other page routes has a title that says what went wrong.
    const invalid = await api.app.inject('/d/bad..test');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain('<title>Error: Not a domain name · mxv</title>');
  });

  it('the check’s time is in the text, not only in a tooltip; recent verdicts are in words', async () => {
    const at = '2026-03-04T05:06:07.890Z';
    await api.store.write(sampleResult('dated.test', at, { verdict: 'bad_banner' }));
    const body = (await api.app.inject('/d/dated.test')).body;
    expect(body).toMatch(/<time datetime="2026-03-04T05:06:07\.890Z">\d+ days ago<\/time> \(2026-03-04 05:06 UTC\)/);
    const home = (await api.app.inject('/')).body;
    expect(home).toMatch(/<span class="tag bad" data-verdict="bad_banner"\s*>The mail hosts do not greet with 220<\/span/);
    expect(home).not.toContain('>bad_banner<');
  });

  it('the stylesheet: a search box border of 3:1 in both schemes, borders forced colours can draw, words broken only where they must', async () => {
    const css = /<style nonce="[^"]+">([\s\S]*?)<\/style>/.exec((await api.app.inject('/')).body)?.[1] ?? '';
    expect(css).toContain('form.search input{flex:1;min-width:0;font:inherit;padding:9px 12px;border:1px solid var(--field)');
    const [light, dark] = [...css.matchAll(/--field:(#[0-9a-f]{6})/g)].map((match) => match[1] ?? '');
    expect(light && dark).toBeTruthy();
    // Light: the white header and the grey page (the box's own background); dark: the same two.
    for (const background of ['#ffffff', '#f6f7f9']) expect(contrast(light ?? '', background)).toBeGreaterThanOrEqual(3);
    for (const background of ['#1b1e22', '#111316']) expect(contrast(dark ?? '', background)).toBeGreaterThanOrEqual(3);
    expect(css).toMatch(/button,\.button\{[^}]*border:1px solid transparent/);
    expect(css).toMatch(/\.tag\{[^}]*border:1px solid transparent/);
    expect(css).not.toContain('break-all');
    expect(css).toMatch(/h1\{[^}]*overflow-wrap:anywhere/);
    expect(css).toMatch(/\.mono,code\{[^}]*overflow-wrap:anywhere/);
  });
});
