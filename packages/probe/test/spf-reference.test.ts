import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spf } from '@mxv/schema';
import { startDnsServer, type DnsServer, type ZoneRecord } from '@mxv/testkit';
import { boundValues, checkSpf, defaultsOf, DNS_BOUNDS, POLICY_BOUNDS, StubResolver } from '@mxv/probe';

/**
 * mxv's SPF check against two reference implementations, Mail::SPF (Debian's
 * libmail-spf-perl) and pyspf (python3-spf, over dnspython), on the same
 * records served by the same DNS server. mxv has no sender, so the references
 * evaluate each domain for an IPv4 sender that no record names (TEST-NET-3):
 * every term is then evaluated, every include and redirect followed and every
 * limit met, as mxv's walk does. mxv's `valid` is a reference's pass, fail,
 * softfail or neutral, and its `otherSenders` (what a host the record does not
 * list gets) is that word; none, permerror and temperror are the same words. Where
 * a reference differs, the case says which, what it says and why mxv does not.
 */

const execFileAsync = promisify(execFile);
const SENDER_IP = '203.0.113.77';

/** Each reference: how to run it (script, then HOST PORT SENDER_IP DOMAIN...), and how to tell it is installed. */
const REFERENCES = {
  'Mail::SPF': {
    command: ['perl', fileURLToPath(new URL('./support/mail-spf-eval.pl', import.meta.url))],
    probe: ['perl', '-MMail::SPF', '-MNet::DNS::Resolver', '-e', '1'],
    packages: 'libmail-spf-perl',
  },
  pyspf: {
    // Debian's own python3 (python3-spf and python3-dnspython install there), not whichever python3 is first on PATH.
    command: ['/usr/bin/python3', fileURLToPath(new URL('./support/pyspf-eval.py', import.meta.url))],
    probe: ['/usr/bin/python3', '-c', 'import spf, dns.resolver'],
    packages: 'python3-spf python3-dnspython',
  },
} as const;
type ReferenceName = keyof typeof REFERENCES;
const REFERENCE_NAMES = Object.keys(REFERENCES) as ReferenceName[];

async function runs(argv: readonly string[]): Promise<boolean> {
  try {
    await execFileAsync(argv[0] ?? '', argv.slice(1));
    return true;
  } catch {
    return false;
  }
}
const missing: string[] = [];
for (const name of REFERENCE_NAMES) if (!(await runs(REFERENCES[name].probe))) missing.push(REFERENCES[name].packages);
if (missing.length > 0) console.warn(`spf-reference: skipped: missing ${missing.join(', ')} (see .ci/run)`);

const txt = (...text: string[]): ZoneRecord => ({ type: 'TXT', text });
const addr = (address = '192.0.2.10'): ZoneRecord => ({ type: 'A', address });
const spf = (record: string): ZoneRecord[] => [txt(record)];

/** A chain of `n` includes under `prefix`: prefix → c1.prefix → ... → cN.prefix (-all). */
function includeChain(prefix: string, n: number): Record<string, ZoneRecord[]> {
  const zone: Record<string, ZoneRecord[]> = {};
  for (let i = 0; i <= n; i++) {
    const name = i === 0 ? prefix : `c${i}.${prefix}`;
    zone[name] = spf(i < n ? `v=spf1 include:c${i + 1}.${prefix} -all` : 'v=spf1 -all');
  }
  return zone;
}

