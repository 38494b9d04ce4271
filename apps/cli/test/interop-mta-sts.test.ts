import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MtaSts } from '@mxv/schema';
import {
  createTestCa,
  startDnsServer,
  startPolicyServer,
  type DnsServer,
  type PolicyServerBehaviour,
  type PolicyServerHandle,
  type ZoneRecord,
} from '@mxv/testkit';
import { hasBinary, startNginx, type NginxVhost, type Running } from './interop/real-servers.js';
import { resultLines, runCli } from './run-cli.js';

/**
 * Issue 10, MTA-STS against what senders do: the same records and policy hosts
 * read by `mxv check --checks mta-sts` and by postfix-mta-sts-resolver (the
 * policy resolver Postfix sites run, Debian's package), whose answer is what a
 * sending Postfix acts on: VALID (a policy in force, with its mode, mx and
 * max_age), NONE (no policy: no record, or not exactly one) or FETCH_ERROR (a
 * record, but no usable policy). mxv's `valid` must be VALID with the same
 * policy, `none` and an invalid TXT record (`txt_*`) NONE, any other `invalid`
 * FETCH_ERROR; where they differ on purpose, the case says why. The resolver
 * reads /etc/resolv.conf and connects to port 443, so it runs in a mount
 * namespace where that file names the test's DNS server on port 53. Needs
 * root (ports 53 and 443, unshare) and .ci/run's packages.
 */

const execFileAsync = promisify(execFile);
const QUERY = fileURLToPath(new URL('./interop/sts-resolver-query.py', import.meta.url));
const hasResolver = await execFileAsync('/usr/bin/python3', ['-c', 'import postfix_mta_sts_resolver.resolver'])
  .then(() => true)
  .catch(() => false);
const isRoot = process.getuid?.() === 0;
const reason = !isRoot
  ? 'needs root (ports 53, 443)'
  : !hasResolver
    ? 'missing postfix-mta-sts-resolver (see .ci/run)'
    : ['unshare', 'mount'].some((b) => !hasBinary(b))
      ? 'missing unshare or mount'
      : null;
if (reason !== null) console.warn(`interop-mta-sts: skipped: ${reason}`);

type SenderResult = 'VALID' | 'NONE' | 'FETCH_ERROR';

interface StsCase {
  /** The domain is `<name>.sts.test`. */
  name: string;
  /** The `_mta-sts` TXT records; default one valid record. */
  txt?: string[];
  /** What `mta-sts.<domain>` serves on port 443; undefined: the name has no address. */
  serve?: PolicyServerBehaviour;
  /** Another certificate than one of the test CA for the name: self-signed, for another name, or signed over SHA-1. */
  cert?: 'self-signed' | 'wrong-name' | 'partial-wildcard' | 'sha1' | 'rsa1024';
  /** Instead of `serve`: a virtual host of the shared nginx (on one address for all such cases). */
  nginx?: NginxSite;
  /** What mxv says. */
  status: MtaSts['status'];
  error?: string;
  /** What the sender's resolver says (and the mode it reads) when it differs on purpose, and why mxv does not. */
  differs?: { sender: SenderResult; mode?: string; why: string };
}

interface NginxSite {
  /** The file at /.well-known/mta-sts.txt; undefined: not there. */
  policy?: string;
  /** More directives in its server block. */
  directives?: string[];
  /** No server block of its own: nginx's default server (another name's certificate) answers. */
  noVhost?: boolean;
  /** The policy kept only gzipped (`mta-sts.txt.gz`), for `gzip_static`. */
  gzippedOnly?: boolean;
}

const policy = (...lines: string[]): PolicyServerBehaviour => ({ kind: 'policy', body: `${lines.join('\r\n')}\r\n` });
const ENFORCE = ['version: STSv1', 'mode: enforce', 'mx: mx1.example.test', 'mx: *.backup.example.test', 'max_age: 86400'];

const MX_PATTERN =
  'RFC 8461 3.2: a wildcard only as the whole leftmost label; the resolver does not check patterns (and no certificate name then matches it)';
