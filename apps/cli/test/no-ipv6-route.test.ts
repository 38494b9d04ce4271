import { describe, expect, it } from 'vitest';
import { checkResultSchema } from '@mxv/schema';
import { CLI_MAIN } from './run-cli.js';
import { networkNamespaceUnavailable, runInNetworkNamespace } from './support/network-namespace.js';

/**
 * A checker on a network without IPv6 (most container networks): mxv check in a network namespace of
 * its own, with loopback alone, so that an IPv6 mail host fails at once (ENETUNREACH) and no packet can
 * leave whatever the address. The testkit's resolver runs in the same namespace, in the child.
 */

const reason = networkNamespaceUnavailable();
if (reason !== null) console.warn(`no-ipv6-route: skipped: ${reason}`);

/** In the namespace: the resolver on 127.0.0.1, then `mxv check` with these arguments; prints its exit code, stdout and stderr. */
const CHILD = `
import { spawn } from 'node:child_process';
const { startDnsServer } = await import(process.env.TESTKIT);
const dns = await startDnsServer({ host: '127.0.0.1', port: 0, zones: ['test'], records: {
  'v6only.test': [{ type: 'MX', priority: 10, exchange: 'mx.v6only.test' }],
  'mx.v6only.test': [{ type: 'AAAA', address: '2001:db8::25' }],
} });
const args = JSON.parse(process.env.CHECK_ARGS).map((a) => a.replace('DNS', '127.0.0.1:' + dns.port));
const child = spawn(process.execPath, [process.env.CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '', err = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (err += d));
child.on('close', async (code) => {
  await dns.stop();
  process.stdout.write(JSON.stringify({ code, stdout: out, stderr: err }));
});
`;

function checkWithoutIpv6(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runInNetworkNamespace('ip link set lo up', CHILD, { CLI_MAIN, CHECK_ARGS: JSON.stringify(args) });
}

describe.skipIf(reason !== null)('mxv check on a machine without an IPv6 route', () => {
  it('an IPv6 mail host it cannot reach: unreachable, and a warning that says it is the machine and how to list it as not probed', async () => {
    const run = await checkWithoutIpv6(['check', '--json', '--dns', 'DNS', '--allow-net', '2001:db8::/32', 'v6only.test']);
    expect(run.code, run.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(run.stdout.trim()));
    expect(result.hosts.map((h) => [h.ip, h.connect, h.error])).toEqual([['2001:db8::25', 'unreachable', 'connect_unreachable']]);
    expect(run.stderr).toContain('mxv: warning: 1 IPv6 address(es) unreachable: this machine has no IPv6 route');
    expect(run.stderr).toContain('--ip-families 4');
  });

  it('mxv doctor says it before any check: egress:ipv6 warn, naming --ip-families 4', async () => {
    const run = await checkWithoutIpv6(['doctor', '--json', '--dns', 'DNS']);
    const checks = (JSON.parse(run.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }).checks;
    const ipv6 = checks.find((check) => check.name === 'egress:ipv6');
    expect(ipv6?.status, run.stdout).toBe('warn');
    expect(ipv6?.detail).toContain('--ip-families 4');
  });

  it('with --ip-families 4: not probed, and nothing to warn of', async () => {
    const run = await checkWithoutIpv6([
      'check',
      '--json',
      '--dns',
      'DNS',
      '--allow-net',
      '2001:db8::/32',
      '--ip-families',
      '4',
      'v6only.test',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(run.stdout.trim()));
    expect(result.hosts.map((h) => [h.connect, h.error])).toEqual([['blocked', 'ip_family_not_probed']]);
    expect(run.stderr).not.toContain('warning');
  });
});
