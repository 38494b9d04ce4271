import * as net from 'node:net';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World, type WorldRecord, type WorldSpec } from '@mxv/testkit';
import { worldEngine, type WorldEngine } from './support/world-engine.js';

/**
 * Issue 6, "Address policy", the real thing: listening servers on loopback, a
 * resolver that points mail at them in every address form, and the engine with
 * the default policy. Nothing may reach them; then, with --allow-net, the same
 * servers are reached (so the zero is the policy's doing, not a broken setup).
 */

let world: World;
let plain: net.Server;
let plainIp: string;
let plainConnections = 0;

function v4Parts(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The same IPv4 address as IPv4-mapped and IPv4-compatible IPv6, and in the NAT64 well-known prefix. */
function v6Forms(ip: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4Parts(ip);
  const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return [`::ffff:${ip}`, `::ffff:${hex}`, `64:ff9b::${hex}`, `::${hex}`];
}

async function listenPlain(port: number): Promise<void> {
  // 127.0.0.x: where ordinary local services live, the SSRF target that matters most.
  for (let attempt = 0; attempt < 20; attempt++) {
    plainIp = `127.0.0.${randomInt(2, 254)}`;
    plain = net.createServer((socket) => {
      plainConnections++;
      socket.destroy();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        plain.once('error', reject);
        plain.listen(port, plainIp, () => resolve());
      });
      return;
    } catch {
      plain.close();
    }
  }
  throw new Error('no free 127.0.0.x address for the plain listener');
}

function spec(): WorldSpec {
  const records: Record<string, WorldRecord[]> = {
    'mx.a.test': [{ type: 'A', host: 'h1' }],
    'a.test': [{ type: 'MX', priority: 10, exchange: 'mx.a.test' }],
    // No MX: the implicit MX (RFC 5321 5.1) is the domain's own address.
    'implicit.test': [{ type: 'A', host: 'h2' }],
  };
  return {
    hosts: [
      { id: 'h1', behaviour: 'esmtp', hostname: 'mx.a.test' },
      { id: 'h2', behaviour: 'esmtp', hostname: 'implicit.test' },
    ],
    records,
    domains: [],
  };
}

/** The engine with its own in-process host cache, as `mxv check` runs it, with this --allow-net (and --ip-families). */
function engine(allowNet: string[], ipFamilies?: Array<4 | 6>): WorldEngine {
  return worldEngine(world, {
    allowNet,
    ...(ipFamilies ? { ipFamilies } : {}),
    smtp: { port: world.smtpPort, hostBudgetMs: 2000, connectTimeoutMs: 300, greetingTimeoutMs: 500, replyTimeoutMs: 500 },
    dns: { queryTimeoutMs: 500 },
    route: { maxAddressesPerHost: 8, maxHostsPerDomain: 64 },
  });
}

function connectionsSeen(): number {
  return [...world.hosts.values()].reduce((n, h) => n + h.log.total, 0) + plainConnections;
}

beforeAll(async () => {
  world = await startWorld(spec());
  await listenPlain(world.smtpPort);
  const h1 = world.hostsById.get('h1')?.ip as string;
  // Every address form of the live hosts and of the plain listener, as A and AAAA records.
  const forms = (ip: string) => [
    { type: 'A' as const, address: ip },
    ...v6Forms(ip).map((address) => ({ type: 'AAAA' as const, address })),
  ];
  world.dnsServer.setRecords('mx.forms.test', [...forms(h1), ...forms(plainIp)]);
  world.dnsServer.setRecords('forms.test', [{ type: 'MX', priority: 10, exchange: 'mx.forms.test' }]);
  world.dnsServer.setRecords('mx.local.test', [{ type: 'A', address: plainIp }]);
  world.dnsServer.setRecords('local.test', [{ type: 'MX', priority: 10, exchange: 'mx.local.test' }]);
});

afterAll(async () => {
  plain?.close();
  await world?.stop();
});

