import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResultSchema, type CheckResult } from '@mxv/schema';
import { createTestCa, freeLoopbackPort, tlsaForChain, type IssuedCert, type TlsaSubject } from '@mxv/testkit';
import {
  hasBinary,
  startDnsmasq,
  startKnotResolver,
  startNamed,
  startPdnsRecursor,
  startPostfix,
  startUnbound,
  restoreMachine,
  type Running,
} from './interop/real-servers.js';
import { dig, makeKey, posttlsFinger, signZone, startNsd } from './interop/signed-zones.js';
import { resultLines, runCli } from './run-cli.js';

/**
 * Issue 10, DNSSEC and DANE against real servers: NSD serving zones signed with
 * ldns-signzone (a secure zone, an insecure delegation, a DS that matches no
 * key, expired signatures), Unbound validating in front of it from the test
 * trust anchor, Postfix presenting certificates matched by TLSA 3 1 1 and
 * 2 1 1 records, by 2 1 0 and 2 0 0 records carrying a root it leaves out of
 * its chain, by 3 1 1 on a stale leaf naming another host and 2 1 1 on a
 * leaf out of its dates or naming another host, and ones that match nothing;
 * exchanges that are CNAMEs, with TLSA at the expanded or the original name;
 * a signed MX whose exchange is in an unsigned zone; and a bogus TLSA answer. mxv's verdicts are cross-checked
 * against `dig +dnssec` (AD, SERVFAIL, EDE, +cd), `ldns-dane verify` and
 * Postfix's own DANE client `posttls-finger -l dane` on the same servers in the same test. The DNSSEC cases are
 * asked again through BIND's named, PowerDNS Recursor, dnsmasq and Knot Resolver, four more validating resolvers, which must give mxv the same answers. Needs root (ports 25 and 53) and .ci/run's packages.
 */

const missing = [
  'postfix',
  'posttls-finger',
  'unshare',
  'unbound',
  'nsd',
  'ldns-signzone',
  'ldns-keygen',
  'ldns-dane',
  'dig',
  'dnsmasq',
  // BIND's named is unpacked from its .deb (installing bind9 would start a resolver that asks the root servers).
  'apt-get',
  'dpkg',
].filter((b) => !hasBinary(b));
const isRoot = process.getuid?.() === 0;
const reason = !isRoot ? 'needs root (ports 25, 53)' : missing.length > 0 ? `missing ${missing.join(', ')} (see .ci/run)` : null;
if (reason !== null) console.warn(`interop-dnssec-dane: skipped: ${reason}`);

const block = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;
const ip = {
  ee: `${block}.1`,
  ta: `${block}.2`,
  nomatch: `${block}.3`,
  root: `${block}.4`,
  barekey: `${block}.5`,
  barecert: `${block}.6`,
  barewrong: `${block}.7`,
  eestale: `${block}.8`,
  taname: `${block}.9`,
  tastale: `${block}.10`,
  eeself: `${block}.11`,
  eesha1: `${block}.12`,
  tasha1: `${block}.13`,
  nsd: `${block}.60`,
  unbound: `${block}.53`,
};
/** Servers that send leaf and intermediate but not the root that their TLSA record carries whole (`2 1 0`, `2 0 0`). */
const BARE = [
  { key: 'barekey', exchange: 'mx5.barekey.test', selector: 1 },
  { key: 'barecert', exchange: 'mx6.barecert.test', selector: 0 },
  { key: 'barewrong', exchange: 'mx7.barewrong.test', selector: 1 },
] as const;
/**
 * Names and dates (RFC 7672 3.1.1, 3.2.3; RFC 7671 5.2.1): DANE-EE ignores both, DANE-TA checks both. Each
 * server's leaf names another host (`named: false`), has expired or is self-signed, and its TLSA matches the
 * leaf (usage 3) or the intermediate it sends (usage 2).
 */
const NAMES_AND_DATES = [
  { key: 'eestale', exchange: 'mx8.eestale.test', usage: 3, named: false, expired: true, selfSigned: false, pass: true },
  { key: 'taname', exchange: 'mx9.taname.test', usage: 2, named: false, expired: false, selfSigned: false, pass: false },
  { key: 'tastale', exchange: 'mx10.tastale.test', usage: 2, named: true, expired: true, selfSigned: false, pass: false },
  // The common DANE deployment: a self-signed certificate that no CA vouches for, only its TLSA 3 1 1 record.
  { key: 'eeself', exchange: 'mx11.eeself.test', usage: 3, named: true, expired: false, selfSigned: true, pass: true },
] as const;
/**
 * A leaf its issuer signed over SHA-1, under a DANE-EE (3 1 1) and a DANE-TA (2 1 1, the intermediate)
 * record. RFC 7672 says nothing of digests; what Postfix does is OpenSSL's security level, which refuses
 * SHA-1 when a chain is verified (DANE-TA) and has no chain to verify under DANE-EE.
 */