function names(prefix: string, n: number, records: (name: string) => ZoneRecord[]): Record<string, ZoneRecord[]> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i + 1}.${prefix}`, records(`h${i + 1}.${prefix}`)]));
}

function terms(prefix: string, n: number, mechanism: string): string {
  return Array.from({ length: n }, (_, i) => `${mechanism}:h${i + 1}.${prefix}`).join(' ');
}

interface Case {
  domain: string;
  /** What mxv reports; the reference agrees (see `agree`) unless `differs` says otherwise. */
  status: Spf['status'];
  error?: string | null;
  /** A deliberate difference: what a reference says instead (its result code), and why mxv does not. */
  differs?: Partial<Record<ReferenceName, string>> & { why: string };
}

const ZONE: Record<string, ZoneRecord[]> = {
  'plain.spf.test': spf('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all'),
  'other-txt.spf.test': [txt('google-site-verification=abc'), txt('v=spf10 -all'), txt('v=spf1;-all')],
  'two.spf.test': [txt('v=spf1 -all'), txt('v=spf1 ~all')],
  'case.spf.test': spf('V=SPF1 IP4:192.0.2.1 -ALL'),
  'strings.spf.test': [txt('v=spf1 ip4:192.0.2.1', ' ip4:192.0.2.2 -all')],
  'include.spf.test': spf('v=spf1 include:_spf.provider.spf.test ~all'),
  '_spf.provider.spf.test': spf('v=spf1 a:out.provider.spf.test mx:provider.spf.test ?all'),
  'out.provider.spf.test': [addr()],
  'provider.spf.test': [{ type: 'MX', priority: 10, exchange: 'out.provider.spf.test' }],
  'include-none.spf.test': spf('v=spf1 include:nospf.spf.test -all'),
  'nospf.spf.test': [addr()],
  'include-nx.spf.test': spf('v=spf1 include:nx.spf.test -all'),
  'loop.spf.test': spf('v=spf1 include:loop.spf.test -all'),
  'loop-a.spf.test': spf('v=spf1 include:loop-b.spf.test -all'),
  'loop-b.spf.test': spf('v=spf1 include:loop-a.spf.test -all'),
  ...includeChain('chain10.spf.test', 10),
  ...includeChain('chain11.spf.test', 11),
  'a10.spf.test': spf(`v=spf1 ${terms('a10.spf.test', 10, 'a')} -all`),
  ...names('a10.spf.test', 10, () => [addr()]),
  'a11.spf.test': spf(`v=spf1 ${terms('a11.spf.test', 11, 'a')} -all`),
  ...names('a11.spf.test', 11, () => [addr()]),
  'mixed11.spf.test': [
    ...spf(
      'v=spf1 a mx exists:%{i}.e.mixed11.spf.test include:i.mixed11.spf.test a:h1.a10.spf.test a:h2.a10.spf.test ' +
        'a:h3.a10.spf.test a:h4.a10.spf.test a:h5.a10.spf.test mx:provider.spf.test redirect=r.mixed11.spf.test',
    ),
    addr(),
    { type: 'MX', priority: 10, exchange: 'out.provider.spf.test' },
  ],
  'i.mixed11.spf.test': spf('v=spf1 ip4:192.0.2.77 -all'),
  'r.mixed11.spf.test': spf('v=spf1 -all'),
  'voids2.spf.test': spf('v=spf1 a:nx1.spf.test a:nx2.spf.test -all'),
  'voids3.spf.test': spf('v=spf1 a:nx1.spf.test exists:nx2.spf.test mx:nx3.spf.test -all'),
  'mx10.spf.test': [...spf('v=spf1 mx -all'), ...mxRecords('mx10.spf.test', 10)],
  ...names('mx10.spf.test', 10, () => [addr()]),
  'mx11.spf.test': [...spf('v=spf1 mx -all'), ...mxRecords('mx11.spf.test', 11)],
  ...names('mx11.spf.test', 11, () => [addr()]),
  'redirect.spf.test': spf('v=spf1 redirect=_spf.provider.spf.test'),
  'redirect-none.spf.test': spf('v=spf1 redirect=nospf.spf.test'),
  'redirect-with-all.spf.test': spf('v=spf1 -all redirect=nx.spf.test'),
  'after-all.spf.test': spf('v=spf1 ~all include:nx.spf.test'),
  'two-redirects.spf.test': spf('v=spf1 redirect=redirect.spf.test redirect=plain.spf.test'),
  'bad-cidr.spf.test': spf('v=spf1 ip4:192.0.2.0/33 -all'),
  'bad-ip.spf.test': spf('v=spf1 ip4:192.0.2 -all'),
  'bad-mechanism.spf.test': spf('v=spf1 foo:bar.spf.test -all'),
  'bad-qualifier.spf.test': spf('v=spf1 *all'),
  'unknown-modifier.spf.test': spf('v=spf1 ip4:192.0.2.1 foo=bar -all'),
  'exp.spf.test': spf('v=spf1 -all exp=explain.spf.test'),
  'macro.spf.test': spf('v=spf1 exists:%{i}._spf.macro.spf.test -all'),
  'bad-macro.spf.test': spf('v=spf1 exists:%{z}.spf.test -all'),
  'include-servfail.spf.test': spf('v=spf1 include:servfail.spf.test -all'),
  'ptr.spf.test': spf('v=spf1 ptr -all'),
  'dual.spf.test': spf('v=spf1 a:v4.dual.spf.test a:v6.dual.spf.test -all'),
  'v6-names.spf.test': spf('v=spf1 a:v6.dual.spf.test a:v6.dual.spf.test a:v6.dual.spf.test -all'),
  'mx-dangling.spf.test': [...spf('v=spf1 mx -all'), ...mxRecords('mx-dangling.spf.test', 3)],
  'include-bad.spf.test': spf('v=spf1 include:bad-cidr.spf.test -all'),
  'bare.spf.test': spf('v=spf1'),
  'trailing-space.spf.test': spf('v=spf1 ip4:192.0.2.1 -all '),
  'cidr.spf.test': spf('v=spf1 a:out.provider.spf.test/24 mx:provider.spf.test/24//64 ip4:192.0.2.1/24 -all'),
  'bad-a-cidr.spf.test': spf('v=spf1 a/33 -all'),
  'empty-exists.spf.test': spf('v=spf1 exists: -all'),
  'upper-redirect.spf.test': spf('v=spf1 REDIRECT=_spf.provider.spf.test'),
  'bad-modifier-macro.spf.test': spf('v=spf1 foo=%{q} -all'),
  'redirect-loop.spf.test': spf('v=spf1 redirect=redirect-loop.spf.test'),
  // Terms every sender matches end the evaluation: the eleven lookups after them are never made.
  'exists-everyone.spf.test': spf(`v=spf1 exists:out.provider.spf.test ${terms('a11.spf.test', 11, 'a')} -all`),
  'include-everyone.spf.test': spf(`v=spf1 include:plus-all.spf.test ${terms('a11.spf.test', 11, 'a')} -all`),
  'plus-all.spf.test': spf('v=spf1 +all'),
  'include-fails-everyone.spf.test': spf(`v=spf1 include:minus-all.spf.test ${terms('a11.spf.test', 11, 'a')} -all`),
  'minus-all.spf.test': spf('v=spf1 -all'),
  'ip4-everyone.spf.test': spf(`v=spf1 -ip4:0.0.0.0/0 ${terms('a11.spf.test', 11, 'a')} -all`),
  'redirect-everyone.spf.test': spf('v=spf1 redirect=plus-all.spf.test'),
  'trailing-dot.spf.test': spf('v=spf1 include:_spf.provider.spf.test. -all'),
  'macros.spf.test': spf('v=spf1 exists:%{ir}.%{l1r+-}.%{d2}._m.spf.test exists:%{o}.%{h}._m.spf.test -all'),
  'c-outside-exp.spf.test': spf('v=spf1 exists:%{c}.spf.test -all'),
  'c-in-exp.spf.test': spf('v=spf1 -all exp=%{c}.spf.test'),
  'numeric-tld.spf.test': spf('v=spf1 a:host.123 -all'),
  'underscore.spf.test': spf('v=spf1 include:_spf_x.spf.test -all'),
  '_spf_x.spf.test': spf('v=spf1 -all'),
  'spaces.spf.test': spf('v=spf1  ip4:192.0.2.1   -all'),
  'tab.spf.test': spf('v=spf1\tip4:192.0.2.1 -all'),
  // Longer than one TXT string (255 bytes): two strings, read as one record (RFC 7208 3.3).
  'long.spf.test': [
    txt(
      `v=spf1 ${Array.from({ length: 15 }, (_, i) => `ip4:192.0.2.${i}`).join(' ')} `,
      `${Array.from({ length: 12 }, (_, i) => `ip4:198.51.100.${i}`).join(' ')} -all`,
    ),
  ],
  'ptr-domain.spf.test': spf('v=spf1 ptr:provider.spf.test -all'),
  'qualifiers.spf.test': spf(
    'v=spf1 +mx:provider.spf.test/24 ~ip4:192.0.2.0/24 ?a:out.provider.spf.test -ip6:2001:db8::/32 ~all',
  ),
  'ip6-loopback.spf.test': spf('v=spf1 ip6:::1 ip4:192.0.2.1/32 -all'),
  // What a host the record does not list gets (otherSenders), each way a record can end.
  'no-all.spf.test': spf('v=spf1 ip4:192.0.2.1'),
  'include-neutral.spf.test': spf('v=spf1 include:bare.spf.test ~all'),
  'neutral-include-everyone.spf.test': spf('v=spf1 ?include:plus-all.spf.test -all'),
  'neutral-all.spf.test': spf('v=spf1 a:out.provider.spf.test ?all'),
  'cname-mx.spf.test': [...spf('v=spf1 mx -all'), { type: 'MX', priority: 10, exchange: 'alias.cname-mx.spf.test' }],
  'alias.cname-mx.spf.test': [{ type: 'CNAME', target: 'out.provider.spf.test' }],
  'v4.dual.spf.test': [addr()],
  'v6.dual.spf.test': [{ type: 'AAAA', address: '2001:db8::10' }],
};

function mxRecords(prefix: string, n: number): ZoneRecord[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'MX' as const, priority: i, exchange: `h${i + 1}.${prefix}` }));
}

const CASES: Case[] = [
  { domain: 'plain.spf.test', status: 'valid' },
  { domain: 'nothing.spf.test', status: 'none' },
  // RFC 7208 4.5: "v=spf10" and "v=spf1;" are other records, not SPF.
  { domain: 'other-txt.spf.test', status: 'none' },
  { domain: 'two.spf.test', status: 'permerror', error: 'multiple_records' },
  { domain: 'case.spf.test', status: 'valid' },
  { domain: 'strings.spf.test', status: 'valid' },
  { domain: 'include.spf.test', status: 'valid' },
  { domain: 'include-none.spf.test', status: 'permerror', error: 'include_none' },
  { domain: 'include-nx.spf.test', status: 'permerror', error: 'include_none' },
  { domain: 'loop.spf.test', status: 'permerror', error: 'include_loop' },
  { domain: 'loop-a.spf.test', status: 'permerror', error: 'include_loop' },
  { domain: 'chain10.spf.test', status: 'valid' },
  { domain: 'chain11.spf.test', status: 'permerror', error: 'too_many_lookups' },
  { domain: 'a10.spf.test', status: 'valid' },
  { domain: 'a11.spf.test', status: 'permerror', error: 'too_many_lookups' },
  { domain: 'mixed11.spf.test', status: 'permerror', error: 'too_many_lookups' },
  { domain: 'voids2.spf.test', status: 'valid' },
  { domain: 'voids3.spf.test', status: 'permerror', error: 'too_many_void_lookups' },
  { domain: 'mx10.spf.test', status: 'valid' },
  {
    domain: 'mx11.spf.test',
    status: 'permerror',
    error: 'too_many_mx_records',
    differs: {
      'Mail::SPF': 'fail',
      why: 'RFC 7208 4.6.4 makes more than 10 MX names a permerror; Mail::SPF keeps RFC 4408 10.1 and looks at the first 10',
    },
  },
  { domain: 'redirect.spf.test', status: 'valid' },
  { domain: 'redirect-none.spf.test', status: 'permerror', error: 'redirect_none' },
  { domain: 'redirect-with-all.spf.test', status: 'valid' },
  { domain: 'after-all.spf.test', status: 'valid' },
  { domain: 'two-redirects.spf.test', status: 'permerror' },
  { domain: 'bad-cidr.spf.test', status: 'permerror' },
  { domain: 'bad-ip.spf.test', status: 'permerror' },
  { domain: 'bad-mechanism.spf.test', status: 'permerror' },
  { domain: 'bad-qualifier.spf.test', status: 'permerror' },
  { domain: 'unknown-modifier.spf.test', status: 'valid' },
  { domain: 'exp.spf.test', status: 'valid' },
  { domain: 'macro.spf.test', status: 'valid' },
  { domain: 'bad-macro.spf.test', status: 'permerror' },
  { domain: 'include-servfail.spf.test', status: 'temperror' },
  { domain: 'ptr.spf.test', status: 'valid' },
  { domain: 'dual.spf.test', status: 'valid' },
  // As an IPv4 sender's evaluation asks them: A only, so names with only AAAA are void lookups.
  { domain: 'v6-names.spf.test', status: 'permerror', error: 'too_many_void_lookups' },
  // Each exchange without an address is a void lookup of the mx term.
  { domain: 'mx-dangling.spf.test', status: 'permerror', error: 'too_many_void_lookups' },
  { domain: 'include-bad.spf.test', status: 'permerror' },
  { domain: 'bare.spf.test', status: 'valid' },
  { domain: 'trailing-space.spf.test', status: 'valid' },
  { domain: 'cidr.spf.test', status: 'valid' },
  { domain: 'bad-a-cidr.spf.test', status: 'permerror' },
  { domain: 'empty-exists.spf.test', status: 'permerror' },
  { domain: 'upper-redirect.spf.test', status: 'valid' },
  {
    domain: 'bad-modifier-macro.spf.test',
    status: 'permerror',
    differs: {
      'Mail::SPF': 'fail',
      why: "RFC 7208 12: an unknown modifier's value is a macro-string, and %{q} is none; Mail::SPF does not read unknown modifiers",
    },
  },
  { domain: 'redirect-loop.spf.test', status: 'permerror', error: 'redirect_loop' },
  { domain: 'exists-everyone.spf.test', status: 'valid' },
  { domain: 'include-everyone.spf.test', status: 'valid' },
  // The included record fails everyone, so the include matches no one and the eleven a terms are evaluated.
  { domain: 'include-fails-everyone.spf.test', status: 'permerror', error: 'too_many_lookups' },
  { domain: 'ip4-everyone.spf.test', status: 'valid' },
  { domain: 'redirect-everyone.spf.test', status: 'valid' },
  { domain: 'trailing-dot.spf.test', status: 'valid' },
  { domain: 'macros.spf.test', status: 'valid' },
  { domain: 'c-outside-exp.spf.test', status: 'permerror' },
  // c, r and t are for the explanation text that exp= names, not for its domain-spec (RFC 7208 7.1).
  { domain: 'c-in-exp.spf.test', status: 'permerror' },
  { domain: 'numeric-tld.spf.test', status: 'permerror' },
  { domain: 'underscore.spf.test', status: 'valid' },
  { domain: 'spaces.spf.test', status: 'valid' },
  { domain: 'tab.spf.test', status: 'none' },
  { domain: 'long.spf.test', status: 'valid' },
  { domain: 'ptr-domain.spf.test', status: 'valid' },
  { domain: 'qualifiers.spf.test', status: 'valid' },
  { domain: 'ip6-loopback.spf.test', status: 'valid' },
  { domain: 'cname-mx.spf.test', status: 'valid' },
  { domain: 'plus-all.spf.test', status: 'valid' },
  { domain: 'no-all.spf.test', status: 'valid' },
  { domain: 'include-neutral.spf.test', status: 'valid' },
  { domain: 'neutral-include-everyone.spf.test', status: 'valid' },
  { domain: 'neutral-all.spf.test', status: 'valid' },
];

let dns: DnsServer;
const references = new Map<ReferenceName, Map<string, { code: string; text: string }>>();
const ours = new Map<string, Spf>();

beforeAll(async () => {
  dns = await startDnsServer({
    host: '127.0.0.1',
    records: ZONE,
    behaviours: { 'servfail.spf.test': { fail: 'servfail' } },
    zones: ['test', 'arpa'],
  });
  const resolver = new StubResolver({
    servers: [{ host: dns.host, port: dns.port }],
    bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 1000, attemptsPerServer: 1 }),
  });
  const bounds = defaultsOf(POLICY_BOUNDS);
  for (const { domain } of CASES) ours.set(domain, await checkSpf(domain, resolver, bounds));
  if (missing.length > 0) return;
  // Asynchronously: the DNS server the references ask runs in this process.
  const domains = CASES.map((c) => c.domain);
  await Promise.all(
    REFERENCE_NAMES.map(async (name) => {
      const [command = '', ...script] = REFERENCES[name].command;
      const { stdout } = await execFileAsync(command, [...script, dns.host, String(dns.port), SENDER_IP, ...domains], {
        timeout: 60_000,
      });
      const results = new Map<string, { code: string; text: string }>();
      for (const line of stdout.trim().split('\n')) {
        const [domain = '', code = '', ...text] = line.split(' ');
        results.set(domain, { code, text: text.join(' ') });
      }
      references.set(name, results);
    }),
  );
});

afterAll(async () => {
  await dns?.stop();
});

/** The reference's result code as mxv's status word. */
function asStatus(code: string): Spf['status'] | string {
  return ['pass', 'fail', 'softfail', 'neutral'].includes(code) ? 'valid' : code;
}

describe('SPF: what a host the record does not list gets', () => {
  it.each([
    ['plain.spf.test', 'fail'],
    ['qualifiers.spf.test', 'softfail'],
    ['neutral-all.spf.test', 'neutral'],
    ['no-all.spf.test', 'neutral'],
    ['bare.spf.test', 'neutral'],
    ['plus-all.spf.test', 'pass'],
    ['include-everyone.spf.test', 'pass'],
    ['redirect-everyone.spf.test', 'pass'],
    ['neutral-include-everyone.spf.test', 'neutral'],
    ['include-neutral.spf.test', 'softfail'],
    ['redirect.spf.test', 'neutral'],
    ['ip4-everyone.spf.test', 'fail'],
  ] as const)('%s: %s (without a reference installed too)', (domain, otherSenders) => {
    expect(ours.get(domain)?.otherSenders).toBe(otherSenders);
  });
});

describe.skipIf(missing.length > 0)('SPF: mxv against Mail::SPF and pyspf on the same records', () => {
  it.each(CASES.map((c) => [c.domain, c] as const))('%s', (domain, expected) => {
    const mine = ours.get(domain);
    expect(mine?.status).toBe(expected.status);
    if (expected.error !== undefined) expect(mine?.error).toBe(expected.error);
    // Each reference's word for the domain: mxv's status word, or where it differs on purpose, its own code.
    const said = (name: ReferenceName): string => {
      const code = references.get(name)?.get(domain)?.code ?? 'missing';
      return expected.differs?.[name] !== undefined ? code : asStatus(code);
    };
    const texts = REFERENCE_NAMES.map((name) => `${name}: ${JSON.stringify(references.get(name)?.get(domain))}`).join('; ');
    expect(Object.fromEntries(REFERENCE_NAMES.map((name) => [name, said(name)])), texts).toEqual(
      Object.fromEntries(REFERENCE_NAMES.map((name) => [name, expected.differs?.[name] ?? expected.status])),
    );
    // What a host the record does not list gets (the references' sender is one): the same result word.
    if (mine?.status !== 'valid') {
      expect(mine?.otherSenders ?? null).toBeNull();
      return;
    }
    for (const name of REFERENCE_NAMES) {
      if (expected.differs?.[name] !== undefined) continue;
      expect(mine.otherSenders, `${name}: ${texts}`).toBe(references.get(name)?.get(domain)?.code);
    }
  });
});
