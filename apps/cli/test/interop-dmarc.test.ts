import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dmarc } from '@mxv/schema';
import { startDnsServer, type DnsServer, type ZoneRecord } from '@mxv/testkit';
import { hasBinary } from './interop/real-servers.js';
import { resultLines, runCli } from './run-cli.js';

/**
 * Issue 10, DMARC against OpenDMARC (the library most receivers that apply
 * DMARC use, through its `opendmarc-check`): the same records, served by the
 * same DNS server, read by `mxv check --checks dmarc` and by OpenDMARC. Where
 * OpenDMARC reads a record, mxv's `valid` must carry the same p, sp, pct and
 * rua; where it refuses one, mxv says `invalid`; where it finds none, `none`.
 * Where they differ on purpose, the case says why. opendmarc-check resolves
 * through /etc/resolv.conf, so it runs in a mount namespace where that file
 * names the test's DNS server on port 53. Needs root and .ci/run's packages.
 */

const execFileAsync = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const missing = ['opendmarc-check', 'unshare', 'mount'].filter((b) => !hasBinary(b));
const reason = !isRoot ? 'needs root (port 53)' : missing.length > 0 ? `missing ${missing.join(', ')} (see .ci/run)` : null;
if (reason !== null) console.warn(`interop-dmarc: skipped: ${reason}`);

/** What OpenDMARC made of a domain: the record's reading, or why there is none. */
type Reading =
  { found: true; policy: string; subdomainPolicy: string; pct: number; rua: string[] } | { found: false; error: string };

interface DmarcCase {
  /** The domain is `<name>.dmarc.test`, or `<name>` when it has a dot. */
  name: string;
  /** `_dmarc` TXT records (each string list one record). */
  txt: string[][];
  status: Dmarc['status'];
  error?: string;
  /** A deliberate difference from OpenDMARC's reading, and why. */
  differs?: { opendmarc: 'found' | 'refused' | 'none'; why: string };
}

const NOT_SEEN = {
  opendmarc: 'none',
  why: 'OpenDMARC takes only a record that begins v=DMARC1 exactly for DMARC: mxv says the record is broken (version_format)',
} as const;