const SHA1_SIGNED = [
  { key: 'eesha1', exchange: 'mx12.eesha1.test', usage: 3, pass: true },
  { key: 'tasha1', exchange: 'mx13.tasha1.test', usage: 2, pass: false },
] as const;
/**
 * Exchanges that are aliases (RFC 7672 2.2.3): TLSA is asked at the CNAME-expanded name first, at the
 * original name only when the expanded one has none. The servers are those of ee.test and nomatch.test.
 */
const ALIASED = [
  // The expanded name (mx1.ee.test) has the matching TLSA.
  { domain: 'alias-expanded.test', pass: true },
  // The expanded name has none; the original name's TLSA matches.
  { domain: 'alias-original.test', pass: true },
  // The expanded name (mx3.nomatch.test) has a TLSA that matches nothing: the original name's matching one does not count.
  { domain: 'alias-both.test', pass: false },
] as const;
const DOMAINS = [
  'ee.test',
  'ta.test',
  'nomatch.test',
  'root.test',
  'insecure.test',
  'badds.test',
  'expired.test',
  ...BARE.map(({ key }) => `${key}.test`),
  ...NAMES_AND_DATES.map(({ key }) => `${key}.test`),
  ...SHA1_SIGNED.map(({ key }) => `${key}.test`),
  ...ALIASED.map(({ domain }) => domain),
  // A signed MX whose exchange lives in the insecure zone: its address answer, and so its TLSA, cannot count.
  'unsigned-host.test',
  // A secure MX and address, but the TLSA answer is bogus (its zone's signatures expired): no downgrade to "no TLSA".
  'tlsa-bogus.test',
  // Only a PKIX-EE (usage 1) record, which SMTP cannot use (RFC 7672 3.1.3).
  'unusable.test',
  // An unsigned domain whose MX names a signed exchange with a TLSA record that matches nothing.
  'bad.insecure.test',
  // A signed exchange that is an alias into the unsigned zone, with its own signed TLSA record.
  'alias-unsigned.test',
];

/** Cases asked again through BIND's named, a second validating resolver: every DNSSEC status, and DANE's outcomes. */
const THROUGH_BIND = [
  'ee.test',
  'ta.test',
  'nomatch.test',
  'insecure.test',
  'badds.test',
  'expired.test',
  'unsigned-host.test',
  'tlsa-bogus.test',
  'unusable.test',
];

let dir: string;
let caFile: string;
let trustingRoot: CheckResult | undefined;
let nsd: Running;
let unbound: Running & { address: string };
let named: Running & { address: string };
let pdns: Running & { address: string };
let dnsmasq: Running & { address: string };
let kresd: Running & { address: string };
let postfix: Running;
const certs = new Map<string, { issued: IssuedCert; chainFile: string }>();
const results = new Map<string, CheckResult>();
const resultsThroughBind = new Map<string, CheckResult>();
const resultsThroughPdns = new Map<string, CheckResult>();
const resultsThroughDnsmasq = new Map<string, CheckResult>();
const resultsThroughKresd = new Map<string, CheckResult>();

function zoneFile(name: string, lines: string[]): string {
  const file = `${name}.zone`;
  writeFileSync(
    join(dir, file),
    [`$ORIGIN ${name}.`, '$TTL 60', `@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60`, '@ NS ns.test.', ...lines, ''].join(
      '\n',
    ),
  );
  return file;
}

function tlsaLine(
  owner: string,
  chainPem: string,
  usage: number,
  of: TlsaSubject,
  rootPem = '',
  fields = { selector: 1, matchingType: 1 },
): string {
  const record = tlsaForChain(chainPem, { usage, ...fields }, of, rootPem);
  if (record.type !== 'TLSA') throw new Error('not a TLSA record');
  return `${owner} TLSA ${record.usage} ${record.selector} ${record.matchingType} ${record.data}`;
}

/** Lines of the `test` zone for `<key>.test`: its MX, the exchange's address, and the TLSA `tlsa` makes for its owner. */
function servedBy(key: keyof typeof ip, exchange: string, tlsa: (owner: string) => string): string[] {
  const name = exchange.replace(/\.test$/, '');
  return [`${key} MX 10 ${exchange}.`, `${name} A ${ip[key]}`, tlsa(`_25._tcp.${name}`)];
}

/** The chain and key files Postfix serves for `key`. */
function writeCert(into: string, key: string, issued: IssuedCert): { issued: IssuedCert; chainFile: string } {
  const chainFile = join(into, `${key}.crt`);
  writeFileSync(chainFile, issued.chainPem);
  writeFileSync(join(into, `${key}.key`), issued.keyPem, { mode: 0o600 });
  return { issued, chainFile };
}

function logs(): string {
  return [nsd, unbound, postfix].map((s) => s?.log().slice(-3000)).join('\n----\n');
}

