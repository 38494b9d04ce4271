import { execFile, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { randomInt, X509Certificate } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResultSchema, type CheckResult } from '@mxv/schema';
import { describeCertificateError, tlsKeyWeaknesses, weakCertSignatures } from '@mxv/schema/values';
import { createTestCa, modpDhParametersPem, startDnsServer, type DnsServer } from '@mxv/testkit';
import { boundValues, DNS_BOUNDS, StubResolver } from '@mxv/probe';
import {
  hasBinary,
  gnutlsStarttls,
  opensslStarttls,
  startExim,
  startMicrosocks,
  startOpensmtpd,
  startSendmail,
  startSystemdResolved,
  RESOLVED_STUB_ADDRESS,
  startPostfix,
  startUnbound,
  restoreMachine,
  swaks,
  type Running,
  type TlsFiles,
} from './interop/real-servers.js';
import { renderResultTable } from '../src/output/render-table.js';
import { resultLines, runCli } from './run-cli.js';

/**
 * Issue 6, "Real mail servers, not only our own fakes": mxv against Postfix and
 * Exim from Debian's packages, on port 25 of loopback addresses, with DNS from
 * a real Unbound in front of the testkit's authoritative server. What mxv
 * reports for each host is cross-checked against swaks and openssl s_client on
 * the same server in the same test. Needs root (port 25) and the packages of
 * .ci/run; CI runs it as root.
 */

const execFileAsync = promisify(execFile);
const missing = [
  'postfix',
  'swaks',
  'unbound',
  'openssl',
  'gnutls-cli',
  'microsocks',
  'dig',
  'apt-get',
  'dpkg',
  'm4',
  'unshare',
].filter((b) => !hasBinary(b));
const isRoot = process.getuid?.() === 0;
const reason = !isRoot ? 'needs root (port 25)' : missing.length > 0 ? `missing ${missing.join(', ')} (see .ci/run)` : null;
if (reason !== null) console.warn(`interop-mta: skipped: ${reason}`);

