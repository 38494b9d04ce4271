import { describe, expect, it } from 'vitest';
import type { CheckResult, HostResult } from '@mxv/schema';
import { LocalFailureTally } from '../src/output/local-failure-hint.js';
import { sampleHost, sampleResult } from '../../../packages/fleet/test/support/sample-result.js';
import { runCli } from './run-cli.js';

const AT = '2026-12-03T00:00:00.000Z';
const withHosts = (domain: string, ...errors: Array<string | null>): CheckResult =>
  sampleResult(domain, AT, { hosts: errors.map((error): HostResult => sampleHost(domain, { error })) });
const resolverDown = (domain: string): CheckResult =>
  sampleResult(domain, AT, { verdict: 'dns_error', error: 'mx_timeout:connection_refused', hosts: [] });
const hintOf = (...results: CheckResult[]): string | null => {
  const tally = new LocalFailureTally();
  for (const result of results) tally.add(result);
  return tally.hint();
};

describe('LocalFailureTally: a run that failed the same way on this side for every domain', () => {
  it('the resolver refused or could not be reached for every domain', () => {
    expect(hintOf(resolverDown('a.test'), resolverDown('b.test'))).toMatch(/^no MX question got an answer: the resolver/);
    // One domain answered: the resolver works, the other's failure is its own.
    expect(hintOf(resolverDown('a.test'), withHosts('b.test', null))).toBeNull();
    // A domain's own SERVFAIL is no sign of a resolver that is down.
    expect(hintOf(sampleResult('a.test', AT, { verdict: 'dns_error', error: 'mx_servfail', hosts: [] }))).toBeNull();
  });

  it('every host refused by the address policy: --allow-net', () => {
    expect(hintOf(withHosts('a.test', 'blocked_address', 'blocked_address'), withHosts('b.test', 'blocked_address'))).toMatch(
      /--allow-net names them$/,
    );
    expect(hintOf(withHosts('a.test', 'blocked_address', null))).toBeNull();
  });

  it("every host on this machine's own addresses: mxv does not connect to itself", () => {
    expect(hintOf(withHosts('a.test', 'own_address', 'own_address'), withHosts('b.test', 'own_address'))).toMatch(
      /^every mail host address is this machine's own \(own_address\)/,
    );
    expect(hintOf(withHosts('a.test', 'own_address'), withHosts('b.test', 'blocked_address'))).toBeNull();
  });

  it('every MTA-STS policy fetch failed at the proxy: it must allow port 443 too', () => {
    const withPolicyError = (domain: string, error: string | null): CheckResult => {
      const base = withHosts(domain, null);
      const mtaSts = {
        status: error === null ? ('valid' as const) : ('invalid' as const),
        id: '1',
        mode: null,
        mx: [],
        maxAge: null,
        error,
      };
      return { ...base, security: { ...base.security, mtaSts } };
    };
    expect(hintOf(withPolicyError('a.test', 'fetch_proxy_refused:2'), withPolicyError('b.test', 'fetch_proxy_timeout'))).toMatch(
      /^every MTA-STS policy fetch failed at the SOCKS5 proxy/,
    );
    // A domain without a policy record says nothing either way.
    expect(hintOf(withPolicyError('a.test', 'fetch_proxy_refused:2'), withHosts('b.test', null))).toMatch(/MTA-STS/);
    // One fetch went through, or the proxy said the policy host refused: the proxy works.
    expect(hintOf(withPolicyError('a.test', 'fetch_proxy_refused:2'), withPolicyError('b.test', null))).toBeNull();
    expect(hintOf(withPolicyError('a.test', 'fetch_proxy_refused:5'))).toBeNull();
    expect(hintOf(withPolicyError('a.test', 'fetch_timeout'))).toBeNull();
  });

  it('every host failed at the proxy', () => {
    expect(hintOf(withHosts('a.test', 'proxy_unreachable'), withHosts('b.test', 'proxy_refused:5'))).toMatch(/SOCKS5 proxy/);
    expect(hintOf(withHosts('a.test', 'proxy_unreachable'), withHosts('b.test', 'connect_refused'))).toBeNull();
  });

  it('nothing to say of a run of invalid inputs or working domains', () => {
    expect(hintOf()).toBeNull();
    expect(hintOf(withHosts('a.test', null))).toBeNull();
  });
});

describe('mxv check with a resolver that is not there', () => {
  it('says so once at the end, on stderr', async () => {
    const run = await runCli(['check', '--json', '--dns', '127.0.0.1:1', 'a.test', 'b.test']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "mxv: warning: no MX question got an answer: the resolver (--dns / MXV_DNS, or the system's) refused or could not be reached; `mxv doctor` checks it\n",
    );
  });
});
