import type { DnsBehaviour, ZoneDnssec } from '../dns-zone.js';
import {
  SMTP_PORT_TOKEN,
  type WorldDomainSpec,
  type WorldHostSpec,
  type WorldPolicyServerSpec,
  type WorldRecord,
} from '../world-spec.js';

/** A host of a scenario, with its fixed place in the world's address block. */
export interface SlottedHost extends WorldHostSpec {
  /**
   * The host gets the block's address number `slot` (1 is the first after the
   * resolver). Fixed by hand rather than by the scenario's position, so that
   * adding or moving a scenario never moves another host to a new address; a
   * new host takes the next free number.
   */
  slot: number;
}

/**
 * One domain of the demo world with what it should get, and what is behind it:
 * its DNS records and behaviours, and the SMTP hosts they lead to. A host
 * shared by several domains is defined by the first of them.
 */
export interface DemoScenario extends WorldDomainSpec {
  hosts?: SlottedHost[];
  records?: Record<string, WorldRecord[]>;
  dnsBehaviours?: Record<string, DnsBehaviour>;
  /** Zones of this scenario and how the world's validating resolver judges them (the TLD `test` is secure). */
  dnssec?: Record<string, ZoneDnssec>;
  /** HTTPS policy hosts (MTA-STS); they take addresses after every SMTP host, in scenario order. */
  policyServers?: WorldPolicyServerSpec[];
}

const mx = (priority: number, exchange: string): WorldRecord => ({ type: 'MX', priority, exchange });
const at = (host: string): WorldRecord => ({ type: 'A', host });

/** The common shape: `domain` has one MX, `exchange`, whose address is that of host `hostId`. */
function oneMx(domain: string, exchange: string, hostId: string): Record<string, WorldRecord[]> {
  return { [domain]: [mx(10, exchange)], [exchange]: [at(hostId)] };
}

/** The TLSA owner of an exchange on the world's SMTP port (RFC 7672 2.2.3). */
const tlsaOf = (exchange: string): string => `_${SMTP_PORT_TOKEN}._tcp.${exchange}`;
const tlsaEe = (host: string): WorldRecord => ({ type: 'TLSA', host, of: 'leaf', usage: 3, selector: 1, matchingType: 1 });

const allTrue = { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: true };
const noTls = { ...allTrue, tlsSupported: false };
const badBanner = { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: false, tlsSupported: false };

const txt = (text: string): WorldRecord => ({ type: 'TXT', text });
const SHARED_MX = 'mx.shared-hosting.example';
const stsPolicy = (mode: string, ...mxPatterns: string[]): string =>
  ['version: STSv1', `mode: ${mode}`, ...mxPatterns.map((m) => `mx: ${m}`), 'max_age: 86400', ''].join('\r\n');

/** A domain on the shared mail host with an MTA-STS TXT record and a policy host (`mta-sts.<domain>`) of its own. */
function stsDomain(
  domain: string,
  id: string,
  server: Omit<WorldPolicyServerSpec, 'id' | 'cert'> & { cert?: WorldPolicyServerSpec['cert'] },
) {
  const serverId = `sts-${domain}`;
  return {
    policyServers: [{ id: serverId, cert: server.cert ?? { names: [`mta-sts.${domain}`] }, behaviour: server.behaviour }],
    records: {
      [domain]: [mx(10, SHARED_MX)],
      [`_mta-sts.${domain}`]: [txt(`v=STSv1; id=${id};`)],
      [`mta-sts.${domain}`]: [at(serverId)],
    },
  };
}

/**
 * The mail security policies (MTA-STS, TLS-RPT, SPF, DMARC): one domain per
 * status of each, all on the shared mail host of shop.test (whose certificate
 * is valid for mx.shared-hosting.example), so they add no SMTP host. Every
 * earlier domain publishes none of them: that is their `none`.
 */