/** Whether a listener can take ip:port now (then it is let go at once). */
function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The dual-stack exchange's IPv6 address is ::1, the only IPv6 loopback address; its port 25 is taken on
 * a machine whose own MTA listens there (Debian's exim4 does by default), and absent without IPv6. Then
 * the exchange has its A record only and the dual-stack case is skipped, rather than the whole file failing.
 */
const ipv6Loopback25 = reason === null && (await canListen('::1', 25));
if (reason === null && !ipv6Loopback25)
  console.warn('interop-mta: [::1]:25 is taken or IPv6 is off: the dual-stack case is skipped');

// A /24 of our own inside 127/8, away from 127.0.x.
const block = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;
const ip = {
  postfixTls: `${block}.1`,
  postfixPlain: `${block}.2`,
  postfixWrongName: `${block}.3`,
  exim: `${block}.4`,
  postscreen: `${block}.5`,
  postscreenDeep: `${block}.6`,
  leafOnly: `${block}.7`,
  expired: `${block}.8`,
  selfSigned: `${block}.9`,
  blocked: `${block}.10`,
  tlsBroken: `${block}.11`,
  tls10: `${block}.12`,
  askCert: `${block}.13`,
  dualStack: `${block}.14`,
  dnsblDrop: `${block}.15`,
  legacyTls: `${block}.16`,
  opensmtpd: `${block}.17`,
  sendmail: `${block}.18`,
  weakRsa: `${block}.19`,
  weakDh: `${block}.20`,
  privateChain: `${block}.21`,
  privateRoot: `${block}.22`,
  sha1Signed: `${block}.23`,
  partialWildcard: `${block}.24`,
  expiredChain: `${block}.25`,
  criticalExtension: `${block}.26`,
  crossSigned: `${block}.27`,
  finalDot: `${block}.28`,
  unorderedChain: `${block}.29`,
  auth: `${block}.60`,
  socks: `${block}.70`,
  unbound: `${block}.53`,
};
const NAMES = {
  postfixTls: 'mx1.interop.test',
  postfixPlain: 'mx2.interop.test',
  postfixWrongName: 'mx3.interop.test',
  exim: 'mx4.interop.test',
  postscreen: 'mx5.interop.test',
  postscreenDeep: 'mx6.interop.test',
  leafOnly: 'mx7.interop.test',
  expired: 'mx8.interop.test',
  selfSigned: 'mx9.interop.test',
  blocked: 'mx10.interop.test',
  tlsBroken: 'mx11.interop.test',
  tls10: 'mx12.interop.test',
  askCert: 'mx13.interop.test',
  dualStack: 'mx14.interop.test',
  dnsblDrop: 'mx15.interop.test',
  legacyTls: 'mx16.interop.test',
  opensmtpd: 'mx17.interop.test',
  sendmail: 'mx18.interop.test',
  weakRsa: 'mx19.interop.test',
  weakDh: 'mx20.interop.test',
  privateChain: 'mx21.interop.test',
  privateRoot: 'mx22.interop.test',
  sha1Signed: 'mx23.interop.test',
  partialWildcard: 'mx24.interop.test',
  expiredChain: 'mx25.interop.test',
  criticalExtension: 'mx26.interop.test',
  crossSigned: 'mx27.interop.test',
  finalDot: 'mx28.interop.test',
  unorderedChain: 'mx29.interop.test',
};
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** The DNS block list the postscreen at `dnsblDrop` asks; it lists 127.0.0.1, where mxv's connections come from. */
const DNSBL_ZONE = 'dnsbl.interop.test';
/**
 * The certificate mistakes real servers make most, each on a Postfix of its own: the leaf without the
 * intermediate that issued it, a certificate past its date, a self-signed one, and a chain of a private
 * CA, sent without its root or with it. TLS still works (the verdict is about delivery, and senders
 * encrypt opportunistically); the certificate is not valid, and mxv says why as openssl s_client does
 * (its verify code, X509_V_ERR_*), in words the table and the page share (describeCertificateError).
 */
const CERT_PROBLEMS = [
  { domain: 'leaf-only.interop.test', key: 'leafOnly', error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', verifyCode: 21 },
  { domain: 'expired.interop.test', key: 'expired', error: 'CERT_HAS_EXPIRED', verifyCode: 10, depth: 0 },
  // A valid certificate sent with an intermediate past its date: the chain file was never updated.
  { domain: 'expired-chain.interop.test', key: 'expiredChain', error: 'CERT_HAS_EXPIRED', verifyCode: 10, depth: 1 },
  // Two intermediates past their date, sent out of order (leaf, the root's, the leaf's): OpenSSL builds the path
  // all the same and stops at the highest (depth 2), where Node's own issuer walk ends after the leaf's.
  { domain: 'unordered-chain.interop.test', key: 'unorderedChain', error: 'CERT_HAS_EXPIRED', verifyCode: 10, depth: 2 },
  // Node calls this one UNSPECIFIED; mxv names it from OpenSSL's words.
  {
    domain: 'critical-extension.interop.test',
    key: 'criticalExtension',
    error: 'UNHANDLED_CRITICAL_EXTENSION',
    verifyCode: 34,
  },
  { domain: 'self-signed.interop.test', key: 'selfSigned', error: 'DEPTH_ZERO_SELF_SIGNED_CERT', verifyCode: 18 },
  { domain: 'private-chain.interop.test', key: 'privateChain', error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', verifyCode: 20 },
  { domain: 'private-root.interop.test', key: 'privateRoot', error: 'SELF_SIGNED_CERT_IN_CHAIN', verifyCode: 19 },
] as const;
/**
 * Answers larger than a UDP datagram may carry (mxv asks with EDNS 1232): 30 MX records, the first at the
 * Postfix with STARTTLS and the others at names without addresses, and an SPF record of 1,800 bytes in 8
 * strings. Unbound must answer mxv over UDP with TC set, and mxv must ask again over TCP (RFC 7766).
 */
const BIG_MX = Array.from({ length: 30 }, (_, i) => ({
  priority: 10 + i,
  exchange: i === 0 ? NAMES.postfixTls : `mx-${i}-with-a-long-label-to-fill-the-answer.interop.test`,
}));
const BIG_SPF = [
  'v=spf1',
  ...Array.from({ length: 120 }, (_, i) => `ip4:192.0.2.${i + 1}`),
  ...Array.from({ length: 18 }, (_, i) => `ip6:2001:db8::${(i + 1).toString(16)}`),
  '-all',
].join(' ');
/**
 * The links of the mail route as a real resolver hands them over (a CNAME chain in the answer, SOA in the
 * authority section of NXDOMAIN and NODATA, the root name of a null MX), each a domain of its own.
 */
const ROUTE_CASES = [
  { domain: 'null-mx.interop.test', verdict: 'null_mx', source: 'null', dns: 'NOERROR', problems: [] },
  { domain: 'implicit.interop.test', verdict: 'ok', source: 'implicit', dns: 'NODATA', problems: [] },
  { domain: 'alias-mx.interop.test', verdict: 'ok', source: 'mx', dns: 'NOERROR', problems: ['cname'] },
  // An address as the exchange (RFC 5321 5.1 wants a name): not probed. Senders split: Postfix 3.7 warns "numeric
  // domain name in resource data of MX record" and connects to it (stop 33's DNS audit), Exim refuses it.
  {
    domain: 'literal-mx.interop.test',
    verdict: 'unresolvable',
    source: 'mx',
    dns: 'NOERROR',
    problems: ['ip_literal', 'no_address'],
  },
  { domain: 'dangling.interop.test', verdict: 'unresolvable', source: 'mx', dns: 'NOERROR', problems: ['no_address'] },
  { domain: 'nothing.interop.test', verdict: 'no_mail_host', source: 'none', dns: 'NODATA', problems: [] },
  // An exchange behind 3 aliases whose end has no address: NODATA from Unbound, with the SOA, not asked again.
  {
    domain: 'alias-nodata.interop.test',
    verdict: 'unresolvable',
    source: 'mx',
    dns: 'NOERROR',
    problems: ['cname', 'no_address'],
  },
  // An exchange with a space and an ESC in a label, passed on by Unbound: no host name, so never asked nor
  // probed, and the other MX used, as Postfix 3.7 does ("malformed domain name in resource data of MX record",
  // checked by hand with posttls-finger on NSD and Unbound at stop 33); written as dig writes it.
  {
    domain: 'malformed-mx.interop.test',
    verdict: 'ok',
    source: 'mx',
    dns: 'NOERROR',
    problems: ['malformed_name', 'no_address'],
  },
] as const;
/** Colours off, as the table prints when stdout is not a terminal. */
const PLAIN = { green: String, red: String, yellow: String, dim: String, bold: String, cyan: String };
/** postscreen's pregreet wait: the last line of its greeting comes this long after the first. */
const GREET_WAIT_SECONDS = 3;

let dir: string;
let caFile: string;
let auth: DnsServer;
let unbound: Running & { address: string };
const servers: Running[] = [];
let eximLegacy: Running;
let opensmtpd: Running;
const results = new Map<string, CheckResult>();
/** Where Postfix's log stood when the shared `mxv check` run began. */
let postfixLogFrom = 0;

async function certFiles(
  ca: Awaited<ReturnType<typeof createTestCa>>,
  name: string,
  names: string[],
  options: Omit<Parameters<Awaited<ReturnType<typeof createTestCa>>['issue']>[0], 'names'> & { leafOnly?: boolean } = {},
): Promise<TlsFiles> {
  const { leafOnly = false, ...issue } = options;
  const issued = await ca.issue({ names, ...issue });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, leafOnly ? issued.certPem : issued.chainPem);
  writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

/**
 * posttls-finger (Postfix 3.7's own TLS client, as a sending Postfix uses it) against one address: its
 * output. At level "may" by default; `levelArgs` gives another (["-l", "secure", "-F", caFile]), and
 * `matchNames` the names the certificate must cover there (the default, the next hop, is an address here).
 */
function postfixTlsClient(
  address: string,
  levelArgs: readonly string[] = ['-l', 'may'],
  matchNames: readonly string[] = [],
): Promise<string> {
  return execFileAsync('posttls-finger', ['-c', ...levelArgs, `[${address}]:25`, ...matchNames], {
    env: { ...process.env, MAIL_CONFIG: join(dir, 'postfix', 'conf') },
    timeout: 20_000,
  }).then(
    (out) => out.stdout + out.stderr,
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
  );
}

/** `mxv check --json` of `domains` through the resolver at `dns`, on the servers of this file (and ::1, the dual-stack AAAA). */
function checkThrough(dns: string, domains: readonly string[]): ReturnType<typeof runCli> {
  return runCli(
    [
      'check',
      '--json',
      '--dns',
      dns,
      '--smtp-port',
      '25',
      '--allow-net',
      `${block}.0/24,::1/128`,
      '--timeout-ms',
      '8000',
      '--dns-timeout-ms',
      '3000',
      '--helo-name',
      'mxv.interop.test',
      ...domains,
    ],
    { env: { NODE_EXTRA_CA_CERTS: caFile } },
  );
}

function logs(): string {
  return [...servers, unbound].map((s) => s?.log().slice(-3000)).join('\n----\n');
}

describe.skipIf(reason !== null)('interop with real MTAs and a real resolver', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mxv-interop-'));
    chmodSync(dir, 0o755);
    const ca = await createTestCa({ commonName: 'mxv interop CA' });
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    const valid = await certFiles(ca, 'mx1', [NAMES.postfixTls]);
    const wrongName = await certFiles(ca, 'mx3', ['other.interop.test']);
    const eximCert = await certFiles(ca, 'mx4', [NAMES.exim]);
    const legacyTlsCert = await certFiles(ca, 'mx16', [NAMES.legacyTls]);
    const opensmtpdCert = await certFiles(ca, 'mx17', [NAMES.opensmtpd]);
    const sendmailCert = await certFiles(ca, 'mx18', [NAMES.sendmail]);
    const postscreenCert = await certFiles(ca, 'mx5', [NAMES.postscreen]);
    const postscreenDeepCert = await certFiles(ca, 'mx6', [NAMES.postscreenDeep]);
    const tls10Cert = await certFiles(ca, 'mx12', [NAMES.tls10]);
    const askCertCert = await certFiles(ca, 'mx13', [NAMES.askCert]);
    const dualStackCert = await certFiles(ca, 'mx14', [NAMES.dualStack]);
    // Keys below OpenSSL security level 2: a 1024-bit RSA certificate, and finite-field DHE over RFC 2409's 1024-bit group.
    const weakRsaCert = await certFiles(ca, 'mx19', [NAMES.weakRsa], { key: { type: 'rsa', bits: 1024 } });
    const weakDhCert = await certFiles(ca, 'mx20', [NAMES.weakDh], { key: { type: 'rsa', bits: 2048 } });
    // A leaf the trusted CA signed over SHA-1, as old private CAs and appliances still issue them.
    const sha1SignedCert = await certFiles(ca, 'mx23', [NAMES.sha1Signed], { signatureHash: 'SHA-1' });
    // A wildcard inside the first label, which a private CA may still issue (public CAs may not).
    const partialWildcardCert = await certFiles(ca, 'mx24', ['mx2*.interop.test']);
    // The chain sent with, above it, the trusted root's name and key certified over SHA-1 by another root (as
    // Let's Encrypt sent DST Root CA X3's cross-signature): verifiers end the path at the trusted root.
    const crossSignedCert = await certFiles(ca, 'mx27', [NAMES.crossSigned], {
      intermediates: 1,
      crossSignedRoot: { signatureHash: 'SHA-1' },
    });
    // The exchange's name written with a final dot in the certificate.
    const finalDotCert = await certFiles(ca, 'mx28', [`${NAMES.finalDot}.`]);
    const dh1024File = join(dir, 'dh1024.pem');
    writeFileSync(dh1024File, modpDhParametersPem('modp2'));
    const day = 86_400_000;
    const privateCa = await createTestCa({ commonName: 'mxv private interop CA' });
    const problemCerts = {
      leafOnly: await certFiles(ca, 'mx7', [NAMES.leafOnly], { intermediates: 1, leafOnly: true }),
      expired: await certFiles(ca, 'mx8', [NAMES.expired], {
        notBefore: new Date(Date.now() - 60 * day),
        notAfter: new Date(Date.now() - day),
      }),
      selfSigned: await certFiles(ca, 'mx9', [NAMES.selfSigned], { selfSigned: true }),
      privateChain: await certFiles(privateCa, 'mx21', [NAMES.privateChain], { intermediates: 1 }),
      criticalExtension: await certFiles(ca, 'mx26', [NAMES.criticalExtension], { unknownCriticalExtension: true }),
      expiredChain: await certFiles(ca, 'mx25', [NAMES.expiredChain], {
        intermediates: 1,
        intermediateValidity: { notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - 2 * day) },
      }),
      privateRoot: await certFiles(privateCa, 'mx22', [NAMES.privateRoot], { intermediates: 1 }),
      unorderedChain: await certFiles(ca, 'mx29', [NAMES.unorderedChain], {
        intermediates: 2,
        intermediateValidity: { notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - 2 * day) },
      }),
    };
    const [unorderedLeaf, ...unorderedAbove] = readFileSync(problemCerts.unorderedChain.certFile, 'utf8').match(PEM_BLOCK) ?? [];
    writeFileSync(problemCerts.unorderedChain.certFile, [unorderedLeaf, ...unorderedAbove.reverse()].join('\n'));
    // A server of a private CA that sends the CA's root too: the chain ends at a self-signed root nobody trusts.
    appendFileSync(problemCerts.privateRoot.certFile, `\n${privateCa.certPem}`);

    const mx = (exchange: string) => [{ type: 'MX' as const, priority: 10, exchange }];
    auth = await startDnsServer({
      host: ip.auth,
      port: 0,
      // Behind Unbound it is the zones' own server, as a real resolver expects to find one.
      answerAs: 'authoritative',
      // Unbound keeps its TCP connection to an authoritative server for reuse up to a minute, as NSD (2 min)
      // keeps it open; closed by the server sooner, the next question sent on it fails (a SERVFAIL here).
      tcpIdleMs: 120_000,
      zones: ['interop.test', 'silent.test'],
      records: {
        'pf-tls.interop.test': mx(NAMES.postfixTls),
        'pf-plain.interop.test': mx(NAMES.postfixPlain),
        'pf-wrongname.interop.test': mx(NAMES.postfixWrongName),
        'exim.interop.test': mx(NAMES.exim),
        'legacy-tls.interop.test': mx(NAMES.legacyTls),
        [NAMES.legacyTls]: [{ type: 'A', address: ip.legacyTls }],
        'opensmtpd.interop.test': mx(NAMES.opensmtpd),
        [NAMES.opensmtpd]: [{ type: 'A', address: ip.opensmtpd }],
        'sendmail.interop.test': mx(NAMES.sendmail),
        [NAMES.sendmail]: [{ type: 'A', address: ip.sendmail }],
        'ps.interop.test': mx(NAMES.postscreen),
        'ps-deep.interop.test': mx(NAMES.postscreenDeep),
        'blocked.interop.test': mx(NAMES.blocked),
        'tls-broken.interop.test': mx(NAMES.tlsBroken),
        'tls10.interop.test': mx(NAMES.tls10),
        'ask-cert.interop.test': mx(NAMES.askCert),
        'null-mx.interop.test': [{ type: 'MX', priority: 0, exchange: '.' }],
        // No MX: the domain's own address is its mail host (RFC 5321 5.1), here the Postfix with STARTTLS.
        'implicit.interop.test': [{ type: 'A', address: ip.postfixTls }],
        'alias-mx.interop.test': mx('alias.interop.test'),
        'alias.interop.test': [{ type: 'CNAME', target: NAMES.postfixTls }],
        'literal-mx.interop.test': mx(`${ip.postfixTls}.`),
        'dangling.interop.test': mx('gone.interop.test'),
        'malformed-mx.interop.test': [
          { type: 'MX', priority: 10, exchange: 'mx \u001b[31m.interop.test' },
          { type: 'MX', priority: 20, exchange: NAMES.postfixTls },
        ],
        // Exists (it has a TXT record), but has neither MX nor an address: NODATA both ways.
        'nothing.interop.test': [{ type: 'TXT', text: 'no mail here' }],
        'alias-nodata.interop.test': mx('n0.alias.interop.test'),
        'n0.alias.interop.test': [{ type: 'CNAME', target: 'n1.alias.interop.test' }],
        'n1.alias.interop.test': [{ type: 'CNAME', target: 'n2.alias.interop.test' }],
        'n2.alias.interop.test': [{ type: 'CNAME', target: 'nothing.interop.test' }],
        'dual-stack.interop.test': mx(NAMES.dualStack),
        'weak-rsa.interop.test': mx(NAMES.weakRsa),
        [NAMES.weakRsa]: [{ type: 'A', address: ip.weakRsa }],
        'weak-dh.interop.test': mx(NAMES.weakDh),
        [NAMES.weakDh]: [{ type: 'A', address: ip.weakDh }],
        'sha1-signed.interop.test': mx(NAMES.sha1Signed),
        [NAMES.sha1Signed]: [{ type: 'A', address: ip.sha1Signed }],
        'partial-wildcard.interop.test': mx(NAMES.partialWildcard),
        [NAMES.partialWildcard]: [{ type: 'A', address: ip.partialWildcard }],
        'cross-signed.interop.test': mx(NAMES.crossSigned),
        [NAMES.crossSigned]: [{ type: 'A', address: ip.crossSigned }],
        'final-dot.interop.test': mx(NAMES.finalDot),
        [NAMES.finalDot]: [{ type: 'A', address: ip.finalDot }],
        [NAMES.dualStack]: [
          { type: 'A', address: ip.dualStack },
          ...(ipv6Loopback25 ? [{ type: 'AAAA' as const, address: '::1' }] : []),
        ],
        [NAMES.askCert]: [{ type: 'A', address: ip.askCert }],
        'dnsbl-drop.interop.test': mx(NAMES.dnsblDrop),
        [NAMES.dnsblDrop]: [{ type: 'A', address: ip.dnsblDrop }],
        // RFC 5782 2.1: the address reversed under the list's zone, answered with 127.0.0.2 when listed.
        [`1.0.0.127.${DNSBL_ZONE}`]: [{ type: 'A', address: '127.0.0.2' }],
        [NAMES.tls10]: [{ type: 'A', address: ip.tls10 }],
        [NAMES.tlsBroken]: [{ type: 'A', address: ip.tlsBroken }],
        [NAMES.blocked]: [{ type: 'A', address: ip.blocked }],
        ...Object.fromEntries(CERT_PROBLEMS.map(({ domain, key }) => [domain, mx(NAMES[key])])),
        ...Object.fromEntries(CERT_PROBLEMS.map(({ key }) => [NAMES[key], [{ type: 'A' as const, address: ip[key] }]])),
        'big.interop.test': [
          ...BIG_MX.map(({ priority, exchange }) => ({ type: 'MX' as const, priority, exchange })),
          // One record in strings of at most 255 bytes (RFC 7208 3.3: joined without spaces).
          { type: 'TXT' as const, text: BIG_SPF.match(/.{1,230}/g) ?? [] },
        ],
        [NAMES.postfixTls]: [{ type: 'A', address: ip.postfixTls }],
        [NAMES.postfixPlain]: [{ type: 'A', address: ip.postfixPlain }],
        [NAMES.postfixWrongName]: [{ type: 'A', address: ip.postfixWrongName }],
        [NAMES.exim]: [{ type: 'A', address: ip.exim }],
        [NAMES.postscreen]: [{ type: 'A', address: ip.postscreen }],
        [NAMES.postscreenDeep]: [{ type: 'A', address: ip.postscreenDeep }],
        'mail.silent.test': mx('mx.silent.test'),
        // RFC 6186: the submission services of one Postfix, on 587 (STARTTLS) and 465 (implicit TLS).
        'submit.interop.test': mx(NAMES.postfixTls),
        '_submission._tcp.submit.interop.test': [{ type: 'SRV', priority: 0, weight: 1, port: 587, target: NAMES.postfixTls }],
        '_submissions._tcp.submit.interop.test': [{ type: 'SRV', priority: 0, weight: 1, port: 465, target: NAMES.postfixTls }],
      },
      // The authoritative server of silent.test never answers: Unbound must give up on it.
      behaviours: { 'mail.silent.test': { fail: 'timeout' } },
    });

    servers.push(
      await startPostfix(
        join(dir, 'postfix'),
        [
          { ip: ip.postfixTls, hostname: NAMES.postfixTls, tls: valid, submission: true },
          { ip: ip.postfixPlain, hostname: NAMES.postfixPlain, tls: null },
          { ip: ip.postfixWrongName, hostname: NAMES.postfixWrongName, tls: wrongName },
          {
            ip: ip.postscreen,
            hostname: NAMES.postscreen,
            tls: postscreenCert,
            postscreen: { greetWaitSeconds: GREET_WAIT_SECONDS, deepProtocolTests: false },
          },
          {
            ip: ip.postscreenDeep,
            hostname: NAMES.postscreenDeep,
            tls: postscreenDeepCert,
            postscreen: { greetWaitSeconds: GREET_WAIT_SECONDS, deepProtocolTests: true },
          },
          ...CERT_PROBLEMS.map(({ key }) => ({ ip: ip[key], hostname: NAMES[key], tls: problemCerts[key] })),
          // An old server: TLS 1.0 only, with the legacy ciphers OpenSSL 3 allows only at security level 0.
          {
            ip: ip.tls10,
            hostname: NAMES.tls10,
            tls: tls10Cert,
            smtpdOptions: {
              smtpd_tls_protocols: '!SSLv2,!SSLv3,!TLSv1.1,!TLSv1.2,!TLSv1.3',
              tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=0',
            },
          },
          // An exchange with an IPv4 and an IPv6 address, one smtpd on both.
          { ip: ip.dualStack, ...(ipv6Loopback25 ? { ipv6: '::1' } : {}), hostname: NAMES.dualStack, tls: dualStackCert },
          // Postfix itself refuses to load a 1024-bit key or DH group at Debian's security level 2: level 0 for these two.
          {
            ip: ip.weakRsa,
            hostname: NAMES.weakRsa,
            tls: weakRsaCert,
            smtpdOptions: { tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=0' },
          },
          {
            ip: ip.weakDh,
            hostname: NAMES.weakDh,
            tls: weakDhCert,
            // TLS 1.2 with finite-field DHE only (no ECDHE, no RSA key transport), over the group in the file.
            smtpdOptions: {
              smtpd_tls_protocols: '!SSLv2,!SSLv3,!TLSv1,!TLSv1.1,!TLSv1.3',
              smtpd_tls_dh1024_param_file: dh1024File,
              smtpd_tls_exclude_ciphers: 'kECDHE,kRSA,kPSK',
              tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=0',
            },
          },
          // Postfix refuses to load a certificate signed over SHA-1 at Debian's level 2 as well.
          {
            ip: ip.sha1Signed,
            hostname: NAMES.sha1Signed,
            tls: sha1SignedCert,
            smtpdOptions: { tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=0' },
          },
          { ip: ip.partialWildcard, hostname: NAMES.partialWildcard, tls: partialWildcardCert },
          // The cross-signature over SHA-1 in the chain file: Postfix loads it at level 0 only.
          {
            ip: ip.crossSigned,
            hostname: NAMES.crossSigned,
            tls: crossSignedCert,
            smtpdOptions: { tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=0' },
          },
          { ip: ip.finalDot, hostname: NAMES.finalDot, tls: finalDotCert },
          // A server that asks senders for a client certificate (mxv has none to give).
          { ip: ip.askCert, hostname: NAMES.askCert, tls: askCertCert, smtpdOptions: { smtpd_tls_ask_ccert: 'yes' } },
          // STARTTLS offered with a certificate file that is not there: Postfix's TLS cannot start.
          {
            ip: ip.tlsBroken,
            hostname: NAMES.tlsBroken,
            tls: { certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'missing.key') },
          },
          {
            ip: ip.blocked,
            hostname: NAMES.blocked,
            tls: null,
            postscreen: { greetWaitSeconds: GREET_WAIT_SECONDS, deepProtocolTests: false, blocklisted: true },
          },
          {
            ip: ip.dnsblDrop,
            hostname: NAMES.dnsblDrop,
            tls: null,
            postscreen: { greetWaitSeconds: GREET_WAIT_SECONDS, deepProtocolTests: false, dnsblZone: DNSBL_ZONE },
          },
        ],
        { resolver: ip.unbound },
      ),
    );
    mkdirSync(join(dir, 'exim'));
    servers.push(await startExim(join(dir, 'exim'), ip.exim, NAMES.exim, eximCert));
    // A TLS stack from before RFC 5746 (2010): no renegotiation_info in its ServerHello. GnuTLS plays it.
    eximLegacy = await startExim(join(dir, 'exim-legacy'), ip.legacyTls, NAMES.legacyTls, legacyTlsCert, {
      tlsRequireCiphers: 'NORMAL:-VERS-TLS1.3:%DISABLE_SAFE_RENEGOTIATION',
    });
    servers.push(eximLegacy);
    opensmtpd = await startOpensmtpd(join(dir, 'opensmtpd'), ip.opensmtpd, NAMES.opensmtpd, opensmtpdCert, ip.unbound);
    servers.push(opensmtpd);
    servers.push(await startSendmail(join(dir, 'sendmail'), ip.sendmail, NAMES.sendmail, sendmailCert, ip.unbound));
    mkdirSync(join(dir, 'unbound'));
    unbound = await startUnbound(join(dir, 'unbound'), {
      ip: ip.unbound,
      port: 53,
      stubs: { 'interop.test': `${ip.auth}@${auth.port}`, 'silent.test': `${ip.auth}@${auth.port}` },
    });

    const domains = [
      'pf-tls.interop.test',
      'pf-plain.interop.test',
      'pf-wrongname.interop.test',
      'exim.interop.test',
      'sendmail.interop.test',
      'ps.interop.test',
      'ps-deep.interop.test',
      'big.interop.test',
      ...CERT_PROBLEMS.map(({ domain }) => domain),
      'blocked.interop.test',
      'dnsbl-drop.interop.test',
      'tls-broken.interop.test',
      'tls10.interop.test',
      'legacy-tls.interop.test',
      'opensmtpd.interop.test',
      'ask-cert.interop.test',
      'dual-stack.interop.test',
      'weak-rsa.interop.test',
      'weak-dh.interop.test',
      'sha1-signed.interop.test',
      'partial-wildcard.interop.test',
      'cross-signed.interop.test',
      'final-dot.interop.test',
      ...ROUTE_CASES.map(({ domain }) => domain),
    ];
    postfixLogFrom = servers[0]?.log().length ?? 0;
    const cli = await checkThrough(unbound.address, [...domains, 'nothing-here.interop.test']);
    expect(cli.code, cli.stderr + logs()).toBe(0);
    for (const result of resultLines(cli.stdout)) {
      results.set(result.domain, result);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...servers.map((s) => s.stop()), unbound?.stop(), auth?.stop()]);
    restoreMachine();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function hostOf(domain: string) {
    const result = results.get(domain);
    expect(result, `no result for ${domain}\n${logs()}`).toBeDefined();
    const host = result?.hosts[0];
    expect(host, domain).toBeDefined();
    return { result: result as CheckResult, host: host as NonNullable<typeof host> };
  }

  /**
   * What postscreen logged of mxv's session to `address`: CONNECT, PASS, PREGREET, ... The last session there
   * so far (read before the test connects itself): the readiness check's earlier connection may reach the log
   * after the shared run began, since Postfix logs through postlogd.
   */
  function postscreenSession(address: string): string[] {
    const log = servers[0]?.log().slice(postfixLogFrom) ?? '';
    const connects = [
      ...log.matchAll(
        new RegExp(`(postscreen\\[\\d+\\]): CONNECT from (\\S+) to \\[${address.replace(/\./g, '\\.')}\\]:25`, 'g'),
      ),
    ];
    const connect = connects.at(-1);
    const speaker = `${connect?.[1] ?? ''}: `;
    const client = connect?.[2];
    if (client === undefined) return [];
    return log
      .split('\n')
      .filter((line) => line.includes(speaker) && line.includes(client))
      .map((line) => line.slice(line.indexOf(speaker) + speaker.length).split(' ')[0] ?? '');
  }

  function keywords(lines: string[]): string[] {
    return lines.map((l) => (l.trim().split(/\s+/)[0] ?? '').toUpperCase());
  }

  it.each([
    ['pf-tls.interop.test', 'postfixTls', 0],
    ['pf-wrongname.interop.test', 'postfixWrongName', 62],
    ['exim.interop.test', 'exim', 0],
    ['sendmail.interop.test', 'sendmail', 0],
  ] as const)('%s: mxv agrees with swaks and openssl s_client', async (domain, key, verifyCode) => {
    const { result, host } = hostOf(domain);
    const address = ip[key];
    const name = NAMES[key];
    expect(result.verdict).toBe('ok');
    expect(host).toMatchObject({ ip: address, port: 25, connect: 'ok', starttls: 'ok', error: null });

    const seen = await swaks(address, true);
    expect(seen.banner, seen.raw).not.toBeNull();
    // Exim's and Sendmail's default banners end with the time of the connection (RFC 5322 date): not compared.
    const undated = (text: string | null | undefined) =>
      text?.replace(/ \w{3}, \d{1,2} \w{3} \d{4} [\d:]{8} (?:[+-]\d{4}|[A-Z]{2,3})$/, '');
    expect(host.banner?.code).toBe(220);
    expect(undated(host.banner?.text)).toBe(undated(seen.banner));
    expect(keywords(host.ehlo?.extensions ?? [])).toEqual(keywords(seen.ehlo));
    expect(host.ehlo?.extensions).toContain('STARTTLS');
    expect(host.tls?.version).toBe(seen.tlsVersion);
    expect(host.tls?.cipher).toBe(seen.tlsCipher);

    const ssl = opensslStarttls(address, name, caFile);
    expect(host.tls?.version, ssl.raw).toBe(ssl.protocol);
    expect(host.tls?.cipher).toBe(ssl.cipher);
    // 0: chain and name verified; 62: X509_V_ERR_HOSTNAME_MISMATCH (chain fine, name not).
    expect(ssl.verifyCode, ssl.raw).toBe(verifyCode);
    expect(host.tls?.certValid).toBe(true);
    expect(host.tls?.hostnameMatch).toBe(verifyCode === 0);
  });

  it('Postfix without STARTTLS: not_offered, as swaks sees it', async () => {
    const { result, host } = hostOf('pf-plain.interop.test');
    expect(result.verdict).toBe('ok');
    expect(result.checks.tlsSupported).toBe(false);
    expect(host).toMatchObject({ connect: 'ok', starttls: 'not_offered', tls: null, error: null });
    const seen = await swaks(ip.postfixPlain, false);
    expect(host.banner).toEqual({ code: 220, text: seen.banner });
    expect(keywords(host.ehlo?.extensions ?? [])).toEqual(keywords(seen.ehlo));
    expect(host.ehlo?.extensions).not.toContain('STARTTLS');
    expect((await swaks(ip.postfixPlain, true)).raw).toMatch(/STARTTLS/);
  });

  it('--ports 25,587,465 against Postfix: STARTTLS on 25 and 587, implicit TLS on 465 (smtpd_tls_wrappermode), as openssl sees them', async () => {
    const cli = await runCli(
      [
        'check',
        '--json',
        '--dns',
        unbound.address,
        '--ports',
        '25,587,465',
        '--checks',
        'none',
        '--allow-net',
        `${block}.0/24`,
        '--timeout-ms',
        '8000',
        'pf-tls.interop.test',
      ],
      { env: { NODE_EXTRA_CA_CERTS: caFile } },
    );
    expect(cli.code, cli.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(cli.stdout));
    expect(result.verdict).toBe('ok');
    expect(
      result.hosts.map((h) => [
        h.port,
        h.tlsMode,
        h.connect,
        h.banner?.text,
        h.starttls,
        h.tls?.certValid,
        h.tls?.hostnameMatch,
        h.error,
      ]),
    ).toEqual([
      [25, 'starttls', 'ok', `${NAMES.postfixTls} ESMTP Postfix`, 'ok', true, true, null],
      [587, 'starttls', 'ok', `${NAMES.postfixTls} ESMTP Postfix`, 'ok', true, true, null],
      [465, 'implicit', 'ok', `${NAMES.postfixTls} ESMTP Postfix`, 'ok', true, true, null],
    ]);
    // Inside TLS on 465, Postfix offers no STARTTLS (there is nothing to start), and AUTH-free submission still answers EHLO.
    const implicit = result.hosts[2];
    expect(implicit?.ehlo?.code).toBe(250);
    expect(implicit?.ehlo?.extensions).not.toContain('STARTTLS');
    for (const host of result.hosts) {
      const ssl = opensslStarttls(ip.postfixTls, NAMES.postfixTls, caFile, host.port);
      expect(ssl.verifyCode, ssl.raw).toBe(0);
      expect(host.tls?.version).toBe(ssl.protocol);
      expect(host.tls?.cipher).toBe(ssl.cipher);
    }
  }, 60_000);

  it('RFC 6186 SRV through Unbound: the submission services listed and probed, apart from the verdict', async () => {
    const cli = await runCli(
      [
        'check',
        '--json',
        '--dns',
        unbound.address,
        '--checks',
        'submission',
        '--allow-net',
        `${block}.0/24`,
        'submit.interop.test',
      ],
      { env: { NODE_EXTRA_CA_CERTS: caFile } },
    );
    expect(cli.code, cli.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(cli.stdout));
    expect(result.submission).toEqual([
      { service: 'submission', target: NAMES.postfixTls, port: 587, priority: 0, weight: 1 },
      { service: 'submissions', target: NAMES.postfixTls, port: 465, priority: 0, weight: 1 },
    ]);
    expect(result.hosts.map((h) => [h.service ?? null, h.port, h.tlsMode, h.connect, h.starttls])).toEqual([
      [null, 25, 'starttls', 'ok', 'ok'],
      ['submission', 587, 'starttls', 'ok', 'ok'],
      ['submissions', 465, 'implicit', 'ok', 'ok'],
    ]);
  }, 60_000);

  it('--proxy through a real SOCKS5 proxy (microsocks) to Postfix: the same answer, one onward connection per port', async () => {
    const proxy = await startMicrosocks(ip.socks, 1080);
    try {
      const cli = await runCli(
        [
          'check',
          '--json',
          '--dns',
          unbound.address,
          '--ports',
          '25,465',
          '--checks',
          'none',
          '--proxy',
          proxy.url,
          '--allow-net',
          `${block}.0/24`,
          'pf-tls.interop.test',
        ],
        { env: { NODE_EXTRA_CA_CERTS: caFile } },
      );
      expect(cli.code, cli.stderr).toBe(0);
      const result = checkResultSchema.parse(JSON.parse(cli.stdout));
      expect(result.hosts.map((h) => [h.port, h.connect, h.banner?.code, h.starttls, h.error])).toEqual([
        [25, 'ok', 220, 'ok', null],
        [465, 'ok', 220, 'ok', null],
      ]);
      await new Promise((r) => setTimeout(r, 200));
      expect(
        proxy
          .connectedTo()
          .map((line) => /connected to (\S+)/.exec(line)?.[1])
          .sort(),
        proxy.log(),
      ).toEqual([`${ip.postfixTls}:25`, `${ip.postfixTls}:465`].sort());
    } finally {
      await proxy.stop();
    }
  }, 60_000);

  it.each([
    // Past the pregreet test postscreen says PASS NEW and hands the connection to smtpd.
    ['ps.interop.test', 'postscreen', ['CONNECT', 'PASS']],
    // With the deep tests its own engine answers EHLO and STARTTLS (through tlsproxy); a client that leaves without
    // a RCPT is neither passed nor failed, and any violation would be logged (PREGREET, PIPELINING, BARE, NON-SMTP, ...).
    ['ps-deep.interop.test', 'postscreenDeep', ['CONNECT', 'DISCONNECT']],
  ] as const)("%s: mxv waits out postscreen's greeting and breaks none of its enforced tests", (domain, key, logged) => {
    const { result, host } = hostOf(domain);
    const name = NAMES[key];
    expect(result.verdict, logs()).toBe('ok');
    expect(host).toMatchObject({ ip: ip[key], connect: 'ok', starttls: 'ok', error: null });
    // "220-name ESMTP Postfix" at once, "220 name ESMTP Postfix" once the pregreet wait is over.
    expect(host.banner?.code).toBe(220);
    expect(host.banner?.text).toContain(`${name} ESMTP Postfix`);
    // postscreen's timers tick in whole seconds (time()): its wait of N seconds ends between N - 1 and N.
    expect(host.timingsMs.banner ?? 0).toBeGreaterThanOrEqual((GREET_WAIT_SECONDS - 1) * 1000);
    expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: true });
    expect(host.ehlo?.extensions).toContain('STARTTLS');
    expect(postscreenSession(ip[key]), logs()).toEqual(logged);
    const ssl = opensslStarttls(ip[key], name, caFile);
    expect(host.tls?.version, ssl.raw).toBe(ssl.protocol);
    expect(host.tls?.cipher).toBe(ssl.cipher);
  });

  it.each(CERT_PROBLEMS)(
    '$domain: TLS works, the certificate is not valid ($error), as openssl s_client verifies it',
    (problem) => {
      const { domain, key, error, verifyCode } = problem;
      const { result, host } = hostOf(domain);
      expect(result.verdict).toBe('ok');
      expect(result.checks.tlsSupported).toBe(true);
      expect(host).toMatchObject({ connect: 'ok', starttls: 'ok', error: null });
      expect(host.tls).toMatchObject({ certValid: false, hostnameMatch: true, error });
      const ssl = opensslStarttls(ip[key], NAMES[key], caFile);
      expect(ssl.verifyCode, ssl.raw).toBe(verifyCode);
      // Each has the table's and the page's words, not the bare code.
      expect(describeCertificateError(error)).not.toBeNull();
      if ('depth' in problem) {
        // The certificate the error is about, as s_client names it: "depth=N ..." before "verify error:num=...".
        const reported = new RegExp(`^depth=(\\d+) .*\\nverify error:num=${verifyCode}:`, 'm').exec(ssl.raw);
        expect(reported?.[1], ssl.raw).toBe(String(problem.depth));
        expect(host.tls?.failedCertificate?.depth).toBe(problem.depth);
      }
      expect(host.tls?.version).toBe(ssl.protocol);
      expect(host.tls?.cipher).toBe(ssl.cipher);
    },
  );

  it('a leaf signed over SHA-1 on Postfix: CA_MD_TOO_WEAK, as openssl s_client (verify code 68) and posttls-finger refuse to verify it and gnutls-cli calls it insecure; at level may Postfix still encrypts', async () => {
    const { result, host } = hostOf('sha1-signed.interop.test');
    expect(result.verdict).toBe('ok');
    expect(host).toMatchObject({ connect: 'ok', starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ certValid: false, hostnameMatch: true, error: 'CA_MD_TOO_WEAK' });
    expect(weakCertSignatures(host.tls)).toEqual([{ depth: 0, algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1' }]);
    const ssl = opensslStarttls(ip.sha1Signed, NAMES.sha1Signed, caFile);
    expect(ssl.verifyCode, ssl.raw).toBe(68);
    expect(ssl.raw).toMatch(/CA signature digest algorithm too weak/);
    expect(host.tls?.version).toBe(ssl.protocol);
    // Only the digest is wrong: at level 0 the same chain verifies.
    expect(opensslStarttls(ip.sha1Signed, NAMES.sha1Signed, caFile, 25, ['-cipher', 'DEFAULT:@SECLEVEL=0']).verifyCode).toBe(0);
    const secure = await postfixTlsClient(ip.sha1Signed, ['-l', 'secure', '-F', caFile], [NAMES.sha1Signed]);
    expect(secure).toMatch(/num=68:CA signature digest algorithm too weak/);
    expect(secure).not.toMatch(/Verified TLS connection established/);
    const may = await postfixTlsClient(ip.sha1Signed);
    expect(may).toMatch(/(Untrusted|Anonymous) TLS connection established to /);
    const gnutls = gnutlsStarttls(ip.sha1Signed, NAMES.sha1Signed, caFile);
    expect(gnutls.trusted, gnutls.raw).toBe(false);
    expect(gnutls.raw).toMatch(/insecure algorithm/);
  });

  it('a chain with a cross-signature over SHA-1 above the trusted root on mx27: valid, as openssl s_client, posttls-finger -l secure and gnutls-cli verify it (the path ends at the trusted root)', async () => {
    const { host } = hostOf('cross-signed.interop.test');
    expect(host).toMatchObject({ connect: 'ok', starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: true, error: null });
    expect(weakCertSignatures(host.tls)).toEqual([]);
    expect(host.tls?.chainSignatures?.map((s) => [s.hash, s.selfIssued])).toEqual([
      ['SHA-256', false],
      ['SHA-256', false],
      ['SHA-256', true],
    ]);
    const ssl = opensslStarttls(ip.crossSigned, NAMES.crossSigned, caFile);
    expect(ssl.verifyCode, ssl.raw).toBe(0);
    const secure = await postfixTlsClient(ip.crossSigned, ['-l', 'secure', '-F', caFile], [NAMES.crossSigned]);
    expect(secure).toMatch(/Verified TLS connection established/);
    const gnutls = gnutlsStarttls(ip.crossSigned, NAMES.crossSigned, caFile);
    expect(gnutls.trusted, gnutls.raw).toBe(true);
  });

  it('a certificate naming mx28.interop.test. (final dot) on mx28: no name match, as openssl s_client (num=62), posttls-finger and gnutls-cli judge it', async () => {
    const { host } = hostOf('final-dot.interop.test');
    expect(host).toMatchObject({ connect: 'ok', starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: false, subjectAltNames: [`DNS:${NAMES.finalDot}.`] });
    const ssl = opensslStarttls(ip.finalDot, NAMES.finalDot, caFile);
    expect(ssl.raw).toMatch(/num=62:hostname mismatch/);
    const secure = await postfixTlsClient(ip.finalDot, ['-l', 'secure', '-F', caFile], [NAMES.finalDot]);
    expect(secure).toMatch(/hostname mismatch/);
    expect(secure).not.toMatch(/Verified TLS connection established/);
    const gnutls = gnutlsStarttls(ip.finalDot, NAMES.finalDot, caFile);
    expect(gnutls.trusted, gnutls.raw).toBe(false);
  });

  it('a certificate for mx2*.interop.test on mx24: no name match, as posttls-finger and gnutls-cli judge it (RFC 9525 6.3); openssl s_client alone, at its default flags, matches it', async () => {
    const { host } = hostOf('partial-wildcard.interop.test');
    expect(host).toMatchObject({ connect: 'ok', starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: false, subjectAltNames: ['DNS:mx2*.interop.test'] });
    const secure = await postfixTlsClient(ip.partialWildcard, ['-l', 'secure', '-F', caFile], [NAMES.partialWildcard]);
    expect(secure).toMatch(/num=62:hostname mismatch/);
    expect(secure).not.toMatch(/Verified TLS connection established/);
    const gnutls = gnutlsStarttls(ip.partialWildcard, NAMES.partialWildcard, caFile);
    expect(gnutls.trusted, gnutls.raw).toBe(false);
    expect(gnutls.raw).toMatch(/does not match the expected/);
    const ssl = opensslStarttls(ip.partialWildcard, NAMES.partialWildcard, caFile);
    expect(ssl.verifyCode, ssl.raw).toBe(0);
  });

  it("STARTTLS offered but Postfix's TLS cannot start: starttls_tempfail with its 454 in its own words, as swaks sees it; delivery still works in clear", async () => {
    const { result, host } = hostOf('tls-broken.interop.test');
    expect(result.verdict).toBe('ok');
    expect(result.checks.tlsSupported).toBe(false);
    expect(host.ehlo?.extensions).toContain('STARTTLS');
    expect(host).toMatchObject({ starttls: 'failed', tls: null, error: 'starttls_tempfail' });
    const seen = await swaks(ip.tlsBroken, true);
    const refused = /^<\*\*\s+(\d{3}) (.*)$/m.exec(seen.raw);
    expect(refused, seen.raw).not.toBeNull();
    expect(host.refusal).toEqual({ command: 'STARTTLS', overTls: false, code: Number(refused?.[1]), text: refused?.[2] });
    expect(host.refusal?.code).toBe(454);
  });

  it('an old server that speaks TLS 1.0 only: described (version, cipher, a valid certificate), not failed, as openssl s_client negotiates it and Postfix does; OpenSSL 3 at its defaults refuses it', async () => {
    const { result, host } = hostOf('tls10.interop.test');
    expect(result.verdict).toBe('ok');
    expect(result.checks.tlsSupported).toBe(true);
    expect(host).toMatchObject({ starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ version: 'TLSv1', certValid: true, hostnameMatch: true, secureRenegotiation: true });
    // openssl refuses TLS 1.0 at its default security level too; told what mxv allows, it agrees.
    const ssl = opensslStarttls(ip.tls10, NAMES.tls10, caFile, 25, ['-cipher', 'DEFAULT:@SECLEVEL=0']);
    // The same protocol under two names: SSL_get_version's "TLSv1" (Node's, so mxv's) and s_client's summary "TLSv1.0".
    expect(ssl.protocol, ssl.raw).toBe('TLSv1.0');
    // mxv gives the cipher's IANA name (as for TLS 1.3, where OpenSSL's is the same): s_client's name, translated by OpenSSL.
    const names = spawnSync('openssl', ['ciphers', '-stdname', `${ssl.cipher ?? 'none'}:@SECLEVEL=0`], {
      encoding: 'utf8',
    }).stdout;
    expect(names, ssl.raw).toMatch(new RegExp(`^${host.tls?.cipher}\\s+-\\s+${ssl.cipher}\\s`, 'm'));
    expect(ssl.verifyCode).toBe(0);
    // What the table and the page warn of, as senders differ on it: OpenSSL 3 at its defaults refuses the
    // SHA-1 signature of TLS 1.0's key exchange, while Postfix 3.7's own client (on the same OpenSSL) still
    // negotiates TLS 1.0, as mxv does.
    const strict = opensslStarttls(ip.tls10, NAMES.tls10, caFile);
    expect(strict.protocol, strict.raw).toBe('(NONE)');
    expect(strict.raw).toMatch(/legacy sigalg disallowed or unsupported/);
    const finger = await postfixTlsClient(ip.tls10);
    expect(finger).toMatch(/TLS connection established to .*: TLSv1 with cipher/);
    // But Postfix verifying the certificate (its secure level, as for MTA-STS and DANE) refuses the handshake, so
    // such senders defer, not send in clear (stop 33's TLS audit): the table and the page say so.
    const secure = await postfixTlsClient(ip.tls10, ['-l', 'secure', '-F', caFile], [NAMES.tls10]);
    expect(secure).toMatch(/legacy sigalg disallowed or unsupported|handshake failure/);
    expect(secure).not.toMatch(/TLS connection established/);
    // So does GnuTLS 3.7 (Exim on Debian 12 sends with it), at its defaults.
    const gnutls = gnutlsStarttls(ip.tls10, NAMES.tls10, caFile);
    expect(gnutls, gnutls.raw).toMatchObject({ completed: true, trusted: true });
    expect(gnutls.description).toMatch(/^\(TLS1\.0-X\.509\)/);
  });

  it("a 1024-bit RSA certificate on Postfix: its size reported, the chain valid to mxv; at Debian 12's level 2 openssl s_client refuses the key (the handshake completes), posttls-finger, at its own level, verifies it", async () => {
    const { result, host } = hostOf('weak-rsa.interop.test');
    expect(result.verdict).toBe('ok');
    expect(host).toMatchObject({ starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: true, certKey: { type: 'RSA', bits: 1024, curve: null } });
    expect(tlsKeyWeaknesses(host.tls)).toMatchObject([{ key: 'certificate', belowLevel: 2 }]);
    // The handshake completes; only the verification fails (X509_V_ERR_EE_KEY_TOO_SMALL).
    const ssl = opensslStarttls(ip.weakRsa, NAMES.weakRsa, caFile);
    expect(ssl.protocol, ssl.raw).toBe(host.tls?.version);
    expect(ssl.verifyCode, ssl.raw).toBe(66);
    expect(ssl.raw).toMatch(/Server public key is 1024 bit/);
    expect(opensslStarttls(ip.weakRsa, NAMES.weakRsa, caFile, 25, ['-cipher', 'DEFAULT:@SECLEVEL=1']).verifyCode).toBe(0);
    // Postfix's own client: untrusted but encrypted at "may", refused at "secure" (what MTA-STS enforce asks of it).
    const may = await postfixTlsClient(ip.weakRsa);
    expect(may).toMatch(/Untrusted TLS connection established to .*: TLSv1\.3/);
    const secure = await postfixTlsClient(ip.weakRsa, ['-l', 'secure', '-F', caFile], [NAMES.weakRsa]);
    // Postfix sets its own security level: verified, where s_client at the defaults refuses the key.
    expect(secure).toMatch(/Verified TLS connection established to .*: TLSv1\.3 .* server-signature RSA-PSS \(1024 bits\)/);
    const control = await postfixTlsClient(ip.postfixTls, ['-l', 'secure', '-F', caFile], [NAMES.postfixTls]);
    expect(control).toMatch(/Verified TLS connection established/);
    // GnuTLS 3.7 (Exim on Debian 12 sends with it) trusts it too.
    const gnutls = gnutlsStarttls(ip.weakRsa, NAMES.weakRsa, caFile);
    expect(gnutls.raw).toMatch(/RSA key 1024 bits/);
    expect(gnutls, gnutls.raw).toMatchObject({ completed: true, trusted: true });
  });

  it('finite-field DHE over a 1024-bit group on Postfix: DH 1024 reported; at Debian 12\'s level 2 openssl s_client fails the handshake ("dh key too small"), posttls-finger, at its own level, completes it', async () => {
    const { result, host } = hostOf('weak-dh.interop.test');
    expect(result.verdict).toBe('ok');
    expect(host).toMatchObject({ starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({
      version: 'TLSv1.2',
      certValid: true,
      certKey: { type: 'RSA', bits: 2048 },
      keyExchange: { type: 'DH', group: null, bits: 1024 },
    });
    expect(host.tls?.cipher).toMatch(/^TLS_DHE_RSA_WITH_/);
    expect(tlsKeyWeaknesses(host.tls)).toMatchObject([{ key: 'key_exchange', type: 'DH', bits: 1024, belowLevel: 2 }]);
    const strict = opensslStarttls(ip.weakDh, NAMES.weakDh, caFile);
    expect(strict.protocol, strict.raw).toBe('(NONE)');
    expect(strict.raw).toMatch(/dh key too small/);
    const level1 = opensslStarttls(ip.weakDh, NAMES.weakDh, caFile, 25, ['-cipher', 'DEFAULT:@SECLEVEL=1']);
    expect(level1.protocol, level1.raw).toBe('TLSv1.2');
    expect(level1.raw).toMatch(/Server Temp Key: DH, 1024 bits/);
    // Postfix sets its own security level and negotiates it.
    const finger = await postfixTlsClient(ip.weakDh);
    expect(finger).toMatch(/Untrusted TLS connection established to .*: TLSv1\.2 with cipher DHE-RSA-/);
    // GnuTLS 3.7 (Exim on Debian 12) completes it too.
    const gnutls = gnutlsStarttls(ip.weakDh, NAMES.weakDh, caFile);
    expect(gnutls, gnutls.raw).toMatchObject({ completed: true, trusted: true });
    expect(gnutls.description).toMatch(/^\(TLS1\.2-X\.509\)-\(DHE-CUSTOM1024\)-/);
  });

  it('a server without RFC 5746 secure renegotiation (Exim on GnuTLS told to play one): said so, and described as openssl s_client -legacy_server_connect sees it; OpenSSL 3 senders refuse it', async () => {
    const { result, host } = hostOf('legacy-tls.interop.test');
    expect(result.verdict).toBe('ok');
    expect(host).toMatchObject({ starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ version: 'TLSv1.2', certValid: true, hostnameMatch: true, secureRenegotiation: false });
    // Refused on mxv's first connection (Exim logs the handshake our ClientHello ended), described from its second.
    const eximLog = eximLegacy.log();
    expect(eximLog.match(/TLS error on connection from \(mxv\.interop\.test\) .*Handshake failed/g), eximLog).toHaveLength(1);
    // OpenSSL 3's default (as Postfix 3.7 on Debian 12 uses it) stops at the ServerHello.
    const strict = opensslStarttls(ip.legacyTls, NAMES.legacyTls, caFile);
    expect(strict.raw).toMatch(/unsafe legacy renegotiation disabled/);
    expect(strict.raw).toMatch(/Secure Renegotiation IS NOT supported/);
    const ssl = opensslStarttls(ip.legacyTls, NAMES.legacyTls, caFile, 25, ['-legacy_server_connect']);
    expect(ssl.protocol, ssl.raw).toBe('TLSv1.2');
    const names = spawnSync('openssl', ['ciphers', '-stdname', ssl.cipher ?? 'none'], { encoding: 'utf8' }).stdout;
    expect(names, ssl.raw).toMatch(new RegExp(`^${host.tls?.cipher}\\s+-\\s+${ssl.cipher}\\s`, 'm'));
    expect(ssl.verifyCode).toBe(0);
    // Postfix's own TLS client refuses it as s_client does (and then, at level "may", delivers in clear).
    const finger = await postfixTlsClient(ip.legacyTls);
    expect(finger).toMatch(/unsafe legacy renegotiation disabled/);
    // GnuTLS 3.7 at its defaults (%PARTIAL_RENEGOTIATION) goes on, as mxv's second connection does.
    const gnutls = gnutlsStarttls(ip.legacyTls, NAMES.legacyTls, caFile);
    expect(gnutls, gnutls.raw).toMatchObject({ completed: true, trusted: true });
    expect(gnutls.description).toMatch(/^\(TLS1\.2-X\.509\)/);
    expect(gnutls.raw).toMatch(/^- Options: /m);
    expect(gnutls.raw).not.toMatch(/^- Options: .*safe renegotiation/m);
  });

  it("Debian 12's OpenSMTPD (6.8 on OpenSSL 3): STARTTLS offered and answered 220, then its handshake ends in an internal_error alert; mxv says so and not that a certificate is bad, as openssl s_client and posttls-finger see it", async () => {
    const { result, host } = hostOf('opensmtpd.interop.test');
    // Delivery still works: Postfix at level "may" retries such a server in clear, and so do most senders.
    expect(result.verdict).toBe('ok');
    expect(result.checks.tlsSupported).toBe(false);
    const seen = await swaks(ip.opensmtpd, false);
    expect(host.banner).toEqual({ code: 220, text: `${NAMES.opensmtpd} ESMTP OpenSMTPD` });
    expect(host.banner?.text, seen.raw).toBe(seen.banner);
    expect(host.ehlo?.extensions, seen.raw).toEqual(seen.ehlo);
    expect(host.ehlo?.extensions).toContain('STARTTLS');
    // The private key lives in another process of OpenSMTPD's privilege separation, and its signing through
    // OpenSSL 3 fails (OpenSMTPD issues #1171, #1239): the handshake dies at the server's signature.
    expect(host).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed' });
    expect(host.tls).toMatchObject({ version: null, cipher: null, error: 'tlsv1_alert_internal_error' });
    // Its Certificate came before the alert: described (which certificate, until when), judged by nothing.
    const sent = new X509Certificate(readFileSync(join(dir, 'mx17.crt')));
    expect(host.tls).toMatchObject({
      certValid: false,
      hostnameMatch: false,
      subject: `CN=${NAMES.opensmtpd}`,
      issuer: 'CN=mxv interop CA',
      fingerprintSha256: sent.fingerprint256,
      notAfter: new Date(sent.validTo).toISOString(),
    });
    expect(opensmtpd.log()).toMatch(/smtp disconnected reason="io-error: .*EVP lib"/);
    const ssl = opensslStarttls(ip.opensmtpd, NAMES.opensmtpd, caFile);
    // s_client prints the certificate and the suite of the ServerHello, which came before the failed signature.
    expect(ssl.raw).toMatch(/tlsv1 alert internal error.*SSL alert number 80/);
    // The same certificate, as s_client prints it before the alert.
    expect(ssl.raw).toMatch(new RegExp(`subject=CN ?= ?${NAMES.opensmtpd.replace(/\./g, '\\.')}`));
    const finger = await postfixTlsClient(ip.opensmtpd);
    expect(finger).toMatch(/tlsv1 alert internal error.*SSL alert number 80/);
  });

  it('a server that asks for a client certificate: mxv sends none, the handshake completes, as for openssl s_client', () => {
    const { result, host } = hostOf('ask-cert.interop.test');
    expect(result.verdict).toBe('ok');
    expect(host).toMatchObject({ starttls: 'ok', error: null });
    expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: true });
    const ssl = opensslStarttls(ip.askCert, NAMES.askCert, caFile);
    // s_client prints what the server's CertificateRequest asked for.
    expect(ssl.raw).toMatch(/^Requested Signature Algorithms: /m);
    expect(host.tls?.version, ssl.raw).toBe(ssl.protocol);
    expect(host.tls?.cipher).toBe(ssl.cipher);
  });

  it.skipIf(!ipv6Loopback25)(
    'an exchange with A and AAAA records: both addresses probed, over IPv4 and IPv6, as openssl s_client sees each',
    () => {
      const result = results.get('dual-stack.interop.test');
      expect(result?.verdict, logs()).toBe('ok');
      expect(result?.mx.records[0]?.addresses).toEqual([ip.dualStack, '::1']);
      const hosts = result?.hosts ?? [];
      expect(hosts.map((h) => h.ip)).toEqual([ip.dualStack, '::1']);
      for (const host of hosts) {
        expect(host, host.ip).toMatchObject({ connect: 'ok', starttls: 'ok', error: null });
        expect(host.banner?.text).toBe(`${NAMES.dualStack} ESMTP Postfix`);
        expect(host.tls).toMatchObject({ certValid: true, hostnameMatch: true });
        const ssl = opensslStarttls(host.ip.includes(':') ? `[${host.ip}]` : host.ip, NAMES.dualStack, caFile);
        expect(host.tls?.version, ssl.raw).toBe(ssl.protocol);
        expect(host.tls?.cipher).toBe(ssl.cipher);
      }
      // Postfix saw one connection on each address family (its log names the client address).
      const smtpd = servers[0]?.log().slice(postfixLogFrom) ?? '';
      expect(smtpd).toMatch(/mx14 postfix\/smtpd\[\d+\]: connect from unknown\[::1\]/);
    },
  );

  it.each(ROUTE_CASES)(
    '$domain through Unbound: $verdict ($source MX, problems $problems)',
    ({ domain, verdict, source, dns, problems }) => {
      const result = results.get(domain);
      expect(result?.verdict, JSON.stringify(result?.mx)).toBe(verdict);
      expect(result?.mx.source).toBe(source);
      expect(result?.mx.dns).toBe(dns);
      expect(result?.mx.records.flatMap((record) => record.problems)).toEqual(problems);
      if (verdict === 'ok') {
        expect(result?.hosts[0]).toMatchObject({ ip: ip.postfixTls, connect: 'ok', starttls: 'ok' });
      }
    },
  );

  it('the malformed exchange is listed as dig writes it, and the table shows no escape byte', () => {
    const result = results.get('malformed-mx.interop.test');
    expect(result?.mx.records[0]?.exchange).toBe('mx\\032\\027[31m.interop.test');
    expect(result?.hosts.map((host) => host.exchange)).toEqual([NAMES.postfixTls]);
    expect(renderResultTable(result!, PLAIN)).not.toMatch(/\u001b/);
  });

  it('a server whose postscreen blocks the prober: bad_banner with its 521 greeting, as swaks sees it', async () => {
    const { result, host } = hostOf('blocked.interop.test');
    expect(result.verdict, logs()).toBe('bad_banner');
    expect(result.checks).toMatchObject({ smtpReachable: true, bannerValid: false });
    expect(host.connect).toBe('ok');
    // swaks marks a reply it did not want with "<**".
    expect(postscreenSession(ip.blocked)).toEqual(['CONNECT', 'DENYLISTED', 'DISCONNECT']);
    const seen = await swaks(ip.blocked, false);
    const greeting = /^<\*\*\s+521 (.*)$/m.exec(seen.raw);
    expect(greeting, seen.raw).not.toBeNull();
    expect(host.banner, JSON.stringify(host)).toEqual({ code: 521, text: greeting?.[1] });
    expect(host.ehlo).toBeNull();
  });

  it('a postscreen whose DNS block list names the prober: its 220- teaser ended by 521, read as 521, as swaks reads it', async () => {
    const { result, host } = hostOf('dnsbl-drop.interop.test');
    expect(result.verdict, logs()).toBe('bad_banner');
    expect(host).toMatchObject({ connect: 'ok', error: 'greeting_rejected' });
    expect(postscreenSession(ip.dnsblDrop), logs()).toEqual(['CONNECT', 'DNSBL', 'DISCONNECT']);
    // Its dnsblog asked Unbound (through the namespace's resolv.conf) and found the prober's address listed.
    const postfixLog = servers[0]?.log() ?? '';
    expect(postfixLog).toMatch(
      new RegExp(
        `dnsblog\\[\\d+\\]: addr 127\\.0\\.0\\.1 listed by domain ${DNSBL_ZONE.replace(/\./g, '\\.')} as 127\\.0\\.0\\.2`,
      ),
    );
    expect(postfixLog).toMatch(/postscreen\[\d+\]: DNSBL rank 1 for \[127\.0\.0\.1\]:\d+/);
    // RFC 5321 4.2.1 wants one code per reply; postscreen's drop comes after its teaser line. The reply is
    // the last line's code (as Postfix's client reads it) with every line's text.
    const seen = await swaks(ip.dnsblDrop, false);
    const teaser = /^<\*\*\s+220-(.*)$/m.exec(seen.raw);
    const drop = /^<\*\*\s+521 (.*)$/m.exec(seen.raw);
    expect(teaser, seen.raw).not.toBeNull();
    expect(drop, seen.raw).not.toBeNull();
    expect(drop?.[1]).toBe(`5.7.1 Service unavailable; client [127.0.0.1] blocked using ${DNSBL_ZONE}`);
    expect(host.banner, JSON.stringify(host)).toEqual({ code: 521, text: `${teaser?.[1]} ${drop?.[1]}` });
    expect(host.ehlo).toBeNull();
  });

  it('Postfix, Exim and Sendmail greet as themselves', () => {
    expect(hostOf('pf-tls.interop.test').host.banner?.text).toBe(`${NAMES.postfixTls} ESMTP Postfix`);
    expect(hostOf('exim.interop.test').host.banner?.text).toMatch(
      new RegExp(`^${NAMES.exim.replace(/\./g, '\\.')} ESMTP Exim 4\\.`),
    );
    expect(hostOf('sendmail.interop.test').host.banner?.text).toMatch(
      new RegExp(`^${NAMES.sendmail.replace(/\./g, '\\.')} ESMTP Sendmail 8\\.\\d+\\.\\d+`),
    );
  });

  it('through an Unbound that does not validate: DNSSEC unknown, never insecure; no TLSA is DANE none', async () => {
    // As dig sees it: no AD, not even for the TLD's SOA that tells mxv whether the resolver validates.
    const { stdout: soa } = await execFileAsync('dig', [`@${ip.unbound}`, '+dnssec', '+time=3', 'interop.test', 'SOA']);
    expect(soa).toMatch(/status: NOERROR/);
    expect(soa).not.toMatch(/;; flags:[a-z ]* ad[ ;]/);
    for (const domain of ['pf-tls.interop.test', 'exim.interop.test', 'nothing-here.interop.test']) {
      const result = results.get(domain);
      expect(result?.mx.dnssec, domain).toBe('unknown');
      for (const host of result?.hosts ?? []) expect(host.dane, domain).toMatchObject({ status: 'none', tlsa: [] });
    }
    expect(results.get('pf-tls.interop.test')?.security.dane).toBe('none');
  });

  it('answers too large for a datagram: Unbound truncates them over UDP, mxv asks again over TCP and gets them whole, as dig +tcp does', async () => {
    const { result } = hostOf('big.interop.test');
    expect(result.mx.dns, JSON.stringify(result.mx)).toBe('NOERROR');
    // All 30 came (totalRecords); the 16 best are considered (maxMxRecords), and the result says so.
    expect(result.mx).toMatchObject({ truncated: true, totalRecords: BIG_MX.length });
    expect(result.mx.records.map(({ priority, exchange }) => ({ priority, exchange }))).toEqual(BIG_MX.slice(0, 16));
    expect(result.mx.records[0]?.addresses).toEqual([ip.postfixTls]);
    expect(result.verdict).toBe('ok');
    expect(result.security.spf).toMatchObject({ status: 'valid', record: BIG_SPF, error: null });
    // Asynchronously: the authoritative server Unbound asks runs in this process.
    const { stdout: viaUdp } = await execFileAsync('dig', [
      `@${ip.unbound}`,
      '+notcp',
      '+ignore',
      '+bufsize=1232',
      'big.interop.test',
      'MX',
    ]);
    expect(viaUdp, viaUdp).toMatch(/;; flags:[a-z ]* tc[ ;]/);
    const { stdout: viaTcp } = await execFileAsync('dig', [`@${ip.unbound}`, '+tcp', '+short', 'big.interop.test', 'MX']);
    const digMx = viaTcp
      .trim()
      .split('\n')
      .map((line) => {
        const [priority, exchange] = line.split(' ') as [string, string];
        return { priority: Number(priority), exchange: exchange.replace(/\.$/, '') };
      })
      .sort((a, b) => a.priority - b.priority);
    expect(digMx).toEqual(BIG_MX);
  });

  it('NXDOMAIN through Unbound: verdict nxdomain', () => {
    const result = results.get('nothing-here.interop.test');
    expect(result?.verdict).toBe('nxdomain');
    expect(result?.mx.dns).toBe('NXDOMAIN');
  });

  it('a zone whose authoritative server is silent: dns_error with what Unbound says', async () => {
    // What the real resolver answers, given all the time it wants.
    const direct = await new StubResolver({
      servers: [{ host: ip.unbound, port: 53 }],
      bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 20_000, attemptsPerServer: 1 }),
    }).query('mail.silent.test', 'MX');
    expect(direct.status, logs()).toBe('SERVFAIL');

    const started = Date.now();
    const cli = await runCli(
      ['check', '--json', '--dns', unbound.address, '--dns-timeout-ms', '4000', '--timeout-ms', '2000', 'mail.silent.test'],
      { env: { NODE_EXTRA_CA_CERTS: caFile } },
    );
    const elapsedMs = Date.now() - started;
    expect(cli.code, cli.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(cli.stdout));
    expect(result.verdict).toBe('dns_error');
    // Unbound gives SERVFAIL once its own retries are spent; if that takes longer than our
    // tries, we say TIMEOUT. Either is the resolver's truth, never a verdict about mail.
    expect(['SERVFAIL', 'TIMEOUT']).toContain(result.mx.dns);
    expect(result.hosts).toEqual([]);
    // Two tries of 4 s at most, plus process start.
    expect(elapsedMs).toBeLessThan(2 * 4000 + 3000);
  }, 60_000);

  describe('through systemd-resolved, the stub resolver of most Ubuntu and Fedora machines (127.0.0.53), in front of Unbound', () => {
    /** The mail route's cases, each link of it answered through the stub as a default-configured machine asks. */
    const VIA_STUB = [
      'pf-tls.interop.test',
      'big.interop.test',
      'nothing-here.interop.test',
      ...ROUTE_CASES.map(({ domain }) => domain),
    ];
    let resolved: (Running & { address: string }) | null = null;
    let unavailable: string | null = null;
    const viaStub = new Map<string, CheckResult>();

    beforeAll(async () => {
      // A machine that runs its own systemd-resolved has the address taken: that one answers from elsewhere.
      const taken = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: RESOLVED_STUB_ADDRESS, port: 53 });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (taken) {
        unavailable = `${RESOLVED_STUB_ADDRESS}:53 is taken (this machine runs a resolver there)`;
        console.warn(`interop-mta: systemd-resolved case skipped: ${unavailable}`);
        return;
      }
      resolved = await startSystemdResolved(join(dir, 'resolved'), ip.unbound);
      const cli = await checkThrough(resolved.address, VIA_STUB);
      expect(cli.code, cli.stderr + resolved.log()).toBe(0);
      for (const result of resultLines(cli.stdout)) viaStub.set(result.domain, result);
    }, 60_000);

    afterAll(async () => {
      await resolved?.stop();
    });

    /** What must not depend on the resolver in between: the verdict, the MX answer, the addresses, the hosts, SPF, DNSSEC. */
    const route = (result: CheckResult | undefined) => ({
      verdict: result?.verdict,
      dns: result?.mx.dns,
      source: result?.mx.source,
      dnssec: result?.mx.dnssec,
      truncated: result?.mx.truncated,
      totalRecords: result?.mx.totalRecords,
      records: result?.mx.records.map(({ priority, exchange, addresses, problems }) => ({
        priority,
        exchange,
        addresses,
        problems,
      })),
      hosts: result?.hosts.map((host) => [host.ip, host.connect, host.banner?.code, host.starttls]),
      spf: result?.security.spf,
    });

    it('the same verdicts, MX answers (a 30-record one over TCP included), addresses, hosts and SPF as through Unbound; DNSSEC unknown', (ctx) => {
      if (unavailable !== null) return ctx.skip();
      for (const domain of VIA_STUB) {
        expect(route(viaStub.get(domain)), `${domain}\n${resolved?.log().slice(-2000) ?? ''}`).toEqual(
          route(results.get(domain)),
        );
      }
      // It validates nothing by default: never AD, so never secure nor insecure.
      expect(viaStub.get('pf-tls.interop.test')?.mx.dnssec).toBe('unknown');
      expect(viaStub.get('big.interop.test')?.mx.totalRecords).toBe(BIG_MX.length);
    });
  });
});