const CASES: DmarcCase[] = [
  {
    name: 'full',
    txt: [['v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:d@full.dmarc.test,mailto:e@x.test']],
    status: 'valid',
  },
  { name: 'minimal', txt: [['v=DMARC1; p=none']], status: 'valid' },
  { name: 'no-space', txt: [['v=DMARC1;p=quarantine;pct=100']], status: 'valid' },
  // OpenDMARC sees a DMARC record only where it begins v=DMARC1 exactly; RFC 7489 6.4's grammar allows more.
  { name: 'blanks', txt: [['v = DMARC1 ; p = reject ; ']], status: 'invalid', error: 'version_format', differs: NOT_SEEN },
  { name: 'split', txt: [['v=DMARC1; p=rej', 'ect; rua=mailto:d@split.dmarc.test']], status: 'valid' },
  { name: 'unknown-tags', txt: [['v=DMARC1; p=reject; foo=bar; x-vendor=1']], status: 'valid' },
  { name: 'bad-policy', txt: [['v=DMARC1; p=sometimes']], status: 'invalid', error: 'policy_invalid' },
  { name: 'no-policy', txt: [['v=DMARC1; rua=mailto:d@no-policy.dmarc.test']], status: 'invalid', error: 'policy_missing' },
  { name: 'only-version', txt: [['v=DMARC1']], status: 'invalid' },
  {
    name: 'version-late',
    txt: [['p=reject; v=DMARC1']],
    status: 'none',
    differs: { opendmarc: 'found', why: 'RFC 7489 6.3: v MUST be the first tag, or the record is ignored; OpenDMARC applies it' },
  },
  { name: 'bad-pct', txt: [['v=DMARC1; p=reject; pct=150']], status: 'invalid' },
  { name: 'bad-sp', txt: [['v=DMARC1; p=reject; sp=maybe']], status: 'invalid' },
  { name: 'nothing', txt: [], status: 'none' },
  { name: 'v-blank-before', txt: [['v =DMARC1; p=reject']], status: 'invalid', error: 'version_format', differs: NOT_SEEN },
  { name: 'v-blank-after', txt: [['v= DMARC1; p=reject']], status: 'invalid', error: 'version_format', differs: NOT_SEEN },
  { name: 'v-upper', txt: [['V=DMARC1; P=reject']], status: 'invalid', error: 'version_format', differs: NOT_SEEN },
  { name: 'value-upper', txt: [['v=DMARC1; p=REJECT']], status: 'valid' },
  { name: 'hyphen-tag', txt: [['v=DMARC1; p=reject; x-vendor=1']], status: 'valid' },
  { name: 'plain-unknown', txt: [['v=DMARC1; p=reject; foo=bar']], status: 'valid' },
  { name: 'empty-tags', txt: [['v=DMARC1; p=reject;;; ']], status: 'valid' },
  {
    name: 'two-records',
    txt: [['v=DMARC1; p=reject'], ['v=DMARC1; p=none']],
    status: 'invalid',
    error: 'multiple_records',
    differs: { opendmarc: 'found', why: 'RFC 7489 6.6.3 step 5: several records end policy discovery; OpenDMARC applies one' },
  },
  {
    name: 'dmarc2',
    txt: [['v=DMARC2; p=reject']],
    status: 'none',
    differs: { opendmarc: 'refused', why: 'RFC 7489 6.6.3: a record of another version is discarded, as if absent' },
  },
  { name: 'bare-word', txt: [['v=DMARC1; p=reject; garbage']], status: 'valid' },
  {
    name: 'dup-p',
    txt: [['v=DMARC1; p=reject; p=none']],
    status: 'invalid',
    error: 'syntax',
    differs: {
      opendmarc: 'found',
      why: 'RFC 6376 3.2 (DMARC records follow it): a repeated tag invalidates the list; OpenDMARC keeps the last',
    },
  },
  { name: 'lower-value', txt: [['v=dmarc1; p=reject']], status: 'invalid', error: 'version_format', differs: NOT_SEEN },
  { name: 'space-semicolon', txt: [['v=DMARC1 ; p=reject']], status: 'valid' },
  { name: 'leading-space', txt: [[' v=DMARC1; p=reject']], status: 'valid' },
  // No record of its own: the organizational domain's (RFC 7489 6.6.3; Public Suffix List: orgdomain.test).
  {
    name: 'mail.orgdomain.test',
    txt: [],
    status: 'valid',
    differs: {
      opendmarc: 'none',
      why: 'opendmarc-check asks only the name given (it loads no public suffix list; the milter, given one, falls back too)',
    },
  },
  { name: 'pct-zero', txt: [['v=DMARC1; p=quarantine; pct=0']], status: 'valid' },
  {
    name: 'pct-fraction',
    txt: [['v=DMARC1; p=quarantine; pct=50.5']],
    status: 'invalid',
    error: 'pct_invalid',
    differs: { opendmarc: 'found', why: 'RFC 7489 6.4: pct is 1*3DIGIT; OpenDMARC reads the leading digits (50)' },
  },
  { name: 'rua-size', txt: [['v=DMARC1; p=reject; rua=mailto:d@rua-size.dmarc.test!10m']], status: 'valid' },
  { name: 'rua-two', txt: [['v=DMARC1; p=reject; rua=mailto:a@x.test, mailto:b@y.test']], status: 'valid' },
  {
    name: 'all-tags',
    txt: [['v=DMARC1; p=reject; sp=none; adkim=s; aspf=r; fo=1; rf=afrf; ri=3600; ruf=mailto:f@x.test']],
    status: 'valid',
  },
  { name: 'bad-adkim', txt: [['v=DMARC1; p=reject; adkim=x']], status: 'invalid', error: 'adkim_invalid' },
  { name: 'bad-aspf', txt: [['v=DMARC1; p=reject; aspf=x']], status: 'invalid', error: 'aspf_invalid' },
  { name: 'bad-fo', txt: [['v=DMARC1; p=reject; fo=9']], status: 'invalid', error: 'fo_invalid' },
  { name: 'bad-ri', txt: [['v=DMARC1; p=reject; ri=soon']], status: 'invalid', error: 'ri_invalid' },
  { name: 'bad-rf', txt: [['v=DMARC1; p=reject; rf=xml']], status: 'invalid', error: 'rf_invalid' },
  { name: 'bad-ruf', txt: [['v=DMARC1; p=reject; ruf=notauri']], status: 'valid' },
  { name: 'rf-iodef', txt: [['v=DMARC1; p=reject; rf=iodef']], status: 'valid' },
  {
    name: 'rf-list',
    txt: [['v=DMARC1; p=reject; rf=afrf:iodef']],
    status: 'valid',
    differs: { opendmarc: 'refused', why: 'RFC 7489 6.4: rf is a list of formats joined by ":"; OpenDMARC takes one' },
  },
  { name: 'fo-list', txt: [['v=DMARC1; p=reject; fo=0:1:d:s']], status: 'valid' },
  { name: 'fo-bad-item', txt: [['v=DMARC1; p=reject; fo=1:x']], status: 'invalid', error: 'fo_invalid' },
  { name: 'ri-big', txt: [['v=DMARC1; p=reject; ri=99999999999']], status: 'valid' },
  { name: 'upper-adkim', txt: [['v=DMARC1; p=reject; adkim=S; aspf=R']], status: 'valid' },
  { name: 'np-tag', txt: [['v=DMARC1; p=none; np=reject']], status: 'valid' },
  { name: 'policy-upper', txt: [['v=DMARC1; p=Quarantine; sp=REJECT']], status: 'valid' },
  { name: 'control-garbage', txt: [['v=DMARC1; p=reject; \u0001\u0002=;;x']], status: 'valid' },
];