const TXT_ID =
  'RFC 8461 3.1: id is 1 to 32 letters and digits, and an invalid record means no policy; the resolver does not check the id';

const CASES: StsCase[] = [
  { name: 'enforce', serve: policy(...ENFORCE), status: 'valid' },
  {
    name: 'testing-lf',
    serve: { kind: 'policy', body: 'version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 604800\n' },
    status: 'valid',
  },
  { name: 'mode-none', serve: policy('version: STSv1', 'mode: none', 'max_age: 86400'), status: 'valid' },
  { name: 'no-txt', txt: [], status: 'none' },
  { name: 'other-txt', txt: ['v=spf1 -all', 'v=STSv10; id=1;'], status: 'none' },
  {
    name: 'two-txt',
    txt: ['v=STSv1; id=a;', 'v=STSv1; id=b;'],
    serve: policy(...ENFORCE),
    status: 'invalid',
    error: 'txt_multiple',
  },
  { name: 'no-id', txt: ['v=STSv1;'], serve: policy(...ENFORCE), status: 'invalid' },
  { name: 'txt-no-space', txt: ['v=STSv1;id=20260101T000000'], serve: policy(...ENFORCE), status: 'valid' },
  { name: 'no-host', status: 'invalid' },
  { name: 'not-found', serve: { kind: 'status', code: 404 }, status: 'invalid', error: 'fetch_http_404' },
  { name: 'server-error', serve: { kind: 'status', code: 503 }, status: 'invalid', error: 'fetch_http_503' },
  {
    name: 'redirect',
    serve: { kind: 'redirect', location: 'https://elsewhere.test/' },
    status: 'invalid',
    error: 'fetch_redirect',
  },
  { name: 'html', serve: { ...policy(...ENFORCE), contentType: 'text/html' } as PolicyServerBehaviour, status: 'invalid' },
  {
    name: 'charset',
    serve: { ...policy(...ENFORCE), contentType: 'text/plain; charset=utf-8' } as PolicyServerBehaviour,
    status: 'valid',
  },
  { name: 'self-signed', serve: policy(...ENFORCE), cert: 'self-signed', status: 'invalid', error: 'fetch_tls_untrusted' },
  { name: 'sha1-signed', serve: policy(...ENFORCE), cert: 'sha1', status: 'invalid', error: 'fetch_tls_weak_signature' },
  // Python's ssl on Debian verifies at OpenSSL's level 2, which refuses a 1024-bit key: so does mxv's fetch.
  { name: 'rsa1024', serve: policy(...ENFORCE), cert: 'rsa1024', status: 'invalid', error: 'fetch_tls_weak_key' },
  { name: 'wrong-name', serve: policy(...ENFORCE), cert: 'wrong-name', status: 'invalid' },
  // RFC 9525 6.3: a wildcard only as the whole left-most label; Node alone would match `mta-*.`.
  {
    name: 'partial-wildcard',
    serve: policy(...ENFORCE),
    cert: 'partial-wildcard',
    status: 'invalid',
    error: 'fetch_tls_name_mismatch',
  },
  { name: 'huge', serve: { kind: 'huge', bytes: 10 * 1024 * 1024 }, status: 'invalid', error: 'fetch_too_large' },
  { name: 'no-version', serve: policy('mode: enforce', 'mx: mx.example.test', 'max_age: 86400'), status: 'invalid' },
  {
    name: 'bad-mode',
    serve: policy('version: STSv1', 'mode: strict', 'mx: mx.example.test', 'max_age: 86400'),
    status: 'invalid',
  },
  {
    name: 'max-age-over',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: mx.example.test', 'max_age: 31557601'),
    status: 'invalid',
  },
  {
    name: 'max-age-suffix',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: mx.example.test', 'max_age: 86400s'),
    status: 'invalid',
  },
  { name: 'no-mx', serve: policy('version: STSv1', 'mode: enforce', 'max_age: 86400'), status: 'invalid' },
  { name: 'unknown-field', serve: policy(...ENFORCE, 'x-vendor: anything'), status: 'valid' },
  {
    name: 'no-blanks',
    serve: policy('version:STSv1', 'mode:enforce', 'mx:mx.example.test', 'max_age:86400'),
    status: 'valid',
  },
  {
    name: 'max-age-zero',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: mx.example.test', 'max_age: 0'),
    status: 'valid',
  },
  {
    name: 'content-type-case',
    serve: { ...policy(...ENFORCE), contentType: 'Text/Plain; charset=us-ascii; format=flowed' } as PolicyServerBehaviour,
    status: 'valid',
  },
  {
    name: 'mode-twice',
    serve: policy('version: STSv1', 'mode: testing', 'mode: enforce', 'mx: mx.example.test', 'max_age: 86400'),
    status: 'valid',
    differs: {
      sender: 'VALID',
      mode: 'enforce',
      why: 'RFC 8461 3.2: all entries of a field but the first SHOULD be ignored; the resolver keeps the last',
    },
  },
  // RFC 8461 3.2's ABNF starts each line with the field name.
  {
    name: 'indented',
    serve: policy('version: STSv1', '  mode: enforce', 'mx: mx.example.test', 'max_age: 86400'),
    status: 'invalid',
  },
  // Field names are %s"..." in RFC 8461 3.2: "MODE" is an extension field, and the policy has no mode.
  {
    name: 'upper-keys',
    serve: policy('VERSION: STSv1', 'MODE: enforce', 'MX: mx.example.test', 'MAX_AGE: 86400'),
    status: 'invalid',
    error: 'policy_version',
  },
  {
    name: 'mx-trailing-dot',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: mx.example.test.', 'max_age: 86400'),
    status: 'valid',
  },
  {
    name: 'mx-partial-wildcard',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: mail*.example.test', 'max_age: 86400'),
    status: 'invalid',
    error: 'policy_mx_invalid',
    differs: { sender: 'VALID', why: MX_PATTERN },
  },
  {
    name: 'mx-double-wildcard',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: *.*.example.test', 'max_age: 86400'),
    status: 'invalid',
    error: 'policy_mx_invalid',
    differs: { sender: 'VALID', why: MX_PATTERN },
  },
  {
    name: 'max-age-zeros',
    serve: policy('version: STSv1', 'mode: enforce', 'mx: mx.example.test', 'max_age: 0086400'),
    status: 'valid',
  },
  {
    name: 'mode-case',
    serve: policy('version: STSv1', 'mode: Enforce', 'mx: mx.example.test', 'max_age: 86400'),
    status: 'invalid',
  },
  {
    name: 'trailing-blanks',
    serve: policy('version: STSv1  ', 'mode: enforce\t', 'mx: mx.example.test ', 'max_age: 86400 '),
    status: 'valid',
  },
  {
    name: 'blank-lines',
    serve: policy('version: STSv1', '', 'mode: enforce', '', 'mx: mx.example.test', 'max_age: 86400'),
    status: 'valid',
  },
  {
    name: 'id-too-long',
    txt: [`v=STSv1; id=${'a'.repeat(33)};`],
    serve: policy(...ENFORCE),
    status: 'invalid',
    differs: { sender: 'VALID', why: TXT_ID },
  },
  {
    name: 'id-bad-char',
    txt: ['v=STSv1; id=2026-01-01;'],
    serve: policy(...ENFORCE),
    status: 'invalid',
    differs: { sender: 'VALID', why: TXT_ID },
  },
  { name: 'txt-extension', txt: ['v=STSv1; id=ext1; x-vendor=yes;'], serve: policy(...ENFORCE), status: 'valid' },
  { name: 'txt-case', txt: ['V=STSv1; id=case1;'], serve: policy(...ENFORCE), status: 'none' },
  { name: 'bom', serve: { kind: 'policy', body: `\ufeff${ENFORCE.join('\r\n')}\r\n` }, status: 'invalid' },
  // The same on nginx: name-based virtual hosts on one address, HTTP/2 offered, static files.
  { name: 'nginx', nginx: { policy: `${ENFORCE.join('\n')}\n` }, status: 'valid' },
  {
    name: 'nginx-second-vhost',
    nginx: { policy: 'version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 604800\n' },
    status: 'valid',
  },
  { name: 'nginx-no-vhost', nginx: { noVhost: true }, status: 'invalid', error: 'fetch_tls_name_mismatch' },
  { name: 'nginx-missing', nginx: {}, status: 'invalid', error: 'fetch_http_404' },
  {
    name: 'nginx-redirect',
    nginx: {
      policy: `${ENFORCE.join('\n')}\n`,
      directives: ['location = /.well-known/mta-sts.txt { return 301 https://mta-sts.elsewhere.test$request_uri; }'],
    },
    status: 'invalid',
    error: 'fetch_redirect',
  },
  {
    name: 'nginx-gzip',
    nginx: { policy: `${ENFORCE.join('\n')}\n`, directives: ['gzip on;', 'gzip_types text/plain;', 'gzip_min_length 1;'] },
    status: 'valid',
  },
  // Only mta-sts.txt.gz on disk, served by gzip_static to clients that accept gzip (aiohttp, Go), 404 to the
  // others: the policy is in force for senders.
  {
    name: 'nginx-gzip-static',
    nginx: { policy: `${ENFORCE.join('\n')}\n`, gzippedOnly: true, directives: ['gzip_static on;', 'gunzip off;'] },
    status: 'valid',
  },
  {
    name: 'nginx-charset',
    nginx: { policy: `${ENFORCE.join('\n')}\n`, directives: ['charset utf-8;', 'charset_types text/plain;'] },
    status: 'valid',
  },
  // A site without a type for .txt: nginx's default_type.
  {
    name: 'nginx-octet-stream',
    nginx: { policy: `${ENFORCE.join('\n')}\n`, directives: ['types { }'] },
    status: 'invalid',
  },
];