const POLICY_SCENARIOS: DemoScenario[] = [
  {
    name: 'dmarc-reports-elsewhere.test',
    description:
      'DMARC reports to two outside destinations: one takes them (its _report._dmarc record), the other never said so (RFC 7489 7.1)',
    expect: { verdict: 'ok', security: { spf: 'valid', spfOtherSenders: 'fail', dmarc: 'valid' } },
    records: {
      'dmarc-reports-elsewhere.test': [mx(10, SHARED_MX), txt('v=spf1 mx -all')],
      '_dmarc.dmarc-reports-elsewhere.test': [
        txt('v=DMARC1; p=reject; rua=mailto:agg@reports-ok.example,mailto:agg@reports-unasked.example'),
      ],
      'dmarc-reports-elsewhere.test._report._dmarc.reports-ok.example': [txt('v=DMARC1')],
    },
  },
  {
    name: 'spf-anyone.test',
    description: 'SPF valid but +all: every host passes, so DMARC p=reject stops no forger',
    expect: { verdict: 'ok', security: { spf: 'valid', spfOtherSenders: 'pass', dmarc: 'valid' } },
    records: {
      'spf-anyone.test': [mx(10, SHARED_MX), txt('v=spf1 mx +all')],
      '_dmarc.spf-anyone.test': [txt('v=DMARC1; p=reject')],
    },
  },
  (() => {
    const sts = stsDomain('policies-ok.test', '20261130', {
      behaviour: { kind: 'policy', body: stsPolicy('enforce', SHARED_MX) },
    });
    return {
      name: 'policies-ok.test',
      description: 'MTA-STS enforce (host passes), TLS-RPT, SPF and DMARC all valid',
      expect: {
        verdict: 'ok',
        checks: allTrue,
        security: { mtaSts: 'valid', tlsRpt: 'valid', spf: 'valid', spfOtherSenders: 'fail', dmarc: 'valid' },
        hosts: [{ exchange: SHARED_MX, mtaSts: 'pass' }],
      },
      policyServers: sts.policyServers,
      records: {
        ...sts.records,
        'policies-ok.test': [
          mx(10, SHARED_MX),
          txt('v=spf1 mx include:_spf.policies-ok.test -all'),
          // RFC 7208 3.3: the strings of one record are joined.
          { type: 'TXT', text: ['google-site-verification=', 'abc123'] },
        ],
        '_spf.policies-ok.test': [txt('v=spf1 ip4:192.0.2.0/24 ~all')],
        '_smtp._tls.policies-ok.test': [txt('v=TLSRPTv1; rua=mailto:tls-reports@policies-ok.test')],
        '_dmarc.policies-ok.test': [txt('v=DMARC1; p=reject; rua=mailto:dmarc@policies-ok.test; pct=100')],
      },
    };
  })(),
  (() => {
    const sts = stsDomain('policies-broken.test', 'v2', {
      behaviour: { kind: 'policy', body: stsPolicy('testing', '*.elsewhere.example') },
    });
    return {
      name: 'policies-broken.test',
      description: 'MTA-STS testing, MX not in the policy (host fails); TLS-RPT without rua; SPF include loop; DMARC garbage',
      expect: {
        verdict: 'ok',
        checks: allTrue,
        security: { mtaSts: 'valid', tlsRpt: 'invalid', spf: 'permerror', spfError: 'include_loop', dmarc: 'invalid' },
        hosts: [{ exchange: SHARED_MX, mtaSts: 'fail' }],
      },
      policyServers: sts.policyServers,
      records: {
        ...sts.records,
        'policies-broken.test': [mx(10, SHARED_MX), txt('v=spf1 include:_spf.policies-broken.test -all')],
        '_spf.policies-broken.test': [txt('v=spf1 include:policies-broken.test')],
        '_smtp._tls.policies-broken.test': [txt('v=TLSRPTv1;')],
        '_dmarc.policies-broken.test': [txt('v=DMARC1; p=sometimes; pct=lots')],
      },
    };
  })(),
  (() => {
    const sts = stsDomain('sts-404.test', '1', { behaviour: { kind: 'status', code: 404 } });
    return {
      name: 'sts-404.test',
      description: 'MTA-STS record, but the policy host answers 404; SPF over the 10-lookup limit',
      expect: {
        verdict: 'ok',
        security: { mtaSts: 'invalid', mtaStsError: 'fetch_http_404', spf: 'permerror', spfError: 'too_many_lookups' },
        hosts: [{ exchange: SHARED_MX, mtaSts: null }],
      },
      policyServers: sts.policyServers,
      records: {
        ...sts.records,
        'sts-404.test': [mx(10, SHARED_MX), txt(`v=spf1 ${Array.from({ length: 11 }, () => 'mx').join(' ')} -all`)],
      },
    };
  })(),
  (() => {
    const sts = stsDomain('sts-untrusted.test', '1', {
      cert: { names: ['mta-sts.sts-untrusted.test'], variant: 'self_signed' },
      behaviour: { kind: 'policy', body: stsPolicy('enforce', SHARED_MX) },
    });
    return {
      name: 'sts-untrusted.test',
      description: 'MTA-STS policy host with a self-signed certificate; SPF include meets SERVFAIL (temperror)',
      expect: {
        verdict: 'ok',
        security: { mtaSts: 'invalid', mtaStsError: 'fetch_tls_untrusted', spf: 'temperror' },
        hosts: [{ exchange: SHARED_MX, mtaSts: null }],
      },
      policyServers: sts.policyServers,
      records: { ...sts.records, 'sts-untrusted.test': [mx(10, SHARED_MX), txt('v=spf1 include:servfail.test -all')] },
    };
  })(),
  (() => {
    const sts = stsDomain('sts-redirect.test', '1', {
      behaviour: { kind: 'redirect', location: 'https://mta-sts.policies-ok.test/.well-known/mta-sts.txt' },
    });
    return {
      name: 'sts-redirect.test',
      description: 'MTA-STS policy host redirects (RFC 8461 3.3: not followed)',
      expect: { verdict: 'ok', security: { mtaSts: 'invalid', mtaStsError: 'fetch_redirect' } },
      policyServers: sts.policyServers,
      records: sts.records,
    };
  })(),
  {
    name: 'mail.org-policies.test',
    description: 'two MTA-STS TXT records; DMARC found at the organizational domain (org-policies.test)',
    expect: { verdict: 'ok', security: { mtaSts: 'invalid', mtaStsError: 'txt_multiple', dmarc: 'valid' } },
    records: {
      'mail.org-policies.test': [mx(10, SHARED_MX)],
      '_mta-sts.mail.org-policies.test': [txt('v=STSv1; id=1'), txt('v=STSv1; id=2')],
      '_dmarc.org-policies.test': [txt('v=DMARC1; p=quarantine; sp=none')],
    },
  },
];

