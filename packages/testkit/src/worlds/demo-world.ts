import type { WorldDomainSpec, WorldHostSpec, WorldRecord, WorldSpec } from '../world-spec.js';

const mx = (priority: number, exchange: string): WorldRecord => ({ type: 'MX', priority, exchange });
const at = (host: string): WorldRecord => ({ type: 'A', host });

/**
 * The demo world: one domain per verdict and per host status the engine can
 * meet, with readable names. Expectations assume the engine trusts the world's
 * CA (NODE_EXTRA_CA_CERTS or its CA option), is allowed the world's block
 * (`world.allowNet`), and probes `world.smtpPort`.
 *
 * Not simulated: connect "timeout", "unreachable" and "error" need a network
 * path that drops or rejects packets, which loopback has not.
 */
export function demoWorldSpec(opts: { ipBlock?: string; smtpPort?: number; dnsPort?: number } = {}): WorldSpec {
  const hosts: WorldHostSpec[] = [
    { id: 'ok-mx1', behaviour: 'esmtp', hostname: 'mx1.ok.test', cert: { names: ['mx1.ok.test'] } },
    { id: 'ok-relay', behaviour: 'esmtp', hostname: 'relay.ok.test', cert: { names: ['relay.ok.test', 'mx2.ok.test'] } },
    { id: 'no-starttls', behaviour: 'no_starttls', hostname: 'mx.no-starttls.test' },
    {
      id: 'expired',
      behaviour: 'esmtp',
      hostname: 'mx.expired-cert.test',
      cert: { names: ['mx.expired-cert.test'], variant: 'expired' },
    },
    { id: 'wrong-name', behaviour: 'esmtp', hostname: 'mx.wrong-name-cert.test', cert: { names: ['mail.someone-else.example'] } },
    {
      id: 'self-signed',
      behaviour: 'esmtp',
      hostname: 'mx.self-signed.test',
      cert: { names: ['mx.self-signed.test'], variant: 'self_signed' },
    },
    { id: 'implicit', behaviour: 'esmtp', hostname: 'implicit-mx.test', cert: { names: ['implicit-mx.test'] } },
    { id: 'g554', behaviour: 'greeting_554', hostname: 'mx.greeting-554.test' },
    { id: 'g421', behaviour: 'greeting_421', hostname: 'mx.greeting-421.test' },
    { id: 'silent', behaviour: 'silent' },
    { id: 'refused', behaviour: 'esmtp', refused: true },
    { id: 'http', behaviour: 'http' },
    { id: 'garbage', behaviour: 'binary_garbage' },
    {
      id: 'ehlo-refused',
      behaviour: 'ehlo_refused',
      hostname: 'mx.ehlo-refused.test',
      cert: { names: ['mx.ehlo-refused.test'] },
    },
    { id: 'starttls-refused', behaviour: 'starttls_refused', hostname: 'mx.starttls-refused.test' },
    { id: 'garbage-tls', behaviour: 'garbage_after_starttls', hostname: 'mx.garbage-after-starttls.test' },
    { id: 'tls-stall', behaviour: 'tls_stall', hostname: 'mx.tls-stall.test' },
    {
      id: 'multiline',
      behaviour: 'multiline_greeting',
      hostname: 'mx.multiline-greeting.test',
      cert: { names: ['mx.multiline-greeting.test'] },
    },
    {
      id: 'truncated',
      behaviour: 'esmtp',
      hostname: 'mx1.truncated-mx.test',
      cert: { names: ['mx1.truncated-mx.test', 'mx2.truncated-mx.test'] },
    },
    { id: 'shared', behaviour: 'esmtp', hostname: 'mx.shared-hosting.example', cert: { names: ['mx.shared-hosting.example'] } },
    { id: 'down-primary', behaviour: 'esmtp', refused: true },
    { id: 'up-backup', behaviour: 'esmtp', hostname: 'mx2.first-mx-down.test', cert: { names: ['mx2.first-mx-down.test'] } },
    { id: 'reset', behaviour: 'reset_mid_reply', hostname: 'mx.reset-mid-greeting.test' },
    { id: 'close-after-greeting', behaviour: 'close_after_greeting', hostname: 'mx.closes-after-greeting.test' },
  ];

  const records: Record<string, WorldRecord[]> = {
    'ok.test': [mx(10, 'mx1.ok.test'), mx(20, 'mx2.ok.test')],
    'mx1.ok.test': [at('ok-mx1')],
    // RFC 2181 10.3 forbids an MX pointing at an alias; MTAs follow it anyway.
    'mx2.ok.test': [{ type: 'CNAME', target: 'relay.ok.test' }],
    'relay.ok.test': [at('ok-relay')],
    'no-starttls.test': [mx(10, 'mx.no-starttls.test')],
    'mx.no-starttls.test': [at('no-starttls')],
    'expired-cert.test': [mx(10, 'mx.expired-cert.test')],
    'mx.expired-cert.test': [at('expired')],
    'wrong-name-cert.test': [mx(10, 'mx.wrong-name-cert.test')],
    'mx.wrong-name-cert.test': [at('wrong-name')],
    'self-signed.test': [mx(10, 'mx.self-signed.test')],
    'mx.self-signed.test': [at('self-signed')],
    'null-mx.test': [mx(0, '.')],
    'implicit-mx.test': [at('implicit')],
    // The name exists with no records at all: NODATA for MX, A and AAAA.
    'no-mail-host.test': [],
    'servfail.test': [mx(10, 'mx.servfail.test')],
    'dns-timeout.test': [mx(10, 'mx.dns-timeout.test')],
    // mx.dangling-mx.test does not exist: NXDOMAIN for its A and AAAA.
    'dangling-mx.test': [mx(10, 'mx.dangling-mx.test')],
    // An address where a name must be (RFC 5321 5.1); loopback, should anything ever connect to it.
    'ip-literal-mx.test': [mx(10, '127.0.0.25')],
    'greeting-554.test': [mx(10, 'mx.greeting-554.test')],
    'mx.greeting-554.test': [at('g554')],
    'greeting-421.test': [mx(10, 'mx.greeting-421.test')],
    'mx.greeting-421.test': [at('g421')],
    'silent.test': [mx(10, 'mx.silent.test')],
    'mx.silent.test': [at('silent')],
    'refused.test': [mx(10, 'mx.refused.test')],
    'mx.refused.test': [at('refused')],
    // 0.0.0.0/8 is "this network" (RFC 791 3.2): never probed, whatever --allow-net says about the world's block.
    'blocked.test': [mx(10, 'mx.blocked.test')],
    'mx.blocked.test': [{ type: 'A', address: '0.0.0.0' }],
    'http-on-25.test': [mx(10, 'www.http-on-25.test')],
    'www.http-on-25.test': [at('http')],
    'binary-garbage.test': [mx(10, 'mx.binary-garbage.test')],
    'mx.binary-garbage.test': [at('garbage')],
    'ehlo-refused.test': [mx(10, 'mx.ehlo-refused.test')],
    'mx.ehlo-refused.test': [at('ehlo-refused')],
    'starttls-refused.test': [mx(10, 'mx.starttls-refused.test')],
    'mx.starttls-refused.test': [at('starttls-refused')],
    'garbage-after-starttls.test': [mx(10, 'mx.garbage-after-starttls.test')],
    'mx.garbage-after-starttls.test': [at('garbage-tls')],
    'tls-stall.test': [mx(10, 'mx.tls-stall.test')],
    'mx.tls-stall.test': [at('tls-stall')],
    'multiline-greeting.test': [mx(10, 'mx.multiline-greeting.test')],
    'mx.multiline-greeting.test': [at('multiline')],
    // The MX answer is sent truncated over UDP (dnsBehaviours); the engine must ask again over TCP.
    'truncated-mx.test': [mx(10, 'mx1.truncated-mx.test'), mx(20, 'mx2.truncated-mx.test')],
    'mx1.truncated-mx.test': [at('truncated')],
    'mx2.truncated-mx.test': [at('truncated')],
    'shop.test': [mx(10, 'mx.shared-hosting.example')],
    'blog.test': [mx(10, 'mx.shared-hosting.example')],
    'club.example': [mx(10, 'mx.shared-hosting.example')],
    'mx.shared-hosting.example': [at('shared')],
    'first-mx-down.test': [mx(10, 'mx1.first-mx-down.test'), mx(20, 'mx2.first-mx-down.test')],
    'mx1.first-mx-down.test': [at('down-primary')],
    'mx2.first-mx-down.test': [at('up-backup')],
    'reset-mid-greeting.test': [mx(10, 'mx.reset-mid-greeting.test')],
    'mx.reset-mid-greeting.test': [at('reset')],
    'closes-after-greeting.test': [mx(10, 'mx.closes-after-greeting.test')],
    'mx.closes-after-greeting.test': [at('close-after-greeting')],
  };

  const allTrue = { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: true };
  const badBanner = { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: false, tlsSupported: false };
  const domains: WorldDomainSpec[] = [
    {
      name: 'ok.test',
      description: 'two MX (10, 20), valid STARTTLS on both; mx2 is a CNAME',
      expect: {
        verdict: 'ok',
        mxSource: 'mx',
        mxDns: 'NOERROR',
        checks: allTrue,
        problems: ['cname'],
        hosts: [
          { exchange: 'mx1.ok.test', connect: 'ok', bannerCode: 220, starttls: 'ok', certValid: true, hostnameMatch: true },
          { exchange: 'mx2.ok.test', connect: 'ok', bannerCode: 220, starttls: 'ok', certValid: true, hostnameMatch: true },
        ],
      },
    },
    {
      name: 'no-starttls.test',
      description: 'greets and answers EHLO, but offers no STARTTLS',
      expect: {
        verdict: 'ok',
        checks: { ...allTrue, tlsSupported: false },
        hosts: [{ connect: 'ok', bannerCode: 220, starttls: 'not_offered' }],
      },
    },
    {
      name: 'expired-cert.test',
      description: 'STARTTLS works, the certificate expired yesterday',
      expect: { verdict: 'ok', checks: allTrue, hosts: [{ starttls: 'ok', certValid: false, hostnameMatch: true }] },
    },
    {
      name: 'wrong-name-cert.test',
      description: 'trusted certificate for another name',
      expect: { verdict: 'ok', checks: allTrue, hosts: [{ starttls: 'ok', certValid: true, hostnameMatch: false }] },
    },
    {
      name: 'self-signed.test',
      description: 'self-signed certificate',
      expect: { verdict: 'ok', checks: allTrue, hosts: [{ starttls: 'ok', certValid: false, hostnameMatch: true }] },
    },
    {
      name: 'null-mx.test',
      description: 'null MX "0 ." (RFC 7505): accepts no mail',
      expect: {
        verdict: 'null_mx',
        mxSource: 'null',
        mxDns: 'NOERROR',
        checks: { mxExists: true, smtpReachable: false },
        hosts: [],
      },
    },
    {
      name: 'implicit-mx.test',
      description: 'no MX, an A record: the domain is its own mail host (RFC 5321 5.1)',
      expect: {
        verdict: 'ok',
        mxSource: 'implicit',
        mxDns: 'NODATA',
        checks: { ...allTrue, mxExists: false },
        hosts: [{ exchange: 'implicit-mx.test', connect: 'ok', starttls: 'ok', certValid: true, hostnameMatch: true }],
      },
    },
    {
      name: 'no-mail-host.test',
      description: 'the name exists but has no MX and no address (NODATA)',
      expect: {
        verdict: 'no_mail_host',
        mxSource: 'none',
        mxDns: 'NODATA',
        checks: { mxExists: false, mxResolves: false },
        hosts: [],
      },
    },
    { name: 'does-not-exist.test', description: 'NXDOMAIN', expect: { verdict: 'nxdomain', mxDns: 'NXDOMAIN', hosts: [] } },
    {
      name: 'servfail.test',
      description: 'the resolver answers SERVFAIL',
      expect: { verdict: 'dns_error', mxDns: 'SERVFAIL', hosts: [] },
    },
    {
      name: 'dns-timeout.test',
      description: 'the resolver never answers',
      expect: { verdict: 'dns_error', mxDns: 'TIMEOUT', hosts: [] },
    },
    {
      name: 'dangling-mx.test',
      description: 'the MX names a host that does not exist',
      expect: {
        verdict: 'unresolvable',
        mxSource: 'mx',
        checks: { mxExists: true, mxResolves: false },
        problems: ['no_address'],
        hosts: [],
      },
    },
    {
      name: 'ip-literal-mx.test',
      description: 'the MX is an IP address, not a name',
      expect: { verdict: 'unresolvable', mxSource: 'mx', problems: ['ip_literal', 'no_address'], hosts: [] },
    },
    {
      name: 'greeting-554.test',
      description: '"554 No SMTP service here" greeting',
      expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: 554 }] },
    },
    {
      name: 'greeting-421.test',
      description: '421 greeting, then the server closes',
      expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: 421 }] },
    },
    {
      name: 'silent.test',
      description: 'accepts the connection and never greets (greeting timeout)',
      expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    },
    {
      name: 'refused.test',
      description: 'nothing listens: connection refused',
      expect: {
        verdict: 'unreachable',
        checks: { mxResolves: true, smtpReachable: false },
        hosts: [{ connect: 'refused', bannerCode: null }],
      },
    },
    {
      name: 'blocked.test',
      description: 'the MX resolves to 0.0.0.0, which is never probed',
      expect: {
        verdict: 'unreachable',
        checks: { mxResolves: true, smtpReachable: false },
        hosts: [{ connect: 'blocked', bannerCode: null }],
      },
    },
    {
      name: 'http-on-25.test',
      description: 'a web server on port 25: silent until spoken to',
      expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    },
    {
      name: 'binary-garbage.test',
      description: 'random bytes instead of a greeting',
      expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    },
    {
      name: 'reset-mid-greeting.test',
      description: 'half a greeting, then a TCP reset',
      expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    },
    {
      name: 'ehlo-refused.test',
      description: '500 to EHLO, 250 to HELO (so no STARTTLS)',
      expect: {
        verdict: 'ok',
        checks: { ...allTrue, tlsSupported: false },
        hosts: [{ bannerCode: 220, ehloCommand: 'HELO', starttls: 'not_offered' }],
      },
    },
    {
      name: 'starttls-refused.test',
      description: 'STARTTLS offered, 454 when used',
      expect: { verdict: 'ok', checks: { ...allTrue, tlsSupported: false }, hosts: [{ bannerCode: 220, starttls: 'failed' }] },
    },
    {
      name: 'garbage-after-starttls.test',
      description: '220 to STARTTLS, then plain text instead of TLS',
      expect: { verdict: 'ok', checks: { ...allTrue, tlsSupported: false }, hosts: [{ bannerCode: 220, starttls: 'failed' }] },
    },
    {
      name: 'tls-stall.test',
      description: '220 to STARTTLS, then the handshake never progresses',
      expect: { verdict: 'ok', checks: { ...allTrue, tlsSupported: false }, hosts: [{ bannerCode: 220, starttls: 'failed' }] },
    },
    {
      name: 'multiline-greeting.test',
      description: 'a three-line 220 greeting',
      expect: {
        verdict: 'ok',
        checks: allTrue,
        hosts: [{ bannerCode: 220, starttls: 'ok', certValid: true, hostnameMatch: true }],
      },
    },
    {
      name: 'closes-after-greeting.test',
      description: 'greets with 220, then hangs up before EHLO',
      expect: { verdict: 'ok', checks: { ...allTrue, tlsSupported: false }, hosts: [{ connect: 'ok', bannerCode: 220 }] },
    },
    {
      name: 'truncated-mx.test',
      description: 'the MX answer comes truncated over UDP: the engine must retry over TCP',
      expect: { verdict: 'ok', mxSource: 'mx', mxDns: 'NOERROR', checks: allTrue },
    },
    {
      name: 'first-mx-down.test',
      description: 'the preferred MX refuses connections, the backup works',
      expect: {
        verdict: 'ok',
        checks: allTrue,
        hosts: [
          { exchange: 'mx1.first-mx-down.test', connect: 'refused' },
          { exchange: 'mx2.first-mx-down.test', connect: 'ok', starttls: 'ok' },
        ],
      },
    },
    {
      name: 'shop.test',
      description: 'on a shared mail host (also blog.test, club.example)',
      expect: { verdict: 'ok', checks: allTrue },
    },
    { name: 'blog.test', description: 'on a shared mail host', expect: { verdict: 'ok', checks: allTrue } },
    { name: 'club.example', description: 'on a shared mail host', expect: { verdict: 'ok', checks: allTrue } },
    { name: 'not a domain!', description: 'not a domain name at all', expect: { verdict: 'invalid', hosts: [] } },
  ];

  return {
    ipBlock: opts.ipBlock,
    smtpPort: opts.smtpPort,
    dnsPort: opts.dnsPort,
    hosts,
    records,
    dnsBehaviours: {
      'servfail.test': { fail: 'servfail' },
      'dns-timeout.test': { fail: 'timeout' },
      'truncated-mx.test': { truncate: true, types: ['MX'] },
    },
    domains,
  };
}
