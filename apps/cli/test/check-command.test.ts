import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAddress,
  demoWorldSpec,
  expectationMismatches,
  startSocks5Server,
  startWorld,
  worldProbeFlags,
  type World,
} from '@mxv/testkit';
import { resultLines, runCli } from './run-cli.js';

let world: World;
let caFile: string;

beforeAll(async () => {
  world = await startWorld(demoWorldSpec());
  caFile = join(mkdtempSync(join(tmpdir(), 'mxv-cli-test-')), 'ca.pem');
  writeFileSync(caFile, world.caCertPem);
});
afterAll(async () => {
  await world?.stop();
});

function worldFlags(): string[] {
  // Without --allow-net: each test opts the world's loopback block in itself, or shows that it is blocked.
  return [...worldProbeFlags(world, false), '--timeout-ms', '1500', '--dns-timeout-ms', '500'];
}

function totalConnections(): number {
  let total = 0;
  for (const host of world.hosts.values()) total += host.log.total;
  return total;
}

describe('mxv check --json against the simulated world', () => {
  it('reports every demo domain as the world expects, in input order, as contract JSON', async () => {
    const run = await runCli(['check', '--json', '--allow-net', world.allowNet.join(','), ...worldFlags(), ...world.domains], {
      env: { NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const results = resultLines(run.stdout);
    expect(results.map((r) => r.input)).toEqual(world.domains);
    const problems = results.flatMap((result) => {
      const expected = world.expectations.get(result.input);
      return expected ? expectationMismatches(result, expected).map((m) => `${result.input}: ${m}`) : [];
    });
    expect(problems).toEqual([]);
    // One verdict of each kind at least.
    expect(new Set(results.map((r) => r.verdict))).toEqual(
      new Set(['invalid', 'nxdomain', 'dns_error', 'null_mx', 'no_mail_host', 'unresolvable', 'unreachable', 'bad_banner', 'ok']),
    );
  });

  it('every result carries every contract field, the security ones null rather than omitted', async () => {
    const run = await runCli(
      ['check', '--json', '--checks', 'none', '--allow-net', world.allowNet.join(','), ...worldFlags(), 'ok.test', 'bad domain'],
      {
        env: { NODE_EXTRA_CA_CERTS: caFile },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const raw = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(raw).toHaveLength(2);
    for (const result of raw) {
      expect(Object.keys(result)).toEqual(expect.arrayContaining(['security', 'submission']));
      expect(result['security']).toEqual({ dane: null, mtaSts: null, tlsRpt: null, spf: null, dmarc: null });
      expect(result['submission']).toBeNull();
      expect(result['mx']).toHaveProperty('dnssec', null);
    }
    const hosts = raw[0]?.['hosts'] as Array<Record<string, unknown>>;
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) {
      expect(host).toMatchObject({ tlsMode: 'starttls', dane: null, mtaSts: null, ptr: null, dnsbl: null });
    }
  });

  it('--checks takes all, none or known names; anything else is a usage error (exit 2)', async () => {
    for (const bad of ['dane,nonsense', '', 'all,none', 'spf;dmarc']) {
      const run = await runCli(['check', '--checks', bad, ...worldFlags(), 'ok.test']);
      expect(run.code, bad).toBe(2);
      expect(run.stderr, bad).toMatch(
        /--checks takes all, none or a list of dnssec,dane,mta-sts,tls-rpt,spf,dmarc,ptr,dnsbl,submission/,
      );
    }
    const mixed = await runCli(['check', '--checks', 'all,none', ...worldFlags(), 'ok.test']);
    expect(mixed.stderr).toContain('got "all" inside a list (it stands alone)');
  });

  it('connects to nothing without --allow-net: loopback hosts are reported blocked', async () => {
    const before = totalConnections();
    const run = await runCli(['check', '--json', ...worldFlags(), 'ok.test', 'implicit-mx.test', 'shop.test']);
    expect(run.code).toBe(0);
    const results = resultLines(run.stdout);
    expect(results.map((r) => r.verdict)).toEqual(['unreachable', 'unreachable', 'unreachable']);
    for (const result of results) {
      expect(result.hosts.length).toBeGreaterThan(0);
      for (const host of result.hosts) expect(host).toMatchObject({ connect: 'blocked', error: 'blocked_address' });
    }
    expect(totalConnections()).toBe(before);
  });

  it('--ip-families 6 (MXV_IP_FAMILIES) on a world of IPv4 hosts: each listed as not probed, nothing connected to', async () => {
    const before = totalConnections();
    const run = await runCli(['check', '--json', ...worldFlags(), '--allow-net', '127.0.0.0/8', 'ok.test'], {
      env: { MXV_IP_FAMILIES: '6' },
    });
    expect(run.code, run.stderr).toBe(0);
    const [result] = resultLines(run.stdout);
    expect(result?.verdict).toBe('unreachable');
    expect(result?.hosts.length).toBeGreaterThan(0);
    for (const host of result?.hosts ?? []) expect(host).toMatchObject({ connect: 'blocked', error: 'ip_family_not_probed' });
    expect(totalConnections()).toBe(before);
  });

  it('--proxy: every connection goes through the SOCKS5 proxy, to addresses only; blocked ones never reach it', async () => {
    // The proxy lives at an address of the world's own block, beyond its hosts.
    const proxy = await startSocks5Server({ host: blockAddress(world.ipBlock, 60_000), behaviour: { kind: 'relay' } });
    try {
      const before = totalConnections();
      const allowed = await runCli(
        ['check', '--json', '--allow-net', world.allowNet.join(','), '--proxy', proxy.url, ...worldFlags(), 'ok.test'],
        { env: { NODE_EXTRA_CA_CERTS: caFile } },
      );
      expect(allowed.code).toBe(0);
      const [result] = resultLines(allowed.stdout);
      expect(result?.verdict).toBe('ok');
      const probed = result?.hosts.filter((h) => h.connect === 'ok') ?? [];
      expect(probed.length).toBeGreaterThan(0);
      expect(proxy.requests).toEqual(expect.arrayContaining(probed.map((h) => `${h.ip}:${h.port}`)));
      expect(proxy.requests.every((r) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(r))).toBe(true);
      expect(proxy.connections).toBe(totalConnections() - before);

      // The MTA-STS policy host is the domain's server too: fetched through the proxy, never directly.
      const policyAddresses = new Set([...world.policyServers.values()].map((server) => `${server.host}:${server.port}`));
      const policyConnections = (): number =>
        [...world.policyServers.values()].reduce((sum, server) => sum + server.connections, 0);
      const policyBefore = policyConnections();
      const proxiedBefore = proxy.requests.length;
      const withPolicy = await runCli(
        ['check', '--json', '--allow-net', world.allowNet.join(','), '--proxy', proxy.url, ...worldFlags(), 'policies-ok.test'],
        { env: { NODE_EXTRA_CA_CERTS: caFile } },
      );
      expect(resultLines(withPolicy.stdout)[0]?.security.mtaSts?.status, withPolicy.stderr).toBe('valid');
      const proxiedPolicy = proxy.requests.slice(proxiedBefore).filter((request) => policyAddresses.has(request));
      expect(proxiedPolicy).toHaveLength(1);
      expect(policyConnections() - policyBefore).toBe(1);

      const seen = proxy.connections;
      const blocked = await runCli(['check', '--json', '--proxy', proxy.url, ...worldFlags(), 'ok.test']);
      expect(resultLines(blocked.stdout)[0]?.verdict).toBe('unreachable');
      expect(proxy.connections).toBe(seen);
    } finally {
      await proxy.stop();
    }
  });

  it('--proxy down: the hosts are not reported refused or timed out, but as the proxy failing', async () => {
    const run = await runCli([
      'check',
      '--json',
      '--allow-net',
      world.allowNet.join(','),
      '--proxy',
      `socks5://${blockAddress(world.ipBlock, 60_001)}:9`,
      ...worldFlags(),
      'ok.test',
    ]);
    expect(run.code).toBe(0);
    const [result] = resultLines(run.stdout);
    expect(result?.hosts.map((h) => [h.connect, h.error])).toEqual(result?.hosts.map(() => ['error', 'proxy_unreachable']));
  });

  it('reads --file and stdin, skipping blanks and comments, keeping empty arguments as invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxv-cli-list-'));
    const file = join(dir, 'domains.txt');
    writeFileSync(file, '# a comment\n\nnull-mx.test\n  NXDOMAIN.TEST.  \n');
    const fromFile = await runCli(['check', '--json', ...worldFlags(), '', '--file', file]);
    expect(fromFile.code).toBe(0);
    const results = resultLines(fromFile.stdout);
    expect(results.map((r) => [r.input, r.domain, r.verdict])).toEqual([
      ['', '', 'invalid'],
      ['null-mx.test', 'null-mx.test', 'null_mx'],
      ['NXDOMAIN.TEST.', 'nxdomain.test', 'nxdomain'],
    ]);
    const fromStdin = await runCli(['check', '--json', ...worldFlags(), '--file', '-'], {
      stdin: 'null-mx.test\n#x\nuser@Null-MX.test\n',
    });
    expect(resultLines(fromStdin.stdout).map((r) => [r.domain, r.verdict])).toEqual([
      ['null-mx.test', 'null_mx'],
      ['null-mx.test', 'null_mx'],
    ]);
  });

  it('prints a readable table when asked for no JSON on a terminal-less run? no: NDJSON when piped', async () => {
    const run = await runCli(['check', ...worldFlags(), 'null-mx.test']);
    expect(() => JSON.parse(run.stdout.trim())).not.toThrow();
  });
});

describe('mxv check usage', () => {
  it.each([
    [['check'], 'give at least one domain'],
    [['check', '--smtp-port', 'abc', 'a.test'], '--smtp-port must be a whole number'],
    [['check', '--allow-net', '10.0.0.0/99', 'a.test'], '--allow-net'],
    [['check', '--dns', 'not a server', 'a.test'], '--dns'],
    [['check', '--dns-questions-per-socket', '0', 'a.test'], '--dns-questions-per-socket must be a whole number from 1 to 1024'],
    [['check', '--no-such-flag', 'a.test'], 'unknown option'],
    [['check', '--ports', '0', 'a.test'], '--ports takes a list like 25,587,465 (N/tls: implicit TLS): port 0 is out of range'],
    [['check', '--ports', '25,65536', 'a.test'], 'port 65536 is out of range'],
    [['check', '--ports', '25,587,25', 'a.test'], 'port 25 is listed twice'],
    [['check', '--ports', '25/tls', 'a.test'], 'port 25 is relay: TLS there is STARTTLS only'],
    [['check', '--ports', 'smtp,submission', 'a.test'], '"smtp" is not a port'],
    [['check', '--ports', ',', 'a.test'], '(N/tls: implicit TLS): an empty list'],
    [['check', '--ports', '25', '--smtp-port', '25', 'a.test'], 'not both'],
    [['check', '--proxy', 'socks5://127.0.0.1', 'a.test'], '--proxy: no proxy port'],
    [['check', '--proxy', 'socks5://127.0.0.1:0', 'a.test'], '--proxy: the proxy port must be 1 to 65535'],
    [['check', '--proxy', 'http://127.0.0.1:3128', 'a.test'], '--proxy: http proxies are not supported'],
    [['frobnicate'], 'unknown command'],
    [['check', '--file', '/nonexistent/domains.txt'], '--file "/nonexistent/domains.txt": cannot be read (no such file)'],
    [['check', '--file', '/'], '--file "/": is a directory'],
    [['check', '--ip-families', '5', 'a.test'], '--ip-families / MXV_IP_FAMILIES: "5" is not 4 or 6'],
    [['check', '--ip-families', ',', 'a.test'], '--ip-families / MXV_IP_FAMILIES names no IP version'],
    [['check', '--mta-sts-timeout-ms', '50', 'a.test'], '--mta-sts-timeout-ms'],
    [['check', '--mta-sts-timeout-ms', '1e9', 'a.test'], '--mta-sts-timeout-ms'],
    // A name EHLO could not carry: a space, CR LF (a second command), nothing at all.
    [['check', '--helo-name', 'bad name', 'a.test'], '--helo-name / MXV_HELO_NAME must be a domain name'],
    [['check', '--helo-name', 'x\r\nMAIL FROM:<a@b.test>', 'a.test'], '--helo-name / MXV_HELO_NAME must be a domain name'],
    [['check', '--helo-name', '', 'a.test'], '--helo-name / MXV_HELO_NAME must be a domain name'],
  ])('%j exits 2 with a message', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('a bad value from an environment variable: the message names the variable beside the flag', async () => {
    const concurrency = await runCli(['check', 'a.test'], { env: { MXV_CONCURRENCY: 'abc' } });
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toBe(
      'mxv: --concurrency (from MXV_CONCURRENCY) must be a whole number from 1 to 10000, got "abc"\n',
    );
    const proxy = await runCli(['check', 'a.test'], { env: { MXV_PROXY: 'http://user:hunter2@127.0.0.1:3128' } });
    expect(proxy.stderr).toContain('--proxy (from MXV_PROXY): http proxies are not supported');
    expect(proxy.stderr).not.toContain('hunter2');
    // Typed on the command line, the flag alone, as before; a message naming the variable already is left as it is.
    expect((await runCli(['check', '--concurrency', 'abc', 'a.test'])).stderr).toContain('mxv: --concurrency must be');
    const families = await runCli(['check', 'a.test'], { env: { MXV_IP_FAMILIES: '5' } });
    expect(families.stderr).toContain('mxv: --ip-families / MXV_IP_FAMILIES: "5" is not 4 or 6');
  });

  it('proxy credentials appear neither in a usage error nor in --help', async () => {
    const bad = await runCli(['check', '--proxy', 'https://user:hunter2@127.0.0.1:3128', 'a.test']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--proxy');
    expect(bad.stderr + bad.stdout).not.toContain('hunter2');
    const help = await runCli(['check', '--help'], { env: { MXV_PROXY: 'socks5://user:hunter2@127.0.0.1:1080' } });
    expect(help.stdout).toContain('--proxy');
    expect(help.stdout).not.toContain('hunter2');
  });

  it('--version and --help exit 0', async () => {
    expect((await runCli(['--version'])).code).toBe(0);
    const help = await runCli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--allow-net');
  });
});
