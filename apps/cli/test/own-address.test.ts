import { describe, expect, it } from 'vitest';
import { checkResultSchema } from '@mxv/schema';
import { checkCommand } from '../src/commands/check-command.js';
import { workerCommand } from '../src/commands/worker-command.js';
import { probeOptionsFromFlags, type ProbeFlagValues } from '../src/options/probe-flags.js';
import { renderResultTable } from '../src/output/render-table.js';
import { CLI_MAIN } from './run-cli.js';
import { networkNamespaceUnavailable, runInNetworkNamespace } from './support/network-namespace.js';

/**
 * A mail host on the checker's own address (--own-addresses): mxv check in a network namespace of its
 * own, whose loopback interface also holds a public-looking address, as a load balancer's address sits
 * on lo (nothing in the namespace routes anywhere, so no packet can leave it, whatever the address). An
 * SMTP host listens on that address, in the same namespace, with the testkit's resolver on 127.0.0.1;
 * its connection log says whether mxv connected.
 */

const OWN_IP = '100.0.0.25';
const plain = { green: String, red: String, yellow: String, dim: String, bold: String, cyan: String };
const reason = networkNamespaceUnavailable();
if (reason !== null) console.warn(`own-address: skipped: ${reason}`);

/** In the namespace: the resolver and the SMTP host, then `mxv check` with these arguments. */
const CHILD = `
import { spawn } from 'node:child_process';
const { startDnsServer, startSmtpHost } = await import(process.env.TESTKIT);
const ip = process.env.OWN_IP;
const smtp = await startSmtpHost({ host: ip, port: 25, behaviour: 'esmtp', hostname: 'mx.self.test' });
const dns = await startDnsServer({ host: '127.0.0.1', port: 0, zones: ['test'], records: {
  'self.test': [{ type: 'MX', priority: 10, exchange: 'mx.self.test' }],
  'mx.self.test': [{ type: 'A', address: ip }],
} });
const args = JSON.parse(process.env.CHECK_ARGS).map((a) => a.replace('DNS', '127.0.0.1:' + dns.port));
const child = spawn(process.execPath, [process.env.CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '', err = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (err += d));
child.on('close', async (code) => {
  const connections = smtp.log.records.length;
  await dns.stop();
  await smtp.stop();
  process.stdout.write(JSON.stringify({ code, stdout: out, stderr: err, connections }));
});
`;

interface NamespaceRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Connections the SMTP host on the own address accepted. */
  connections: number;
}

function checkOnOwnAddress(args: string[], env: Record<string, string> = {}): Promise<NamespaceRun> {
  return runInNetworkNamespace<NamespaceRun>(`ip link set lo up && ip addr add ${OWN_IP}/32 dev lo`, CHILD, {
    CLI_MAIN,
    OWN_IP,
    CHECK_ARGS: JSON.stringify(args),
    ...env,
  });
}

describe('--own-addresses: its default per command', () => {
  it('a worker blocks them (the public API picks its targets); mxv check probes them, as an administrator on the server expects', () => {
    const optionsOf = (command: typeof checkCommand): boolean | undefined =>
      probeOptionsFromFlags(command().opts() as ProbeFlagValues).blockOwnAddresses;
    expect(optionsOf(workerCommand)).toBe(true);
    expect(optionsOf(checkCommand)).toBe(false);
  });
});

describe.skipIf(reason !== null)("a mail host on the checker's own address", () => {
  it('mxv check probes it by default: the host is reached and greets', async () => {
    const run = await checkOnOwnAddress(['check', '--json', '--dns', 'DNS', 'self.test']);
    expect(run.code, run.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(run.stdout.trim()));
    expect(result.hosts.map((h) => [h.ip, h.connect, h.banner?.code])).toEqual([[OWN_IP, 'ok', 220]]);
    expect(run.connections).toBe(1);
  });

  it('--own-addresses block: not connected to (connect blocked, error own_address, verdict unreachable); the table and stderr say why', async () => {
    const run = await checkOnOwnAddress(['check', '--json', '--own-addresses', 'block', '--dns', 'DNS', 'self.test']);
    expect(run.code, run.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(run.stdout.trim()));
    expect(result.verdict).toBe('unreachable');
    expect(result.hosts.map((h) => [h.ip, h.connect, h.error])).toEqual([[OWN_IP, 'blocked', 'own_address']]);
    expect(run.connections).toBe(0);
    expect(run.stderr).toContain("every mail host address is this machine's own (own_address)");
    expect(renderResultTable(result, plain)).toContain("this machine's own address, not probed (--allow-net)");
  });

  it('MXV_OWN_ADDRESSES=block does the same', async () => {
    const run = await checkOnOwnAddress(['check', '--json', '--dns', 'DNS', 'self.test'], { MXV_OWN_ADDRESSES: 'block' });
    const result = checkResultSchema.parse(JSON.parse(run.stdout.trim()));
    expect(result.hosts.map((h) => h.error)).toEqual(['own_address']);
    expect(run.connections).toBe(0);
  });

  it('blocked, but --allow-net naming the address probes it: the host is reached and greets', async () => {
    const run = await checkOnOwnAddress([
      'check',
      '--json',
      '--own-addresses',
      'block',
      '--dns',
      'DNS',
      '--allow-net',
      OWN_IP,
      'self.test',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = checkResultSchema.parse(JSON.parse(run.stdout.trim()));
    expect(result.verdict).toBe('ok');
    expect(result.hosts.map((h) => [h.ip, h.connect, h.banner?.code])).toEqual([[OWN_IP, 'ok', 220]]);
    expect(run.connections).toBe(1);
  });
});
