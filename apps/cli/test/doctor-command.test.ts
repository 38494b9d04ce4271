import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, startWorld, type World } from '@mxv/testkit';
import { runCli } from './run-cli.js';
import { machineHasIpv6Route } from '@mxv/probe';

const GOOD_LIST = 'bl.example';
const REFUSING_LIST = 'refusing.example';
const BROKEN_LIST = 'broken.example';
let world: World;
let canaryIp: string;
let egressIp: string;

beforeAll(async () => {
  world = await startWorld({
    hosts: [
      { id: 'canary', behaviour: 'esmtp' },
      // Stands for our egress address: its PTR points at the name we say in HELO.
      { id: 'egress', behaviour: 'esmtp', ptr: ['probe.mxv.test'] },
    ],
    records: { 'canary.test': [{ type: 'A', host: 'canary' }], 'probe.mxv.test': [{ type: 'A', host: 'egress' }] },
    dnssec: { test: { state: 'secure' } },
    domains: [],
  });
  canaryIp = world.hostsById.get('canary')?.ip as string;
  egressIp = world.hostsById.get('egress')?.ip as string;
  const dns = world.dnsServer;
  dns.addZone('example');
  dns.setRecords(`2.0.0.127.${GOOD_LIST}`, [{ type: 'A', address: '127.0.0.2' }]);
  dns.setRecords(`2.0.0.127.${REFUSING_LIST}`, [{ type: 'A', address: '127.255.255.254' }]);
  dns.setRecords(`1.0.0.127.${REFUSING_LIST}`, [{ type: 'A', address: '127.255.255.254' }]);
  // A list that answers everything "listed" (a broken or expired list does this).
  dns.setRecords(`2.0.0.127.${BROKEN_LIST}`, [{ type: 'A', address: '127.0.0.2' }]);
  dns.setRecords(`1.0.0.127.${BROKEN_LIST}`, [{ type: 'A', address: '127.0.0.2' }]);
});
afterAll(async () => {
  await world?.stop();
});

interface DoctorOutput {
  checks: Array<{ name: string; status: string; detail: string }>;
}

function doctor(extra: string[]) {
  return runCli([
    'doctor',
    '--json',
    '--dns',
    world.dns,
    '--dns-test-name',
    'test',
    '--dns-timeout-ms',
    '500',
    '--connect-timeout-ms',
    '1000',
    ...extra,
  ]);
}

function byName(output: DoctorOutput): Record<string, string> {
  return Object.fromEntries(output.checks.map((check) => [check.name, check.status]));
}

describe('mxv doctor --json against a simulated world', () => {
  it('all good: exit 0, every check named, block list test points pass', async () => {
    const run = await doctor([
      '--canary',
      `canary.test:${world.smtpPort}`,
      '--egress-ip',
      egressIp,
      '--helo-name',
      'probe.mxv.test',
      '--dnsbl',
      GOOD_LIST,
    ]);
    expect(run.stderr).toBe('');
    const output = JSON.parse(run.stdout) as DoctorOutput;
    for (const check of output.checks) expect(Object.keys(check).sort()).toEqual(['detail', 'name', 'status']);
    expect(byName(output)).toEqual({
      [`dns:${world.dns}`]: 'pass',
      'egress:smtp': 'pass',
      // This machine's own answer (no-ipv6-route.test.ts runs doctor where there is none).
      'egress:ipv6': machineHasIpv6Route() === true ? 'pass' : machineHasIpv6Route() === false ? 'warn' : 'skip',
      proxy: 'skip',
      'egress:address': 'pass',
      'egress:ptr': 'pass',
      'egress:dnsbl': 'pass',
      [`dnsbl:${GOOD_LIST}`]: 'pass',
      redis: 'skip',
    });
    expect(run.code).toBe(0);
  });

  it('a refusing list, a list that lists everything, a PTR not matching HELO: fail, exit 1', async () => {
    const run = await doctor([
      '--egress-ip',
      egressIp,
      '--helo-name',
      'other.mxv.test',
      '--dnsbl',
      `${GOOD_LIST},${REFUSING_LIST},${BROKEN_LIST}`,
    ]);
    const statuses = byName(JSON.parse(run.stdout) as DoctorOutput);
    expect(statuses).toMatchObject({
      'egress:smtp': 'skip',
      'egress:ptr': 'warn',
      [`dnsbl:${GOOD_LIST}`]: 'pass',
      [`dnsbl:${REFUSING_LIST}`]: 'fail',
      [`dnsbl:${BROKEN_LIST}`]: 'fail',
    });
    expect(run.code).toBe(1);
  });

  it('a canary that does not answer fails the egress check', async () => {
    // Nothing listens on port 9 of the canary's address.
    const run = await doctor(['--canary', `${canaryIp}:9`]);
    const output = JSON.parse(run.stdout) as DoctorOutput;
    expect(byName(output)['egress:smtp']).toBe('fail');
    expect(run.code).toBe(1);
  });

  it("a domain's own name server given as the resolver (no recursion): fails and says so", async () => {
    // Answers for its zone, with AA and without RA (RFC 1035 4.1.1), as NSD or BIND's authoritative side do.
    const authoritative = await startDnsServer({ host: '127.0.0.1', port: 0, answerAs: 'authoritative', zones: ['test'] });
    try {
      const address = `127.0.0.1:${authoritative.port}`;
      const run = await runCli(['doctor', '--json', '--dns', address, '--dns-test-name', 'test', '--dns-timeout-ms', '500']);
      const check = (JSON.parse(run.stdout) as DoctorOutput).checks.find((c) => c.name === `dns:${address}`);
      expect(check?.status).toBe('fail');
      expect(check?.detail).toMatch(/^does not offer recursion \(RA clear\).*\(SOA test: NOERROR\)$/);
      expect(run.code).toBe(1);
    } finally {
      await authoritative.stop();
    }
  });

  it('bad usage exits 2', async () => {
    expect((await doctor(['--dnsbl', 'not a zone'])).code).toBe(2);
    expect((await doctor(['--canary', 'a:b:c:99999'])).code).toBe(2);
    const notAnAddress = await doctor(['--egress-ip', 'notip']);
    expect(notAnAddress.code).toBe(2);
    expect(notAnAddress.stderr).toBe('mxv: --egress-ip: "notip" is not an IPv4 or IPv6 address\n');
  });
});
