import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResultSchema, type CheckResult } from '@mxv/schema';
import { startWorld, worldProbeFlags, type World } from '@mxv/testkit';
import { renderResultTable } from '../src/output/render-table.js';
import { resultLines, runCli } from './run-cli.js';

const plain = { green: String, red: String, yellow: String, dim: String, bold: String, cyan: String };

const ZONE = 'bl.example';
let world: World;

function reversed(ip: string): string {
  return ip.split('.').reverse().join('.');
}

beforeAll(async () => {
  world = await startWorld({
    hosts: [
      { id: 'good', behaviour: 'no_starttls', ptr: ['mx.good.test'], hostname: 'MX.Good.test' },
      { id: 'liar', behaviour: 'no_starttls', ptr: ['mx.elsewhere.test'], hostname: 'mx.liar.test' },
      { id: 'bare', behaviour: 'no_starttls' },
    ],
    records: {
      'good.test': [{ type: 'MX', priority: 10, exchange: 'mx.good.test' }],
      'mx.good.test': [{ type: 'A', host: 'good' }],
      'also-good.test': [{ type: 'MX', priority: 10, exchange: 'mx.good.test' }],
      'liar.test': [{ type: 'MX', priority: 10, exchange: 'mx.liar.test' }],
      'mx.liar.test': [{ type: 'A', host: 'liar' }],
      'mx.elsewhere.test': [{ type: 'A', address: '192.0.2.77' }],
      'bare.test': [{ type: 'MX', priority: 10, exchange: 'mx.bare.test' }],
      'mx.bare.test': [{ type: 'A', host: 'bare' }],
    },
    domains: [],
  });
  const liar = world.hostsById.get('liar')?.ip as string;
  // RFC 5782 5: a list lists its test point 127.0.0.2 (and not 127.0.0.1), which a run asks to tell a working list.
  world.dnsServer.setRecords(`2.0.0.127.${ZONE}`, [{ type: 'A', address: '127.0.0.2' }]);
  world.dnsServer.setRecords(`${reversed(liar)}.${ZONE}`, [
    { type: 'A', address: '127.0.0.2' },
    { type: 'TXT', text: 'listed for testing' },
  ]);
});
afterAll(async () => {
  await world?.stop();
});

function flags(): string[] {
  return [...worldProbeFlags(world), '--timeout-ms', '1500', '--dns-timeout-ms', '500'];
}

describe('mxv check: PTR/FCrDNS and block lists per host address', () => {
  it('fills hosts[].ptr and hosts[].dnsbl, looking each address up once', async () => {
    world.dnsServer.clearLog();
    const run = await runCli([
      'check',
      '--json',
      ...flags(),
      '--dnsbl',
      ZONE,
      'good.test',
      'also-good.test',
      'liar.test',
      'bare.test',
    ]);
    expect(run.stderr).toBe('');
    const results = resultLines(run.stdout);
    const host = (result: CheckResult | undefined) => result?.hosts[0];
    const [good, alsoGood, liar, bare] = results;
    expect(host(good)?.ptr).toEqual({ names: ['mx.good.test'], fcrdns: 'pass' });
    expect(host(alsoGood)?.ptr).toEqual({ names: ['mx.good.test'], fcrdns: 'pass' });
    expect(host(liar)?.ptr).toEqual({ names: ['mx.elsewhere.test'], fcrdns: 'fail' });
    expect(host(bare)?.ptr).toEqual({ names: [], fcrdns: 'none' });
    expect(host(good)?.dnsbl).toEqual([{ zone: ZONE, status: 'not_listed', codes: [], reason: null }]);
    expect(host(liar)?.dnsbl).toEqual([{ zone: ZONE, status: 'listed', codes: ['127.0.0.2'], reason: 'listed for testing' }]);
    // Two domains share the good host: one PTR question for its address, one block-list question.
    const goodIp = world.hostsById.get('good')?.ip as string;
    const asked = (name: string, type: string) =>
      world.dnsServer.queryLog.filter((q) => q.name === name && q.type === type).length;
    expect(asked(`${reversed(goodIp)}.in-addr.arpa`, 'PTR')).toBe(1);
    expect(asked(`${reversed(goodIp)}.${ZONE}`, 'A')).toBe(1);
  });

  it('shows them in the table', async () => {
    const run = await runCli(['check', '--json', ...flags(), '--dnsbl', ZONE, 'liar.test', 'good.test']);
    const [liar, good] = resultLines(run.stdout).map((result) => renderResultTable(result, plain));
    const table = liar ?? '';
    expect(table).toContain('PTR mx.elsewhere.test FCrDNS fail · greets as mx.liar.test');
    // The good host greets with its PTR name (in other letter case): nothing to say.
    expect(good).toContain('PTR mx.good.test FCrDNS pass');
    expect(good).not.toContain('greets as');
    expect(table).toContain(`${ZONE} LISTED 127.0.0.2`);
  });

  it('--checks without ptr/dnsbl leaves them null', async () => {
    const run = await runCli(['check', '--json', ...flags(), '--dnsbl', ZONE, '--checks', 'dnssec', 'good.test']);
    const result = checkResultSchema.parse(JSON.parse(run.stdout));
    expect([result.hosts[0]?.ptr, result.hosts[0]?.dnsbl]).toEqual([null, null]);
  });

  it('no --dnsbl: dnsbl null', async () => {
    const run = await runCli(['check', '--json', ...flags(), 'good.test']);
    expect(checkResultSchema.parse(JSON.parse(run.stdout)).hosts[0]?.dnsbl).toBeNull();
  });

  it('a zone without its RFC 5782 test point (mistyped, or gone): every address "not listed", and a warning saying it means nothing', async () => {
    const run = await runCli(['check', '--json', ...flags(), '--dnsbl', 'bl.mistyped.test', 'good.test']);
    expect(checkResultSchema.parse(JSON.parse(run.stdout)).hosts[0]?.dnsbl).toEqual([
      { zone: 'bl.mistyped.test', status: 'not_listed', codes: [], reason: null },
    ]);
    expect(run.stderr).toContain('mxv: warning: --dnsbl bl.mistyped.test: test point 127.0.0.2 not listed (not_listed)');
    // The working list of the other tests gets no warning.
    const working = await runCli(['check', '--json', ...flags(), '--dnsbl', ZONE, 'good.test']);
    expect(working.stderr).toBe('');
  });

  it('a garbage zone is a usage error (exit 2)', async () => {
    const run = await runCli(['check', ...flags(), '--dnsbl', 'not a zone', 'good.test']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not a DNS zone name');
  });
});