const block = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;
const DNS_IP = `${block}.53`;
const domainOf = (c: DmarcCase): string => (c.name.includes('.') ? c.name : `${c.name}.dmarc.test`);

let dir: string;
let dns: DnsServer | undefined;
const ours = new Map<string, Dmarc | null>();
const readings = new Map<string, Reading>();

/** opendmarc-check's report of one domain, as data. */
function readReport(stdout: string): Reading {
  const field = (label: string): string => new RegExp(`^\\t${label}: (.*)$`, 'm').exec(stdout)?.[1] ?? '';
  const rua = /\tAggregate report URIs:\n((?:\t\t.*\n)*)/.exec(stdout)?.[1] ?? '';
  return {
    found: true,
    policy: field('Domain policy'),
    subdomainPolicy: field('Subdomain policy'),
    pct: Number(field('Sample percentage')),
    rua: rua
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && line !== '(none)'),
  };
}

describe.skipIf(reason !== null)('DMARC: mxv against OpenDMARC on the same records', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mxv-interop-dmarc-'));
    const records: Record<string, ZoneRecord[]> = {};
    for (const c of CASES) {
      const domain = domainOf(c);
      // The domain exists (a domain that does not gets no policy checks at all).
      records[domain] = [{ type: 'MX', priority: 10, exchange: `mx.${domain}` }];
      if (c.txt.length > 0) records[`_dmarc.${domain}`] = c.txt.map((text) => ({ type: 'TXT', text }));
    }
    records['orgdomain.test'] = [{ type: 'MX', priority: 10, exchange: 'mx.orgdomain.test' }];
    records['_dmarc.orgdomain.test'] = [{ type: 'TXT', text: 'v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@orgdomain.test' }];
    dns = await startDnsServer({ host: DNS_IP, port: 53, records, zones: ['test'] });
    const domains = CASES.map(domainOf);
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${DNS_IP}\noptions attempts:1 timeout:2\n`);

    // Asynchronously: the DNS server answers from this process.
    const checked = runCli(['check', '--json', '--checks', 'dmarc', '--dns', `${DNS_IP}:53`, ...domains], {
      timeoutMs: 60_000,
    });
    const script = 'mount --bind "$1" /etc/resolv.conf && exec opendmarc-check "$2"';
    const read = Promise.all(
      domains.map(async (domain) => {
        try {
          const { stdout } = await execFileAsync('unshare', ['-m', 'sh', '-c', script, 'sh', resolvConf, domain], {
            timeout: 30_000,
          });
          readings.set(domain, readReport(stdout));
        } catch (error) {
          const stderr = String((error as { stderr?: string }).stderr ?? error);
          readings.set(domain, { found: false, error: stderr.replace(/^.*?\): /s, '').trim() });
        }
      }),
    );
    const [run] = await Promise.all([checked, read]);
    for (const result of resultLines(run.stdout)) {
      ours.set(result.domain, result.security.dmarc);
    }
  }, 120_000);

  afterAll(async () => {
    await dns?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const domain = domainOf(c);
    const found = ours.get(domain);
    const reading = readings.get(domain);
    expect(found?.status, JSON.stringify(found)).toBe(c.status);
    if (c.error !== undefined) expect(found?.error).toBe(c.error);
    const opendmarc =
      reading === undefined
        ? 'missing'
        : reading.found
          ? 'found'
          : /lacked a DMARC record/.test(reading.error)
            ? 'none'
            : 'refused';
    const expected = c.differs?.opendmarc ?? { valid: 'found', invalid: 'refused', none: 'none' }[c.status];
    expect(opendmarc, JSON.stringify(reading)).toBe(expected);
    if (c.differs === undefined && found?.status === 'valid' && reading?.found === true) {
      // The policy receivers apply, as both read it; sp and pct as they apply when the record leaves them out.
      expect({
        policy: found.policy,
        subdomainPolicy: found.subdomainPolicy ?? found.policy,
        pct: found.pct ?? 100,
        rua: found.rua,
      }).toEqual({
        policy: reading.policy,
        // opendmarc-check says "unspecified" for a record without sp=: the p= policy applies (RFC 7489 6.3).
        subdomainPolicy: reading.subdomainPolicy === 'unspecified' ? reading.policy : reading.subdomainPolicy,
        pct: reading.pct,
        rua: reading.rua,
      });
    }
  });
});