/** The cases of THROUGH_BIND checked through another validating resolver, their results kept in `into`. */
async function checkThrough(resolver: Running & { address: string }, into: Map<string, CheckResult>): Promise<void> {
  const run = await runCli(['check', '--json', '--dns', resolver.address, '--allow-net', `${block}.0/24`, ...THROUGH_BIND], {
    timeoutMs: 45_000,
  });
  if (run.code !== 0)
    throw new Error(`mxv check through ${resolver.address} exited ${run.code}: ${run.stderr}\n${resolver.log()}`);
  for (const checked of resultLines(run.stdout)) into.set(checked.domain, checked);
}

describe.skipIf(reason !== null)('DNSSEC and DANE against NSD, a validating Unbound and Postfix', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mxv-interop-dane-'));
    chmodSync(dir, 0o755);
    const ca = await createTestCa({ commonName: 'mxv DANE interop CA' });
    for (const [key, names, intermediates] of [
      ['ee', ['mx1.ee.test'], 0],
      ['ta', ['mx2.ta.test'], 1],
      ['nomatch', ['mx3.nomatch.test'], 0],
      // Sends its leaf and intermediate, not the root its TLSA 2 1 1 names (as most Let's Encrypt servers do).
      ['root', ['mx4.root.test'], 1],
      ...BARE.map(({ key, exchange }) => [key, [exchange], 1] as const),
    ] as const) {
      certs.set(key, writeCert(dir, key, await ca.issue({ names: [...names], intermediates })));
    }
    const day = 86_400_000;
    for (const { key, exchange, usage, named, expired, selfSigned } of NAMES_AND_DATES) {
      const issued = await ca.issue({
        names: [named ? exchange : 'other.example'],
        intermediates: usage === 2 ? 1 : 0,
        selfSigned,
        ...(expired ? { notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) } : {}),
      });
      certs.set(key, writeCert(dir, key, issued));
    }
    for (const { key, exchange, usage } of SHA1_SIGNED) {
      const issued = await ca.issue({ names: [exchange], intermediates: usage === 2 ? 1 : 0, signatureHash: 'SHA-1' });
      certs.set(key, writeCert(dir, key, issued));
    }
    const chain = (key: string): string => certs.get(key)?.issued.chainPem ?? '';
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    // The root of another CA of the same name, whose key signed nothing the servers send.
    const otherRoot = (await createTestCa({ commonName: 'mxv DANE interop CA' })).certPem;

    const testKey = makeKey(dir, 'test');
    const baddsKey = makeKey(dir, 'badds.test');
    const strayKey = makeKey(dir, 'badds.test');
    const expiredKey = makeKey(dir, 'expired.test');
    const tlsaZoneKey = makeKey(dir, '_tcp.mxb.test');
    const parent = zoneFile('test', [
      `ns A ${ip.nsd}`,
      'ee MX 10 mx1.ee.test.',
      `mx1.ee A ${ip.ee}`,
      tlsaLine('_25._tcp.mx1.ee', chain('ee'), 3, 'leaf'),
      'ta MX 10 mx2.ta.test.',
      `mx2.ta A ${ip.ta}`,
      tlsaLine('_25._tcp.mx2.ta', chain('ta'), 2, 'issuer'),
      'nomatch MX 10 mx3.nomatch.test.',
      `mx3.nomatch A ${ip.nomatch}`,
      `_25._tcp.mx3.nomatch TLSA 3 1 1 ${'00'.repeat(32)}`,
      'root MX 10 mx4.root.test.',
      `mx4.root A ${ip.root}`,
      tlsaLine('_25._tcp.mx4.root', chain('root'), 2, 'root', ca.certPem),
      ...BARE.flatMap(({ key, exchange, selector }) =>
        servedBy(key, exchange, (owner) =>
          tlsaLine(owner, chain(key), 2, 'root', key === 'barewrong' ? otherRoot : ca.certPem, { selector, matchingType: 0 }),
        ),
      ),
      'unsigned-host MX 10 mx.insecure.test.',
      'unusable MX 10 mxu.test.',
      `mxu A ${ip.ee}`,
      tlsaLine('_25._tcp.mxu', chain('ee'), 1, 'leaf'),
      'tlsa-bogus MX 10 mxb.test.',
      `mxb A ${ip.ee}`,
      '_tcp.mxb NS ns.test.',
      tlsaZoneKey.ds.replace(/^_tcp\.mxb\.test\.\s+(\d+\s+)?(IN\s+)?/, '_tcp.mxb '),
      'alias-expanded MX 10 mx.alias-expanded.test.',
      'mx.alias-expanded CNAME mx1.ee.test.',
      'alias-original MX 10 mx.alias-original.test.',
      'mx.alias-original CNAME host.alias-original.test.',
      `host.alias-original A ${ip.ee}`,
      tlsaLine('_25._tcp.mx.alias-original', chain('ee'), 3, 'leaf'),
      'alias-unsigned MX 10 mx.alias-unsigned.test.',
      'mx.alias-unsigned CNAME mx.insecure.test.',
      tlsaLine('_25._tcp.mx.alias-unsigned', chain('ee'), 3, 'leaf'),
      'alias-both MX 10 mx.alias-both.test.',
      'mx.alias-both CNAME mx3.nomatch.test.',
      tlsaLine('_25._tcp.mx.alias-both', chain('nomatch'), 3, 'leaf'),
      ...[...NAMES_AND_DATES, ...SHA1_SIGNED].flatMap(({ key, exchange, usage }) =>
        servedBy(key, exchange, (owner) => tlsaLine(owner, chain(key), usage, usage === 3 ? 'leaf' : 'issuer')),
      ),
      // An insecure delegation: no DS.
      'insecure NS ns.test.',
      // A DS that matches none of the child's keys.
      'badds NS ns.test.',
      strayKey.ds.replace(/^badds\.test\.\s+(\d+\s+)?(IN\s+)?/, 'badds '),
      'expired NS ns.test.',
      expiredKey.ds.replace(/^expired\.test\.\s+(\d+\s+)?(IN\s+)?/, 'expired '),
    ]);
    const child = (name: string): string => zoneFile(name, ['@ MX 10 mx1.ee.test.']);
    // A signed root of our own above `test`, for the one resolver that validates only from the root (dnsmasq).
    const rootKey = makeKey(dir, '');
    writeFileSync(
      join(dir, 'root.zone'),
      [
        '$ORIGIN .',
        '$TTL 60',
        '. SOA ns.test. hostmaster.test. 1 3600 600 86400 60',
        '. NS ns.test.',
        'test. NS ns.test.',
        `ns.test. A ${ip.nsd}`,
        testKey.ds,
        '',
      ].join('\n'),
    );
    const zones = [
      { name: 'test', file: signZone(dir, parent, testKey) },
      {
        name: 'insecure.test',
        file: zoneFile('insecure.test', [
          '@ MX 10 mx1.ee.test.',
          'bad MX 10 mx3.nomatch.test.',
          `mx A ${ip.ee}`,
          tlsaLine('_25._tcp.mx', chain('ee'), 3, 'leaf'),
        ]),
      },
      { name: 'badds.test', file: signZone(dir, child('badds.test'), baddsKey) },
      {
        name: '_tcp.mxb.test',
        file: signZone(dir, zoneFile('_tcp.mxb.test', [tlsaLine('_25', chain('ee'), 3, 'leaf')]), tlsaZoneKey, true),
      },
      { name: 'expired.test', file: signZone(dir, child('expired.test'), expiredKey, true) },
      { name: '.', file: signZone(dir, 'root.zone', rootKey) },
    ];
    execFileSync('chmod', ['-R', 'a+rX', dir]);
    nsd = await startNsd(dir, ip.nsd, 53, zones);
    unbound = await startUnbound(join(dir), {
      ip: ip.unbound,
      port: 53,
      stubs: { test: `${ip.nsd}@53` },
      trustAnchors: [testKey.ds],
    });
    postfix = await startPostfix(dir, [
      { ip: ip.ee, hostname: 'mx1.ee.test', tls: { certFile: join(dir, 'ee.crt'), keyFile: join(dir, 'ee.key') } },
      { ip: ip.ta, hostname: 'mx2.ta.test', tls: { certFile: join(dir, 'ta.crt'), keyFile: join(dir, 'ta.key') } },
      {
        ip: ip.nomatch,
        hostname: 'mx3.nomatch.test',
        tls: { certFile: join(dir, 'nomatch.crt'), keyFile: join(dir, 'nomatch.key') },
      },
      { ip: ip.root, hostname: 'mx4.root.test', tls: { certFile: join(dir, 'root.crt'), keyFile: join(dir, 'root.key') } },
      ...[...BARE, ...NAMES_AND_DATES].map(({ key, exchange }) => ({
        ip: ip[key],
        hostname: exchange,
        tls: { certFile: join(dir, `${key}.crt`), keyFile: join(dir, `${key}.key`) },
      })),
      // Postfix loads a certificate signed over SHA-1 only below Debian's security level 2.
      ...SHA1_SIGNED.map(({ key, exchange }) => ({
        ip: ip[key],
        hostname: exchange,
        tls: { certFile: join(dir, `${key}.crt`), keyFile: join(dir, `${key}.key`) },
        smtpdOptions: { tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=0' },
      })),
    ]);
    const run = await runCli(['check', '--json', '--dns', unbound.address, '--allow-net', `${block}.0/24`, ...DOMAINS], {
      timeoutMs: 45_000,
    });
    if (run.code !== 0) throw new Error(`mxv check exited ${run.code}: ${run.stderr}\n${logs()}`);
    for (const result of resultLines(run.stdout)) {
      results.set(result.domain, result);
    }
    // root.test with the test CA in mxv's trust store too, so that Node completes the chain with the root.
    const trusting = await runCli(['check', '--json', '--dns', unbound.address, '--allow-net', `${block}.0/24`, 'root.test'], {
      timeoutMs: 45_000,
      env: { NODE_EXTRA_CA_CERTS: caFile },
    });
    trustingRoot = checkResultSchema.parse(JSON.parse(trusting.stdout.trim()));

    mkdirSync(join(dir, 'named'));
    named = await startNamed(join(dir, 'named'), {
      port: await freeLoopbackPort(),
      stubs: { test: ip.nsd },
      trustAnchors: [testKey.ds],
    });
    await checkThrough(named, resultsThroughBind);

    mkdirSync(join(dir, 'pdns'));
    pdns = await startPdnsRecursor(join(dir, 'pdns'), {
      port: await freeLoopbackPort(),
      forwards: { test: `${ip.nsd}:53` },
      trustAnchors: [testKey.ds],
    });
    await checkThrough(pdns, resultsThroughPdns);

    mkdirSync(join(dir, 'dnsmasq'));
    dnsmasq = await startDnsmasq(join(dir, 'dnsmasq'), {
      port: await freeLoopbackPort(),
      upstream: `${ip.nsd}#53`,
      trustAnchors: [rootKey.ds],
    });
    await checkThrough(dnsmasq, resultsThroughDnsmasq);

    mkdirSync(join(dir, 'kresd'));
    kresd = await startKnotResolver(join(dir, 'kresd'), {
      port: await freeLoopbackPort(),
      upstream: `${ip.nsd}@53`,
      trustAnchors: [rootKey.ds],
    });
    await checkThrough(kresd, resultsThroughKresd);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([
      postfix?.stop(),
      unbound?.stop(),
      named?.stop(),
      pdns?.stop(),
      dnsmasq?.stop(),
      kresd?.stop(),
      nsd?.stop(),
    ]);
    restoreMachine();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const result = (domain: string): CheckResult => {
    const found = results.get(domain);
    if (!found) throw new Error(`no result for ${domain}\n${logs()}`);
    return found;
  };
  const digMx = (domain: string, extra: string[] = []) => dig(ip.unbound, 53, domain, 'MX', extra);

  it('a signed zone: AD for dig, secure for mxv; TLSA 3 1 1 and 2 1 1 pass, as ldns-dane says', () => {
    for (const [domain, exchange, key] of [
      ['ee.test', 'mx1.ee.test', 'ee'],
      ['ta.test', 'mx2.ta.test', 'ta'],
    ] as const) {
      expect(digMx(domain).flags, domain).toContain('ad');
      const checked = result(domain);
      expect(checked.mx.dnssec, domain).toBe('secure');
      expect(checked.hosts[0]?.dane, `${domain}\n${logs()}`).toMatchObject({ status: 'pass' });
      // The anchor of 2 1 1 is a certificate the server sends: nothing to add.
      expect(checked.hosts[0]?.dane, domain).not.toHaveProperty('hint');
      expect(checked.security.dane).toBe('pass');
      // ldns-dane reads the same TLSA through the same resolver and verifies the same chain.
      const chainFile = certs.get(key)?.chainFile ?? '';
      expect(() =>
        execFileSync('ldns-dane', ['-r', ip.unbound, '-c', chainFile, 'verify', exchange, '25'], { encoding: 'utf8' }),
      ).not.toThrow();
      // Postfix's own DANE client, over STARTTLS on the same server.
      const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, domain);
      expect(finger, finger).toMatch(/Verified TLS connection established/);
      expect(finger, finger).toMatch(
        key === 'ee' ? /Matched DANE EE certificate at depth 0/ : /Matched DANE TA certificate at depth 1/,
      );
    }
  });

  it('a TLSA record that matches nothing: fail no_match for mxv, failure for ldns-dane', () => {
    const checked = result('nomatch.test');
    expect(checked.mx.dnssec).toBe('secure');
    expect(checked.hosts[0]?.dane).toMatchObject({ status: 'fail', reason: 'no_match' });
    expect(checked.security.dane).toBe('fail');
    expect(() =>
      execFileSync(
        'ldns-dane',
        ['-r', ip.unbound, '-c', certs.get('nomatch')?.chainFile ?? '', 'verify', 'mx3.nomatch.test', '25'],
        {
          stdio: 'pipe',
        },
      ),
    ).toThrow();
    const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'nomatch.test');
    expect(finger, finger).toMatch(/TLS connection established/);
    expect(finger, finger).not.toMatch(/Verified TLS connection established/);
    expect(finger, finger).toMatch(/no matching DANE TLSA records/);
  });

  it('TLSA 2 1 1 naming a root the server does not send: no_match for mxv (even trusting that root), as for Postfix', () => {
    for (const checked of [result('root.test'), trustingRoot]) {
      expect(checked?.mx.dnssec).toBe('secure');
      expect(checked?.hosts[0]?.dane, `${checked?.hosts[0]?.tls?.certValid}\n${logs()}`).toMatchObject({
        status: 'fail',
        reason: 'no_match',
      });
    }
    // With the root in Node's trust store the chain mxv sees does end in it: only "not sent" tells them apart,
    // and the result says so (the fix: send the root, or publish a record for a certificate that is sent).
    expect(trustingRoot?.hosts[0]?.tls?.certValid).toBe(true);
    expect(trustingRoot?.hosts[0]?.dane?.hint).toBe('ta_not_sent');
    expect(result('root.test').hosts[0]?.dane).not.toHaveProperty('hint');
    for (const extra of [[], ['-F', caFile]]) {
      const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'root.test', extra);
      expect(finger, finger).toMatch(/TLS connection established/);
      expect(finger, finger).not.toMatch(/Verified TLS connection established/);
    }
  });

  it('TLSA 2 1 0 and 2 0 0 carrying the root the server leaves out: pass, as Postfix and ldns-dane verify; another root: no_match', () => {
    for (const { key, exchange } of BARE) {
      const checked = result(`${key}.test`);
      expect(checked.mx.dnssec, key).toBe('secure');
      const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, `${key}.test`);
      const ldnsDane = () =>
        execFileSync('ldns-dane', ['-r', ip.unbound, '-c', certs.get(key)?.chainFile ?? '', 'verify', exchange, '25'], {
          stdio: 'pipe',
        });
      if (key === 'barewrong') {
        expect(checked.hosts[0]?.dane, key).toMatchObject({ status: 'fail', reason: 'no_match' });
        expect(finger, finger).toMatch(/no matching DANE TLSA records/);
        expect(finger, finger).not.toMatch(/Verified TLS connection established/);
        expect(ldnsDane).toThrow();
        continue;
      }
      // Passed, and said: RFC 7672 3.1.2 wants the anchor sent all the same.
      expect(checked.hosts[0]?.dane, `${key}\n${logs()}`).toMatchObject({ status: 'pass', reason: null, hint: 'ta_not_sent' });
      expect(checked.security.dane).toBe('pass');
      expect(finger, finger).toMatch(/Verified TLS connection established/);
      // OpenSSL's words: a key verified the top certificate sent (depth 1), a whole certificate became depth 2.
      expect(finger, finger).toMatch(
        key === 'barekey'
          ? /Matched DANE TA public key verified certificate at depth 1/
          : /Matched DANE TA certificate at depth 2/,
      );
      expect(ldnsDane).not.toThrow();
    }
  });

  it('DANE-EE ignores the leaf name, dates and issuer, DANE-TA checks name and dates: as Postfix and ldns-dane judge them', () => {
    for (const { key, exchange, usage, selfSigned, pass } of NAMES_AND_DATES) {
      const checked = result(`${key}.test`);
      expect(checked.hosts[0]?.tls?.hostnameMatch === true && checked.hosts[0]?.tls?.certValid === true, key).toBe(false);
      const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, `${key}.test`);
      // ldns-dane, a tool for DANE in general (RFC 6698), checks the name unless told not to (-n); for SMTP,
      // DANE-EE has no name check (RFC 7672 3.1.1).
      const noName = usage === 3 ? ['-n'] : [];
      const ldnsDane = () =>
        execFileSync(
          'ldns-dane',
          [...noName, '-r', ip.unbound, '-c', certs.get(key)?.chainFile ?? '', 'verify', exchange, '25'],
          { stdio: 'pipe' },
        );
      expect(checked.hosts[0]?.dane, `${key}\n${logs()}`).toMatchObject(
        pass ? { status: 'pass', reason: null } : { status: 'fail', reason: 'no_match' },
      );
      expect(finger, finger).toMatch(/TLS connection established/);
      if (pass) {
        expect(finger, finger).toMatch(/Verified TLS connection established/);
        expect(ldnsDane).not.toThrow();
        // What public-CA checks say of it is kept beside the DANE pass (the table and page call it vouched for):
        // the same verdict as OpenSSL's own verify of the certificate the server was given.
        const verify = spawnSync('openssl', ['verify', '-CAfile', caFile, certs.get(key)?.chainFile ?? ''], { encoding: 'utf8' });
        expect(verify.status, key).not.toBe(0);
        const code = selfSigned ? 18 : 10;
        expect(verify.stdout + verify.stderr, key).toMatch(new RegExp(`error ${code} at 0 depth`));
        expect(checked.hosts[0]?.tls?.error, key).toBe(selfSigned ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'CERT_HAS_EXPIRED');
      } else {
        expect(finger, finger).not.toMatch(/Verified TLS connection established/);
        expect(ldnsDane).toThrow();
      }
    }
  });

  it('a leaf signed over SHA-1: DANE-EE passes, DANE-TA does not (no_match), as Postfix verifies them', () => {
    for (const { key, usage, pass } of SHA1_SIGNED) {
      const checked = result(`${key}.test`);
      expect(checked.mx.dnssec, key).toBe('secure');
      expect(checked.hosts[0]?.tls?.chainSignatures?.[0], key).toMatchObject({ algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1' });
      const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, `${key}.test`);
      expect(finger, finger).toMatch(/TLS connection established/);
      if (pass) {
        expect(checked.hosts[0]?.dane, `${key}\n${logs()}`).toMatchObject({ status: 'pass', reason: null, matched: { usage } });
        expect(finger, finger).toMatch(/Matched DANE EE certificate at depth 0/);
        expect(finger, finger).toMatch(/Verified TLS connection established/);
      } else {
        expect(checked.hosts[0]?.dane, `${key}\n${logs()}`).toMatchObject({ status: 'fail', reason: 'no_match' });
        expect(finger, finger).toMatch(/num=68:CA signature digest algorithm too weak/);
        expect(finger, finger).not.toMatch(/Verified TLS connection established/);
      }
    }
  });

  it('an aliased exchange: TLSA at the expanded name first, else at the original name, as Postfix asks them', () => {
    for (const { domain, pass } of ALIASED) {
      const checked = result(domain);
      expect(checked.mx.records[0]?.cnameTarget, domain).not.toBeNull();
      expect(checked.hosts[0]?.dane, `${domain}\n${logs()}`).toMatchObject(
        pass ? { status: 'pass', reason: null } : { status: 'fail', reason: 'no_match' },
      );
      const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, domain);
      expect(finger, finger).toMatch(/TLS connection established/);
      if (pass) expect(finger, finger).toMatch(/Verified TLS connection established/);
      else expect(finger, finger).not.toMatch(/Verified TLS connection established/);
    }
  });

  it('an insecure delegation: NOERROR without AD for dig, insecure for mxv, and the TLSA of its MX cannot count', () => {
    const answer = digMx('insecure.test');
    expect(answer.status).toBe('NOERROR');
    expect(answer.flags).not.toContain('ad');
    const checked = result('insecure.test');
    expect(checked.mx.dnssec).toBe('insecure');
    expect(checked.hosts[0]?.dane).toMatchObject({ status: 'not_applicable', reason: 'mx_not_secure' });
  });

  it("an insecure MX naming a signed exchange: not_applicable by RFC 7672, and Postfix 3.7's check anyway (insecure_mx_policy dane) in insecureMx", () => {
    // Its TLSA matches: Postfix authenticates the host, logged as "Trusted" (the MX name could be forged), not "Verified".
    const good = result('insecure.test');
    expect(good.hosts[0]?.dane).toMatchObject({ insecureMx: { status: 'pass', reason: null } });
    const trusted = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'insecure.test');
    expect(trusted, trusted).toMatch(/Trusted TLS connection established/);
    // Its TLSA matches nothing: Postfix refuses to authenticate it, so a sender at its dane level defers the mail.
    const bad = result('bad.insecure.test');
    expect(bad.security.dane, logs()).toBe('not_applicable');
    expect(bad.hosts[0]?.dane).toMatchObject({
      status: 'not_applicable',
      reason: 'mx_not_secure',
      insecureMx: { status: 'fail', reason: 'no_match' },
    });
    const refused = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'bad.insecure.test');
    expect(refused, refused).toMatch(/no matching DANE TLSA records/);
    expect(refused, refused).not.toMatch(/(Trusted|Verified) TLS connection established/);
  });

  it('a signed exchange that is an alias into an unsigned zone: its own signed TLSA counts (RFC 7672 2.2.3), as Postfix verifies it', () => {
    const checked = result('alias-unsigned.test');
    expect(checked.mx.records[0]?.cnameTarget).toBe('mx.insecure.test');
    expect(checked.hosts[0]?.dane, logs()).toMatchObject({ status: 'pass', name: '_25._tcp.mx.alias-unsigned.test' });
    const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'alias-unsigned.test');
    expect(finger, finger).toMatch(/Verified TLS connection established/);
  });

  it('a signed MX whose exchange is in an unsigned zone: DANE not_applicable (address_not_secure); Postfix does not verify', () => {
    const checked = result('unsigned-host.test');
    expect(checked.mx.dnssec).toBe('secure');
    expect(dig(ip.unbound, 53, 'mx.insecure.test', 'A').flags).not.toContain('ad');
    // The TLSA there would match the server: only the insecure address answer keeps it from counting (RFC 7672 2.2.2).
    expect(checked.hosts[0]?.dane).toMatchObject({ status: 'not_applicable', reason: 'address_not_secure' });
    const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'unsigned-host.test');
    expect(finger, finger).toMatch(/TLS connection established/);
    expect(finger, finger).not.toMatch(/Verified TLS connection established/);
  });

  it('a bogus TLSA answer under a secure MX and address: dns_error for mxv; Postfix does not connect at all', () => {
    expect(dig(ip.unbound, 53, '_25._tcp.mxb.test', 'TLSA').status).toBe('SERVFAIL');
    const checked = result('tlsa-bogus.test');
    expect(checked.mx.dnssec).toBe('secure');
    expect(checked.hosts[0]?.dane, logs()).toMatchObject({ status: 'dns_error', reason: 'tlsa_servfail' });
    expect(checked.security.dane).toBe('fail');
    const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'tlsa-bogus.test');
    // Postfix gives up on the host rather than read the failure as "no TLSA" (RFC 7672 2.2.1).
    expect(finger, finger).toMatch(/TLSA lookup error/);
    expect(finger, finger).not.toMatch(/TLS connection established/);
  });

  it('only unusable records: fail unusable_records for mxv; Postfix encrypts but authenticates nothing either', () => {
    const checked = result('unusable.test');
    expect(checked.hosts[0]?.dane).toMatchObject({ status: 'fail', reason: 'unusable_records' });
    // Postfix still delivers, over TLS it cannot authenticate (RFC 7672 2.2: mandatory TLS); mxv reports the
    // records as failing, since they protect nothing (as internet.nl does): a deliberate difference, README "DANE".
    const finger = posttlsFinger(dir, join(dir, 'conf'), ip.unbound, 'unusable.test');
    expect(finger, finger).toMatch(/TLS connection established/);
    expect(finger, finger).not.toMatch(/Verified TLS connection established/);
  });

  it('a DS matching no key and expired signatures: SERVFAIL, data with +cd, bogus for mxv with the EDE dig shows', () => {
    for (const domain of ['badds.test', 'expired.test']) {
      const answer = digMx(domain);
      expect(answer.status, domain).toBe('SERVFAIL');
      expect(digMx(domain, ['+cd']).status, domain).toBe('NOERROR');
      const checked = result(domain);
      expect(checked.verdict).toBe('dns_error');
      expect(checked.mx.dnssec, domain).toBe('bogus');
      // Both carry a DNSSEC EDE (RFC 8914 codes 1-12). Not always the same one: after a first failure
      // Unbound marks the key bad and says 6 ("DNSSEC Bogus", key marked invalid) where it first said why.
      const digCode = Number(/^(\d+)/.exec(answer.ede ?? '')?.[1]);
      expect(digCode, `${domain}: ${answer.ede}`).toBeGreaterThanOrEqual(1);
      expect(digCode).toBeLessThanOrEqual(12);
      expect(checked.mx.dnssecEde?.code, `${domain}: dig says ${answer.ede}`).toBeGreaterThanOrEqual(1);
      expect(checked.mx.dnssecEde?.code).toBeLessThanOrEqual(12);
    }
    // mxv asked first, and got why: the signatures expired (dig, asking later, gets the cached 6).
    expect(result('expired.test').mx.dnssecEde?.code).toBe(7);
  });
  /** What must not depend on the validating resolver: the verdict, the DNSSEC status, DANE for the domain and each host. */
  const outcome = (checked: CheckResult) => ({
    verdict: checked.verdict,
    dnssec: checked.mx.dnssec,
    dane: checked.security.dane,
    hosts: checked.hosts.map((host) => host.dane),
  });

  // named 9.18 sends no RFC 8914 EDE with a validation failure (Unbound does, PowerDNS Recursor with
  // extended-resolution-errors, Knot Resolver, and dnsmasq, always 6 "DNSSEC Bogus"): mxv keeps the code a
  // resolver gives, and makes none up where it gives none.
  it.each([
    ["BIND's named", () => ({ resolver: named, results: resultsThroughBind })],
    ['PowerDNS Recursor', () => ({ resolver: pdns, results: resultsThroughPdns })],
    ['dnsmasq', () => ({ resolver: dnsmasq, results: resultsThroughDnsmasq })],
    ['Knot Resolver', () => ({ resolver: kresd, results: resultsThroughKresd })],
  ] as const)(
    '%s as the validating resolver: the DNSSEC and DANE answers mxv gives through Unbound, and what dig sees through it',
    (name, running) => {
      const { resolver, results: through } = running();
      const [host, port] = resolver.address.split(':') as [string, string];
      for (const domain of THROUGH_BIND) {
        const checked = through.get(domain);
        if (!checked) throw new Error(`no result through ${name} for ${domain}\n${resolver.log()}`);
        expect(outcome(checked), `${domain}\n${resolver.log().slice(-3000)}`).toEqual(outcome(result(domain)));
        const answer = dig(host, Number(port), domain, 'MX');
        if (checked.mx.dnssec === 'secure') expect(answer.flags, `${domain}: ${answer.text}`).toContain('ad');
        if (checked.mx.dnssec === 'insecure') {
          expect(answer.status, domain).toBe('NOERROR');
          expect(answer.flags, domain).not.toContain('ad');
        }
        const digCode = answer.ede === null ? null : Number(/^(\d+)/.exec(answer.ede)?.[1]);
        expect(checked.mx.dnssecEde?.code ?? null, `${domain}: ${answer.text}`).toBe(digCode);
        if (checked.mx.dnssec === 'bogus') {
          expect(answer.status, domain).toBe('SERVFAIL');
          expect(dig(host, Number(port), domain, 'MX', ['+cd']).status, domain).toBe('NOERROR');
        }
      }
    },
  );
});