const block = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;
const DNS_IP = `${block}.53`;
/** The shared nginx of the `nginx` cases (below the policy servers' .100 up). */
const NGINX_IP = `${block}.90`;
const domainOf = (c: StsCase): string => `${c.name}.sts.test`;

let dir: string;
let dns: DnsServer | undefined;
const servers: Array<PolicyServerHandle | Running> = [];
const ours = new Map<string, MtaSts | null>();
const senders = new Map<string, { result: SenderResult; id?: string; mode?: string; mx?: string[]; max_age?: number }>();

describe.skipIf(reason !== null)('MTA-STS: mxv against postfix-mta-sts-resolver on the same policy hosts', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mxv-interop-sts-'));
    chmodSync(dir, 0o755);
    const ca = await createTestCa({ commonName: 'mxv MTA-STS interop CA' });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    const records: Record<string, ZoneRecord[]> = {};
    const vhosts: NginxVhost[] = [];
    const tlsFiles = async (name: string) => {
      const issued = await ca.issue({ names: [name] });
      const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
      writeFileSync(files.certFile, issued.chainPem);
      writeFileSync(files.keyFile, issued.keyPem, { mode: 0o600 });
      return files;
    };
    for (const [index, c] of CASES.entries()) {
      const domain = domainOf(c);
      // The domain exists (a domain that does not gets no policy checks at all).
      records[domain] = [{ type: 'MX', priority: 10, exchange: `mx.${domain}` }];
      const txt = c.txt ?? [`v=STSv1; id=${c.name.replace(/-/g, '')}1;`];
      if (txt.length > 0) records[`_mta-sts.${domain}`] = txt.map((text) => ({ type: 'TXT', text }));
      if (c.nginx !== undefined) {
        records[`mta-sts.${domain}`] = [{ type: 'A', address: NGINX_IP }];
        if (c.nginx.noVhost === true) continue;
        vhosts.push({
          name: `mta-sts.${domain}`,
          tls: await tlsFiles(`mta-sts.${domain}`),
          files:
            c.nginx.policy === undefined
              ? {}
              : c.nginx.gzippedOnly === true
                ? { '.well-known/mta-sts.txt.gz': gzipSync(c.nginx.policy) }
                : { '.well-known/mta-sts.txt': c.nginx.policy },
          directives: c.nginx.directives ?? [],
        });
        continue;
      }
      if (c.serve === undefined) continue;
      // From .100 up: clear of the DNS server at .53, room for 150 scenarios.
      const ip = `${block}.${100 + index}`;
      records[`mta-sts.${domain}`] = [{ type: 'A', address: ip }];
      const names =
        c.cert === 'wrong-name'
          ? ['mta-sts.elsewhere.test']
          : c.cert === 'partial-wildcard'
            ? [`mta-*.${domain}`]
            : [`mta-sts.${domain}`];
      const sha1 = c.cert === 'sha1';
      const issued = await ca.issue({
        names,
        selfSigned: c.cert === 'self-signed',
        ...(sha1 ? { signatureHash: 'SHA-1' } : {}),
        ...(c.cert === 'rsa1024' ? { key: { type: 'rsa', bits: 1024 } } : {}),
      });
      servers.push(
        await startPolicyServer({
          host: ip,
          port: 443,
          certPem: issued.certPem,
          keyPem: issued.keyPem,
          ...(sha1 ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
          behaviour: c.serve,
        }),
      );
    }
    servers.push(
      await startNginx(join(dir, 'nginx'), {
        ip: NGINX_IP,
        port: 443,
        defaultTls: await tlsFiles('nginx-default.sts.test'),
        vhosts,
      }),
    );
    dns = await startDnsServer({ host: DNS_IP, port: 53, records, zones: ['test'] });
    const domains = CASES.map(domainOf);

    // Both asynchronously: the DNS server and the policy hosts answer from this process.
    const mxv = runCli(
      ['check', '--json', '--checks', 'mta-sts', '--dns', `${DNS_IP}:53`, '--allow-net', `${block}.0/24`, ...domains],
      { env: { NODE_EXTRA_CA_CERTS: caFile }, timeoutMs: 120_000 },
    );
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${DNS_IP}\noptions attempts:1 timeout:2\n`);
    const script = 'mount --bind "$1" /etc/resolv.conf && shift && exec /usr/bin/python3 "$@"';
    const sender = execFileAsync('unshare', ['-m', 'sh', '-c', script, 'sh', resolvConf, QUERY, ...domains], {
      env: { ...process.env, SSL_CERT_FILE: caFile },
      timeout: 120_000,
    });
    const [checked, asked] = await Promise.all([mxv, sender]);
    for (const result of resultLines(checked.stdout)) {
      ours.set(result.domain, result.security.mtaSts);
    }
    for (const line of asked.stdout.trim().split('\n')) {
      const answer = JSON.parse(line) as { domain: string; result: SenderResult };
      senders.set(answer.domain, answer);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await dns?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What a sender does with what mxv found: the resolver's word for it. */
  function senderView(found: MtaSts | null | undefined): SenderResult | 'missing' {
    if (found === null || found === undefined) return 'missing';
    if (found.status === 'valid') return 'VALID';
    if (found.status === 'none' || found.error?.startsWith('txt_') === true) return 'NONE';
    return 'FETCH_ERROR';
  }

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const domain = domainOf(c);
    const found = ours.get(domain);
    const sender = senders.get(domain);
    expect(found?.status, JSON.stringify(found)).toBe(c.status);
    if (c.error !== undefined) expect(found?.error).toBe(c.error);
    expect(sender?.result, JSON.stringify(sender)).toBe(c.differs?.sender ?? senderView(found));
    if (c.differs?.mode !== undefined) expect(sender?.mode).toBe(c.differs.mode);
    if (c.differs === undefined && found?.status === 'valid' && sender?.result === 'VALID') {
      // The policy in force, as both read it.
      expect({ id: found.id, mode: found.mode, mx: found.mx, maxAge: found.maxAge }).toEqual({
        id: sender.id,
        mode: sender.mode,
        mx: sender.mx,
        maxAge: sender.max_age,
      });
    }
  });
});