/**
 * The demo world's scenarios, in the order the demo lists its domains: one per
 * verdict and per host status the engine can meet, with readable names.
 * Expectations assume the engine trusts the world's CA (NODE_EXTRA_CA_CERTS or
 * its CA option), is allowed the world's block (`world.allowNet`), and probes
 * `world.smtpPort`.
 *
 * Not simulated: connect "timeout", "unreachable" and "error" need a network
 * path that drops or rejects packets, which loopback has not.
 */
export const DEMO_SCENARIOS: DemoScenario[] = [
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
    hosts: [
      { slot: 1, id: 'ok-mx1', behaviour: 'esmtp', hostname: 'mx1.ok.test', cert: { names: ['mx1.ok.test'] } },
      {
        slot: 2,
        id: 'ok-relay',
        behaviour: 'esmtp',
        hostname: 'relay.ok.test',
        cert: { names: ['relay.ok.test', 'mx2.ok.test'] },
      },
    ],
    records: {
      'ok.test': [mx(10, 'mx1.ok.test'), mx(20, 'mx2.ok.test')],
      'mx1.ok.test': [at('ok-mx1')],
      // RFC 2181 10.3 forbids an MX pointing at an alias; MTAs follow it anyway.
      'mx2.ok.test': [{ type: 'CNAME', target: 'relay.ok.test' }],
      'relay.ok.test': [at('ok-relay')],
    },
  },
  {
    name: 'no-starttls.test',
    description: 'greets and answers EHLO, but offers no STARTTLS',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ connect: 'ok', bannerCode: 220, starttls: 'not_offered' }] },
    hosts: [{ slot: 3, id: 'no-starttls', behaviour: 'no_starttls', hostname: 'mx.no-starttls.test' }],
    records: oneMx('no-starttls.test', 'mx.no-starttls.test', 'no-starttls'),
  },
  {
    name: 'firewall-inspected.test',
    description:
      'behind a firewall inspecting ESMTP as Cisco ASA does by default: the greeting masked with asterisks, STARTTLS overwritten as XXXXXXXA, so nobody can encrypt',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ connect: 'ok', bannerCode: 220, starttls: 'not_offered' }] },
    hosts: [
      {
        slot: 38,
        id: 'firewall-inspected',
        behaviour: 'esmtp_inspected',
        hostname: 'mx.firewall-inspected.test',
        cert: { names: ['mx.firewall-inspected.test'] },
      },
    ],
    records: oneMx('firewall-inspected.test', 'mx.firewall-inspected.test', 'firewall-inspected'),
  },
  {
    name: 'starttls-454.test',
    description:
      "offers STARTTLS, then answers it 454 (TLS not available): mail goes in clear; the result keeps the server's words",
    expect: {
      verdict: 'ok',
      checks: noTls,
      hosts: [{ connect: 'ok', bannerCode: 220, starttls: 'failed', refusal: { command: 'STARTTLS', code: 454 } }],
    },
    hosts: [{ slot: 30, id: 'starttls-454', behaviour: 'starttls_refused', hostname: 'mx.starttls-454.test' }],
    records: oneMx('starttls-454.test', 'mx.starttls-454.test', 'starttls-454'),
  },
  {
    name: 'expired-cert.test',
    description: 'STARTTLS works, the certificate expired yesterday',
    expect: { verdict: 'ok', checks: allTrue, hosts: [{ starttls: 'ok', certValid: false, hostnameMatch: true }] },
    hosts: [
      {
        slot: 4,
        id: 'expired',
        behaviour: 'esmtp',
        hostname: 'mx.expired-cert.test',
        cert: { names: ['mx.expired-cert.test'], variant: 'expired' },
      },
    ],
    records: oneMx('expired-cert.test', 'mx.expired-cert.test', 'expired'),
  },
  {
    name: 'expired-intermediate.test',
    description: 'a valid certificate sent with an intermediate past its date (a chain file never updated)',
    expect: {
      verdict: 'ok',
      checks: allTrue,
      hosts: [{ starttls: 'ok', certValid: false, certError: 'CERT_HAS_EXPIRED', hostnameMatch: true }],
    },
    hosts: [
      {
        slot: 37,
        id: 'expired-intermediate',
        behaviour: 'esmtp',
        hostname: 'mx.expired-intermediate.test',
        cert: { names: ['mx.expired-intermediate.test'], variant: 'expired_intermediate' },
      },
    ],
    records: oneMx('expired-intermediate.test', 'mx.expired-intermediate.test', 'expired-intermediate'),
  },
  {
    name: 'wrong-name-cert.test',
    description: 'trusted certificate for another name',
    expect: { verdict: 'ok', checks: allTrue, hosts: [{ starttls: 'ok', certValid: true, hostnameMatch: false }] },
    hosts: [
      {
        slot: 5,
        id: 'wrong-name',
        behaviour: 'esmtp',
        hostname: 'mx.wrong-name-cert.test',
        cert: { names: ['mail.someone-else.example'] },
      },
    ],
    records: oneMx('wrong-name-cert.test', 'mx.wrong-name-cert.test', 'wrong-name'),
  },
  {
    name: 'weak-dh.test',
    description: 'TLS 1.2 with DHE over a 1024-bit group only: senders at OpenSSL security level 2 fail the handshake',
    expect: {
      verdict: 'ok',
      checks: allTrue,
      hosts: [{ starttls: 'ok', certValid: true, hostnameMatch: true, certKeyBits: 2048, keyExchangeBits: 1024 }],
    },
    hosts: [
      {
        slot: 32,
        id: 'weak-dh',
        behaviour: 'esmtp',
        hostname: 'mx.weak-dh.test',
        cert: { names: ['mx.weak-dh.test'], key: { type: 'rsa', bits: 2048 } },
        tls: { maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384', dhGroup: 'modp2' },
      },
    ],
    records: oneMx('weak-dh.test', 'mx.weak-dh.test', 'weak-dh'),
  },
  {
    name: 'weak-rsa.test',
    description: 'a trusted 1024-bit RSA certificate: senders at OpenSSL security level 2 that verify refuse it',
    expect: {
      verdict: 'ok',
      checks: allTrue,
      hosts: [{ starttls: 'ok', certValid: true, hostnameMatch: true, certKeyBits: 1024 }],
    },
    hosts: [
      {
        slot: 33,
        id: 'weak-rsa',
        behaviour: 'esmtp',
        hostname: 'mx.weak-rsa.test',
        cert: { names: ['mx.weak-rsa.test'], key: { type: 'rsa', bits: 1024 } },
      },
    ],
    records: oneMx('weak-rsa.test', 'mx.weak-rsa.test', 'weak-rsa'),
  },
  {
    name: 'sha1-signed.test',
    description:
      'a certificate its CA signed with SHA-1: OpenSSL 3, Postfix and GnuTLS refuse it when they verify (CA_MD_TOO_WEAK), MTA-STS fails',
    expect: {
      verdict: 'ok',
      checks: allTrue,
      hosts: [{ starttls: 'ok', certValid: false, certError: 'CA_MD_TOO_WEAK', hostnameMatch: true }],
    },
    hosts: [
      {
        slot: 35,
        id: 'sha1-signed',
        behaviour: 'esmtp',
        hostname: 'mx.sha1-signed.test',
        cert: { names: ['mx.sha1-signed.test'], signatureHash: 'SHA-1' },
        // A server at OpenSSL's default level refuses to load such a certificate.
        tls: { ciphers: 'DEFAULT:@SECLEVEL=0' },
      },
    ],
    records: oneMx('sha1-signed.test', 'mx.sha1-signed.test', 'sha1-signed'),
  },
  {
    name: 'self-signed.test',
    description: 'self-signed certificate',
    expect: { verdict: 'ok', checks: allTrue, hosts: [{ starttls: 'ok', certValid: false, hostnameMatch: true }] },
    hosts: [
      {
        slot: 6,
        id: 'self-signed',
        behaviour: 'esmtp',
        hostname: 'mx.self-signed.test',
        cert: { names: ['mx.self-signed.test'], variant: 'self_signed' },
      },
    ],
    records: oneMx('self-signed.test', 'mx.self-signed.test', 'self-signed'),
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
    records: { 'null-mx.test': [mx(0, '.')] },
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
    hosts: [{ slot: 7, id: 'implicit', behaviour: 'esmtp', hostname: 'implicit-mx.test', cert: { names: ['implicit-mx.test'] } }],
    records: { 'implicit-mx.test': [at('implicit')] },
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
    // The name exists with no records at all: NODATA for MX, A and AAAA.
    records: { 'no-mail-host.test': [] },
  },
  // No record at all: the resolver answers NXDOMAIN.
  { name: 'does-not-exist.test', description: 'NXDOMAIN', expect: { verdict: 'nxdomain', mxDns: 'NXDOMAIN', hosts: [] } },
  {
    name: 'servfail.test',
    description: 'the resolver answers SERVFAIL',
    expect: { verdict: 'dns_error', mxDns: 'SERVFAIL', hosts: [] },
    records: { 'servfail.test': [mx(10, 'mx.servfail.test')] },
    dnsBehaviours: { 'servfail.test': { fail: 'servfail' } },
  },
  {
    name: 'dns-timeout.test',
    description: 'the resolver never answers',
    expect: { verdict: 'dns_error', mxDns: 'TIMEOUT', hosts: [] },
    records: { 'dns-timeout.test': [mx(10, 'mx.dns-timeout.test')] },
    dnsBehaviours: { 'dns-timeout.test': { fail: 'timeout' } },
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
    // mx.dangling-mx.test does not exist: NXDOMAIN for its A and AAAA.
    records: { 'dangling-mx.test': [mx(10, 'mx.dangling-mx.test')] },
  },
  {
    name: 'no-final-dot.test',
    description: "the MX was written without its final dot in the zone file, which appended the zone's name to it",
    expect: { verdict: 'unresolvable', mxSource: 'mx', problems: ['no_address'], hosts: [] },
    // "MX 10 mx.no-final-dot.test" in the zone of no-final-dot.test, without the dot: the zone's name appended.
    records: { 'no-final-dot.test': [mx(10, 'mx.no-final-dot.test.no-final-dot.test')] },
  },
  {
    name: 'ip-literal-mx.test',
    description: 'the MX is an IP address, not a name',
    expect: { verdict: 'unresolvable', mxSource: 'mx', problems: ['ip_literal', 'no_address'], hosts: [] },
    // An address where a name must be (RFC 5321 5.1); loopback, should anything ever connect to it.
    records: { 'ip-literal-mx.test': [mx(10, '127.0.0.25')] },
  },
  {
    name: 'greeting-554.test',
    description: '"554 No SMTP service here" greeting',
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: 554 }] },
    hosts: [{ slot: 8, id: 'g554', behaviour: 'greeting_554', hostname: 'mx.greeting-554.test' }],
    records: oneMx('greeting-554.test', 'mx.greeting-554.test', 'g554'),
  },
  {
    name: 'greeting-421.test',
    description: '421 greeting, then the server closes',
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: 421 }] },
    hosts: [{ slot: 9, id: 'g421', behaviour: 'greeting_421', hostname: 'mx.greeting-421.test' }],
    records: oneMx('greeting-421.test', 'mx.greeting-421.test', 'g421'),
  },
  {
    name: 'dnsbl-drop.test',
    description:
      "postscreen whose DNS block list names the prober: its 220- greeting line, then 521 ending the same reply (the last line's code counts)",
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: 521 }] },
    hosts: [{ slot: 31, id: 'dnsbl-drop', behaviour: 'dnsbl_drop', hostname: 'mx.dnsbl-drop.test' }],
    records: oneMx('dnsbl-drop.test', 'mx.dnsbl-drop.test', 'dnsbl-drop'),
  },
  {
    name: 'silent.test',
    description: 'accepts the connection and never greets (greeting timeout)',
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    hosts: [{ slot: 10, id: 'silent', behaviour: 'silent' }],
    records: oneMx('silent.test', 'mx.silent.test', 'silent'),
  },
  {
    name: 'refused.test',
    description: 'nothing listens: connection refused',
    expect: {
      verdict: 'unreachable',
      checks: { mxResolves: true, smtpReachable: false },
      hosts: [{ connect: 'refused', bannerCode: null }],
    },
    hosts: [{ slot: 11, id: 'refused', behaviour: 'esmtp', refused: true }],
    records: oneMx('refused.test', 'mx.refused.test', 'refused'),
  },
  {
    name: 'blocked.test',
    description: 'the MX resolves to 0.0.0.0, which is never probed',
    expect: {
      verdict: 'unreachable',
      checks: { mxResolves: true, smtpReachable: false },
      hosts: [{ connect: 'blocked', bannerCode: null }],
    },
    // 0.0.0.0/8 is "this network" (RFC 791 3.2): never probed, whatever --allow-net says about the world's block.
    records: { 'blocked.test': [mx(10, 'mx.blocked.test')], 'mx.blocked.test': [{ type: 'A', address: '0.0.0.0' }] },
  },
  {
    name: 'http-on-25.test',
    description: 'a web server on port 25: silent until spoken to',
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    hosts: [{ slot: 12, id: 'http', behaviour: 'http' }],
    records: oneMx('http-on-25.test', 'www.http-on-25.test', 'http'),
  },
  {
    name: 'binary-garbage.test',
    description: 'random bytes instead of a greeting',
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    hosts: [{ slot: 13, id: 'garbage', behaviour: 'binary_garbage' }],
    records: oneMx('binary-garbage.test', 'mx.binary-garbage.test', 'garbage'),
  },
  {
    name: 'reset-mid-greeting.test',
    description: 'half a greeting, then a TCP reset',
    expect: { verdict: 'bad_banner', checks: badBanner, hosts: [{ connect: 'ok', bannerCode: null }] },
    hosts: [{ slot: 23, id: 'reset', behaviour: 'reset_mid_reply', hostname: 'mx.reset-mid-greeting.test' }],
    records: oneMx('reset-mid-greeting.test', 'mx.reset-mid-greeting.test', 'reset'),
  },
  {
    name: 'ehlo-refused.test',
    description: '500 to EHLO, 250 to HELO (so no STARTTLS)',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ bannerCode: 220, ehloCommand: 'HELO', starttls: 'not_offered' }] },
    hosts: [
      {
        slot: 14,
        id: 'ehlo-refused',
        behaviour: 'ehlo_refused',
        hostname: 'mx.ehlo-refused.test',
        cert: { names: ['mx.ehlo-refused.test'] },
      },
    ],
    records: oneMx('ehlo-refused.test', 'mx.ehlo-refused.test', 'ehlo-refused'),
  },
  {
    name: 'starttls-refused.test',
    description: 'STARTTLS offered, 454 when used',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ bannerCode: 220, starttls: 'failed' }] },
    hosts: [{ slot: 15, id: 'starttls-refused', behaviour: 'starttls_refused', hostname: 'mx.starttls-refused.test' }],
    records: oneMx('starttls-refused.test', 'mx.starttls-refused.test', 'starttls-refused'),
  },
  {
    name: 'garbage-after-starttls.test',
    description: '220 to STARTTLS, then plain text instead of TLS',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ bannerCode: 220, starttls: 'failed' }] },
    hosts: [{ slot: 16, id: 'garbage-tls', behaviour: 'garbage_after_starttls', hostname: 'mx.garbage-after-starttls.test' }],
    records: oneMx('garbage-after-starttls.test', 'mx.garbage-after-starttls.test', 'garbage-tls'),
  },
  {
    name: 'tls-stall.test',
    description: '220 to STARTTLS, then the handshake never progresses',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ bannerCode: 220, starttls: 'failed' }] },
    hosts: [{ slot: 17, id: 'tls-stall', behaviour: 'tls_stall', hostname: 'mx.tls-stall.test' }],
    records: oneMx('tls-stall.test', 'mx.tls-stall.test', 'tls-stall'),
  },
  {
    name: 'multiline-greeting.test',
    description: 'a three-line 220 greeting',
    expect: {
      verdict: 'ok',
      checks: allTrue,
      hosts: [{ bannerCode: 220, starttls: 'ok', certValid: true, hostnameMatch: true }],
    },
    hosts: [
      {
        slot: 18,
        id: 'multiline',
        behaviour: 'multiline_greeting',
        hostname: 'mx.multiline-greeting.test',
        cert: { names: ['mx.multiline-greeting.test'] },
      },
    ],
    records: oneMx('multiline-greeting.test', 'mx.multiline-greeting.test', 'multiline'),
  },
  {
    name: 'closes-after-greeting.test',
    description: 'greets with 220, then hangs up before EHLO',
    expect: { verdict: 'ok', checks: noTls, hosts: [{ connect: 'ok', bannerCode: 220 }] },
    hosts: [
      { slot: 24, id: 'close-after-greeting', behaviour: 'close_after_greeting', hostname: 'mx.closes-after-greeting.test' },
    ],
    records: oneMx('closes-after-greeting.test', 'mx.closes-after-greeting.test', 'close-after-greeting'),
  },
  {
    name: 'truncated-mx.test',
    description: 'the MX answer comes truncated over UDP: the engine must retry over TCP',
    expect: { verdict: 'ok', mxSource: 'mx', mxDns: 'NOERROR', checks: allTrue },
    hosts: [
      {
        slot: 19,
        id: 'truncated',
        behaviour: 'esmtp',
        hostname: 'mx1.truncated-mx.test',
        cert: { names: ['mx1.truncated-mx.test', 'mx2.truncated-mx.test'] },
      },
    ],
    records: {
      'truncated-mx.test': [mx(10, 'mx1.truncated-mx.test'), mx(20, 'mx2.truncated-mx.test')],
      'mx1.truncated-mx.test': [at('truncated')],
      'mx2.truncated-mx.test': [at('truncated')],
    },
    // The MX answer is sent truncated over UDP; the engine must ask again over TCP.
    dnsBehaviours: { 'truncated-mx.test': { truncate: true, types: ['MX'] } },
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
    hosts: [
      { slot: 21, id: 'down-primary', behaviour: 'esmtp', refused: true },
      {
        slot: 22,
        id: 'up-backup',
        behaviour: 'esmtp',
        hostname: 'mx2.first-mx-down.test',
        cert: { names: ['mx2.first-mx-down.test'] },
      },
    ],
    records: {
      'first-mx-down.test': [mx(10, 'mx1.first-mx-down.test'), mx(20, 'mx2.first-mx-down.test')],
      'mx1.first-mx-down.test': [at('down-primary')],
      'mx2.first-mx-down.test': [at('up-backup')],
    },
  },
  {
    // Three domains on one mail host, as on shared hosting: the case the host cache is for.
    name: 'shop.test',
    description: 'on a shared mail host (also blog.test, club.example)',
    expect: { verdict: 'ok', checks: allTrue },
    hosts: [
      {
        slot: 20,
        id: 'shared',
        behaviour: 'esmtp',
        hostname: 'mx.shared-hosting.example',
        cert: { names: ['mx.shared-hosting.example'] },
      },
    ],
    records: { 'shop.test': [mx(10, 'mx.shared-hosting.example')], 'mx.shared-hosting.example': [at('shared')] },
  },
  {
    name: 'blog.test',
    description: 'on a shared mail host',
    expect: { verdict: 'ok', checks: allTrue },
    records: { 'blog.test': [mx(10, 'mx.shared-hosting.example')] },
  },
  {
    name: 'club.example',
    description: 'on a shared mail host',
    expect: { verdict: 'ok', checks: allTrue },
    records: { 'club.example': [mx(10, 'mx.shared-hosting.example')] },
  },
  { name: 'not a domain!', description: 'not a domain name at all', expect: { verdict: 'invalid', hosts: [] } },
  // DNSSEC and DANE (RFC 7672): the TLD `test` is signed, so every `.test` answer is secure unless its zone says otherwise.
  {
    name: 'dane-ee.test',
    description: 'DNSSEC-signed; TLSA 3 1 1 matches the server key (DANE-EE)',
    expect: { verdict: 'ok', mxDnssec: 'secure', dane: 'pass', hosts: [{ starttls: 'ok', dane: 'pass' }] },
    hosts: [{ slot: 25, id: 'dane-ee', behaviour: 'esmtp', hostname: 'mx.dane-ee.test', cert: { names: ['mx.dane-ee.test'] } }],
    records: { ...oneMx('dane-ee.test', 'mx.dane-ee.test', 'dane-ee'), [tlsaOf('mx.dane-ee.test')]: [tlsaEe('dane-ee')] },
  },
  {
    name: 'dane-self-signed.test',
    description:
      'self-signed certificate matched by TLSA 3 1 1 (DANE-EE): DANE senders deliver, public-CA checks fail (a common DANE setup)',
    expect: {
      verdict: 'ok',
      mxDnssec: 'secure',
      dane: 'pass',
      hosts: [{ starttls: 'ok', dane: 'pass', certValid: false }],
    },
    hosts: [
      {
        slot: 34,
        id: 'dane-self-signed',
        behaviour: 'esmtp',
        hostname: 'mx.dane-self-signed.test',
        cert: { names: ['mx.dane-self-signed.test'], variant: 'self_signed' },
      },
    ],
    records: {
      ...oneMx('dane-self-signed.test', 'mx.dane-self-signed.test', 'dane-self-signed'),
      [tlsaOf('mx.dane-self-signed.test')]: [tlsaEe('dane-self-signed')],
    },
  },
  {
    name: 'dane-ta-sha1.test',
    description:
      'TLSA 2 1 1 matches the intermediate the server sends, but it signed the leaf with SHA-1: DANE senders on OpenSSL (Postfix) refuse the chain',
    expect: {
      verdict: 'ok',
      mxDnssec: 'secure',
      dane: 'fail',
      hosts: [{ dane: 'fail', daneReason: 'no_match', daneHint: 'weak_signature', certError: 'CA_MD_TOO_WEAK' }],
    },
    hosts: [
      {
        slot: 36,
        id: 'dane-ta-sha1',
        behaviour: 'esmtp',
        hostname: 'mx.dane-ta-sha1.test',
        cert: { names: ['mx.dane-ta-sha1.test'], intermediates: 1, signatureHash: 'SHA-1' },
        tls: { ciphers: 'DEFAULT:@SECLEVEL=0' },
      },
    ],
    records: {
      ...oneMx('dane-ta-sha1.test', 'mx.dane-ta-sha1.test', 'dane-ta-sha1'),
      [tlsaOf('mx.dane-ta-sha1.test')]: [
        { type: 'TLSA', host: 'dane-ta-sha1', of: 'issuer', usage: 2, selector: 1, matchingType: 1 },
      ],
    },
  },
  {
    name: 'dane-ta.test',
    description: 'TLSA 2 1 1 matches the intermediate CA the server sends (DANE-TA); the leaf names the MX',
    expect: { verdict: 'ok', mxDnssec: 'secure', dane: 'pass', hosts: [{ dane: 'pass', daneHint: null }] },
    hosts: [
      {
        slot: 26,
        id: 'dane-ta',
        behaviour: 'esmtp',
        hostname: 'mx.dane-ta.test',
        cert: { names: ['mx.dane-ta.test'], intermediates: 1 },
      },
    ],
    records: {
      ...oneMx('dane-ta.test', 'mx.dane-ta.test', 'dane-ta'),
      [tlsaOf('mx.dane-ta.test')]: [{ type: 'TLSA', host: 'dane-ta', of: 'issuer', usage: 2, selector: 1, matchingType: 1 }],
    },
  },
  {
    name: 'dane-root-key.test',
    description:
      'TLSA 2 1 0 holds the root key the server leaves out of its chain: DANE passes (RFC 7671 5.2.2), with hint ta_not_sent (RFC 7672 3.1.2 wants it sent)',
    expect: { verdict: 'ok', mxDnssec: 'secure', dane: 'pass', hosts: [{ dane: 'pass', daneHint: 'ta_not_sent' }] },
    hosts: [
      {
        slot: 29,
        id: 'dane-root-key',
        behaviour: 'esmtp',
        hostname: 'mx.dane-root-key.test',
        cert: { names: ['mx.dane-root-key.test'], intermediates: 1 },
      },
    ],
    records: {
      ...oneMx('dane-root-key.test', 'mx.dane-root-key.test', 'dane-root-key'),
      [tlsaOf('mx.dane-root-key.test')]: [
        { type: 'TLSA', host: 'dane-root-key', of: 'root', usage: 2, selector: 1, matchingType: 0 },
      ],
    },
  },
  {
    name: 'dane-mismatch.test',
    description: 'signed TLSA 3 1 1 that matches no certificate the server presents',
    expect: { verdict: 'ok', dane: 'fail', hosts: [{ dane: 'fail', daneReason: 'no_match' }] },
    hosts: [
      {
        slot: 27,
        id: 'dane-mismatch',
        behaviour: 'esmtp',
        hostname: 'mx.dane-mismatch.test',
        cert: { names: ['mx.dane-mismatch.test'] },
      },
    ],
    records: {
      ...oneMx('dane-mismatch.test', 'mx.dane-mismatch.test', 'dane-mismatch'),
      [tlsaOf('mx.dane-mismatch.test')]: [{ type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
    },
  },
  {
    name: 'dane-no-starttls.test',
    description: 'signed TLSA, but the server offers no STARTTLS (DANE makes TLS mandatory)',
    expect: { verdict: 'ok', dane: 'fail', hosts: [{ starttls: 'not_offered', dane: 'fail', daneReason: 'no_starttls' }] },
    hosts: [{ slot: 28, id: 'dane-plain', behaviour: 'no_starttls', hostname: 'mx.dane-no-starttls.test' }],
    records: {
      ...oneMx('dane-no-starttls.test', 'mx.dane-no-starttls.test', 'dane-plain'),
      [tlsaOf('mx.dane-no-starttls.test')]: [{ type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'cd'.repeat(32) }],
    },
  },
  {
    name: 'dane-unusable.test',
    description: 'signed TLSA with PKIX-EE (usage 1) only, which SMTP cannot use (RFC 7672 3.1.3)',
    expect: { verdict: 'ok', dane: 'fail', hosts: [{ dane: 'fail', daneReason: 'unusable_records' }] },
    records: {
      'dane-unusable.test': [mx(10, 'mx.dane-unusable.test')],
      'mx.dane-unusable.test': [at('dane-ee')],
      [tlsaOf('mx.dane-unusable.test')]: [{ type: 'TLSA', host: 'dane-ee', of: 'leaf', usage: 1, selector: 1, matchingType: 1 }],
    },
  },
  {
    name: 'dane-none.test',
    description: 'DNSSEC-signed, no TLSA records: DANE not published',
    expect: { verdict: 'ok', mxDnssec: 'secure', dane: 'none', hosts: [{ dane: 'none' }] },
    records: oneMx('dane-none.test', 'mx.dane-none.test', 'dane-ee'),
  },
  {
    name: 'dane-lookup-fails.test',
    description: 'signed MX, but the TLSA question gets SERVFAIL: a sender must not deliver (RFC 7672 2.2.1)',
    expect: { verdict: 'ok', dane: 'fail', hosts: [{ dane: 'dns_error' }] },
    records: oneMx('dane-lookup-fails.test', 'mx.dane-lookup-fails.test', 'dane-ee'),
    dnsBehaviours: { [tlsaOf('mx.dane-lookup-fails.test')]: { fail: 'servfail' } },
  },
  {
    name: 'insecure.test',
    description: 'an unsigned zone under the signed TLD (insecure delegation): its TLSA cannot count',
    expect: { verdict: 'ok', mxDnssec: 'insecure', dane: 'not_applicable', hosts: [{ dane: 'not_applicable' }] },
    records: {
      'insecure.test': [mx(10, 'mx.insecure.test')],
      'mx.insecure.test': [at('dane-ee')],
      [tlsaOf('mx.insecure.test')]: [tlsaEe('dane-ee')],
    },
    dnssec: { 'insecure.test': { state: 'insecure' } },
  },
  {
    name: 'insecure-mx-dane.test',
    description:
      'an unsigned domain whose MX names a signed exchange with TLSA matching nothing: not applicable by RFC 7672, but Postfix 3.6+ checks it anyway and defers',
    expect: {
      verdict: 'ok',
      mxDnssec: 'insecure',
      dane: 'not_applicable',
      hosts: [{ dane: 'not_applicable', daneReason: 'mx_not_secure', daneInsecureMx: 'fail' }],
    },
    records: { 'insecure-mx-dane.test': [mx(10, 'mx.dane-mismatch.test')] },
    dnssec: { 'insecure-mx-dane.test': { state: 'insecure' } },
  },
  {
    name: 'bogus.test',
    description: 'signatures expired: the validating resolver answers SERVFAIL (EDE 7), CD=1 gets the data',
    expect: { verdict: 'dns_error', mxDnssec: 'bogus', hosts: [] },
    records: { 'bogus.test': [mx(10, 'mx.dane-ee.test')] },
    dnssec: { 'bogus.test': { state: 'bogus', ede: { code: 7, text: 'signature expired' } } },
  },
  {
    name: 'unsigned-tld.example',
    description: 'under an unsigned TLD: no answer has AD, so whether the resolver validates cannot be told',
    expect: { verdict: 'ok', mxDnssec: 'unknown', dane: 'not_applicable' },
    records: { 'unsigned-tld.example': [mx(10, 'mx.dane-ee.test')] },
  },
  ...POLICY_SCENARIOS,
];