describe('address policy on real loopback listeners', () => {
  it('the default policy: every host blocked, zero connections seen by any listener', async () => {
    const strict = engine([]);
    for (const domain of ['a.test', 'implicit.test', 'forms.test', 'local.test']) {
      const result = await strict.check(domain);
      expect(result.hosts.length, domain).toBeGreaterThan(0);
      for (const host of result.hosts) {
        expect([host.ip, host.connect, host.error, host.timingsMs.connect]).toEqual([
          host.ip,
          'blocked',
          'blocked_address',
          null,
        ]);
      }
      expect(result.verdict).toBe('unreachable');
      expect(result.checks.smtpReachable).toBe(false);
    }
    // Give a stray SYN the time to arrive before counting.
    await new Promise((r) => setTimeout(r, 100));
    expect(connectionsSeen()).toBe(0);
  });

  it('every form of the addresses was put to the policy (mapped, compatible, NAT64)', async () => {
    const ips = (await engine([]).check('forms.test')).hosts.map((h) => h.ip);
    const h1 = world.hostsById.get('h1')?.ip as string;
    // Per listener: the IPv4 address, one IPv4-mapped address (both spellings are the same
    // address, kept once), the NAT64 form and the IPv4-compatible form.
    expect(ips).toHaveLength(8);
    expect(ips).toEqual(expect.arrayContaining([h1, plainIp]));
    expect(ips.filter((ip) => ip.toLowerCase().startsWith('::ffff:'))).toHaveLength(2);
    expect(ips.filter((ip) => ip.toLowerCase().startsWith('64:ff9b::'))).toHaveLength(2);
    expect(ips.filter((ip) => /^::[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(ip))).toHaveLength(2);
    expect(connectionsSeen()).toBe(0);
  });

  it('--allow-net 127.0.0.0/8 lets the same engine reach the same listeners', async () => {
    const open = engine(['127.0.0.0/8']);
    const a = await open.check('a.test');
    const local = await open.check('local.test');
    expect(a.verdict).toBe('ok');
    expect(local.hosts[0]?.connect).toBe('ok');
    expect(world.hostsById.get('h1')?.handle?.log.total).toBe(1);
    expect(plainConnections).toBe(1);
  });

  it('--ip-families 4: an IPv6 address listed, not tried (ip_family_not_probed), the IPv4 one probed; 6: the other way round', async () => {
    // Its AAAA is the IPv4-mapped form of its A (::ffff:127.x): were it tried, it would stay on loopback.
    const h1 = world.hostsById.get('h1')?.ip as string;
    world.dnsServer.setRecords('mx.dual.test', [
      { type: 'A', address: h1 },
      { type: 'AAAA', address: `::ffff:${h1}` },
    ]);
    world.dnsServer.setRecords('dual.test', [{ type: 'MX', priority: 10, exchange: 'mx.dual.test' }]);
    const open = ['127.0.0.0/8'];
    const before = world.hostsById.get('h1')?.handle?.log.total ?? 0;
    const v4Only = await engine(open, [4]).check('dual.test');
    expect(v4Only.verdict).toBe('ok');
    expect(v4Only.hosts).toHaveLength(2);
    expect(world.hostsById.get('h1')?.handle?.log.total).toBe(before + 1);
    for (const host of v4Only.hosts) {
      if (host.ip.includes(':')) {
        expect([host.ip, host.connect, host.error, host.timingsMs.connect]).toEqual([
          host.ip,
          'blocked',
          'ip_family_not_probed',
          null,
        ]);
      } else {
        expect([host.ip, host.connect]).toEqual([host.ip, 'ok']);
      }
    }
    const plainBefore = plainConnections;
    const v6Only = await engine(open, [6]).check('local.test');
    // Its one address is IPv4: nothing tried, and nothing reached.
    expect(v6Only.hosts.map((h) => [h.connect, h.error])).toEqual([['blocked', 'ip_family_not_probed']]);
    expect(v6Only.verdict).toBe('unreachable');
    expect(plainConnections).toBe(plainBefore);
  });

  it('an allow entry for one /32 opens that address only', async () => {
    const before = connectionsSeen();
    const h2 = world.hostsById.get('h2')?.ip as string;
    const narrow = engine([`${h2}/32`]);
    const a = await narrow.check('a.test');
    const implicit = await narrow.check('implicit.test');
    expect(a.hosts.every((h) => h.connect === 'blocked')).toBe(true);
    expect(implicit.verdict).toBe('ok');
    expect(connectionsSeen()).toBe(before + 1);
  });
});
