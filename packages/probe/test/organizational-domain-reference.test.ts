import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { organizationalDomain } from '@mxv/probe';

/**
 * The organizational domain (RFC 7489 3.2) that DMARC falls back to, and that
 * politeness groups exchanges by, against libpsl's `psl --print-reg-domain`
 * (Debian's psl package): the same Public Suffix List rules read by another
 * implementation. mxv reads the list through tldts, with the private section
 * (a customer of a hosting platform is its own organization, as OpenDMARC
 * reads the whole list too). The names exercise each kind of rule, and only
 * rules older than Debian's copy of the list (2023), so that a difference is
 * in how the rules are read, not in which list. Pure computation: nothing is
 * looked up.
 */

const execFileAsync = promisify(execFile);
const hasPsl = spawnSync('sh', ['-c', 'command -v psl']).status === 0;
if (!hasPsl) console.warn('organizational-domain-reference: skipped: missing psl (see .ci/run)');

const NAMES = [
  // A plain ICANN suffix, at every depth.
  'example.com',
  'mail.example.com',
  'a.b.c.example.com',
  'com',
  // Two-label ICANN suffixes.
  'mail.example.co.uk',
  'example.co.uk',
  'co.uk',
  'uk',
  'a.b.example.com.au',
  'mail.example.org.br',
  // Wildcard and exception rules: *.ck with !www.ck; *.kawasaki.jp with !city.kawasaki.jp.
  'mail.example.ck',
  'example.ck',
  'www.ck',
  'mail.www.ck',
  'a.b.c.kawasaki.jp',
  'c.kawasaki.jp',
  'city.kawasaki.jp',
  'mail.city.kawasaki.jp',
  // The private section: a platform's customers are organizations of their own.
  'x.y.github.io',
  'y.github.io',
  'github.io',
  'bucket.s3.amazonaws.com',
  'mail.example.blogspot.com',
  'project.appspot.com',
  // Internationalized suffixes, as A-labels (mxv normalizes names to them first).
  'mail.example.xn--p1ai',
  'xn--p1ai',
  'a.b.xn--fiqs8s',
  // Names under no listed suffix: the implicit "*" rule makes the TLD the public suffix.
  'mail.example.test',
  'example.test',
  'test',
  'a.b.c.example.invalid',
  // Deep names under a multi-level suffix.
  'a.b.c.d.e.example.co.uk',
];

/** libpsl's answer per name: its registrable domain, or null when the name is a public suffix itself. */
async function libpslAnswers(names: readonly string[]): Promise<Map<string, string | null>> {
  const { stdout } = await execFileAsync('psl', ['--print-reg-domain', ...names]);
  const answers = new Map<string, string | null>();
  for (const line of stdout.trim().split('\n')) {
    const [name, domain] = line.split(': ') as [string, string];
    answers.set(name, domain === '(null)' ? null : domain);
  }
  return answers;
}

describe.skipIf(!hasPsl)('the organizational domain, as libpsl reads the Public Suffix List', () => {
  it(`agrees with psl --print-reg-domain on ${NAMES.length} names (ICANN, wildcard, exception, private, IDN, unlisted)`, async () => {
    const reference = await libpslAnswers(NAMES);
    expect([...reference.keys()]).toEqual(NAMES);
    const ours = new Map<string, string | null>();
    for (const name of NAMES) ours.set(name, await organizationalDomain(name));
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(reference));
  });
});
