import * as net from 'node:net';
import type { MxAnswer, StringAnswer } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictSchema } from '@mxv/schema';
import { startWorld, type World } from '../src/world.js';
import { demoWorldSpec } from '../src/worlds/demo-world.js';
import { bulkWorldSpec } from '../src/worlds/bulk-world.js';
import { createTestCa, type TestCa } from '../src/test-ca.js';
import { randomIpBlock } from '../src/loopback.js';
import { askTcp, askUdp } from './helpers/dns-client.js';
import { RawClient } from './helpers/raw-client.js';

function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), Number(hp.slice(i + 1))];
}

async function addressOf(world: World, name: string): Promise<string | null> {
  const [host, port] = splitHostPort(world.dns);
  const res = await askUdp(host, port, name, 'A');
  const a = res?.packet.answers?.find((r) => r.type === 'A') as StringAnswer | undefined;
  return a?.data ?? null;
}

/** Handles of kinds that keep the process alive (vitest's own pipes and timers excluded by diffing). */
function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa();
});

describe('demo world', () => {
  let world: World;
  const spec = demoWorldSpec();

  beforeAll(async () => {
    world = await startWorld(spec, { ca });
  });
  afterAll(async () => {
    await world.stop();
  });

  it('gives every verdict an example domain, each with an expectation', () => {
    const verdicts = new Set(spec.domains.map((d) => d.expect?.verdict));
    for (const v of verdictSchema.options) expect(verdicts).toContain(v);
    expect(spec.domains.every((d) => d.expect !== undefined)).toBe(true);
    expect(world.domains).toEqual(spec.domains.map((d) => d.name));
    expect(world.expectations.get('ok.test')?.verdict).toBe('ok');
    const statuses = new Set(spec.domains.flatMap((d) => d.expect?.hosts?.map((h) => h.connect) ?? []));
    for (const s of ['ok', 'refused', 'blocked']) expect(statuses).toContain(s);
    const tls = new Set(spec.domains.flatMap((d) => d.expect?.hosts?.map((h) => h.starttls) ?? []));
    for (const s of ['ok', 'failed', 'not_offered']) expect(tls).toContain(s);
  });

  it('resolves ok.test through the world resolver to hosts listening on the shared port', async () => {
    const [host, port] = splitHostPort(world.dns);
    const mx = (await askUdp(host, port, 'ok.test', 'MX'))!.packet.answers as MxAnswer[];
    expect(mx.map((a) => [a.data.preference, a.data.exchange])).toEqual([
      [10, 'mx1.ok.test'],
      [20, 'mx2.ok.test'],
    ]);
    const ip1 = await addressOf(world, 'mx1.ok.test');
    const ip2 = await addressOf(world, 'mx2.ok.test');
    expect(ip1).toBe(world.hostsById.get('ok-mx1')?.ip);
    expect(ip2).toBe(world.hostsById.get('ok-relay')?.ip);
    expect(ip1?.startsWith(`${world.ipBlock}.`)).toBe(true);

    const c = await RawClient.connect(ip1!, world.smtpPort);
    expect(await c.reply()).toBe('220 mx1.ok.test ESMTP mxv-testkit\r\n');
    c.send('EHLO t.test\r\n');
    expect(await c.reply()).toContain('STARTTLS');
    c.send('STARTTLS\r\n');
    await c.reply();
    const up = await c.startTls({ servername: 'mx1.ok.test', ca: [world.caCertPem] });
    expect(up.ok && up.socket.authorized).toBe(true);
    c.destroy();
    expect(world.hosts.get(ip1!)?.log.total).toBe(1);
  });

  it('puts every listening host on one port, and nobody at the refused addresses', async () => {
    const ports = new Set([...world.hosts.values()].map((h) => h.port));
    expect([...ports]).toEqual([world.smtpPort]);
    const refusedIp = world.hostsById.get('refused')!;
    expect(refusedIp.handle).toBeNull();
    expect(await addressOf(world, 'mx.refused.test')).toBe(refusedIp.ip);
    await expect(RawClient.connect(refusedIp.ip, world.smtpPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('plays the DNS behaviours of the spec', async () => {
    const [host, port] = splitHostPort(world.dns);
    expect((await askUdp(host, port, 'servfail.test', 'MX'))!.packet.rcode).toBe('SERVFAIL');
    expect(await askUdp(host, port, 'dns-timeout.test', 'MX', { timeoutMs: 200 })).toBeNull();
    expect((await askUdp(host, port, 'does-not-exist.test', 'MX'))!.packet.rcode).toBe('NXDOMAIN');
    const nodata = (await askUdp(host, port, 'no-mail-host.test', 'MX'))!.packet;
    expect([nodata.rcode, nodata.answers?.length]).toEqual(['NOERROR', 0]);
    expect((await askUdp(host, port, 'truncated-mx.test', 'MX', { edns: 1232 }))!.packet.flag_tc).toBe(true);
    expect((await askTcp(host, port, [['truncated-mx.test', 'MX']]))![0]!.answers).toHaveLength(2);
    // Only the MX question is truncated; the A of its exchange is not.
    expect((await askUdp(host, port, 'mx1.truncated-mx.test', 'A'))!.packet.flag_tc).toBe(false);
    const nullMx = (await askUdp(host, port, 'null-mx.test', 'MX'))!.packet.answers as MxAnswer[];
    expect(nullMx[0]?.data.exchange).toBe('.');
    expect(await addressOf(world, 'mx.blocked.test')).toBe('0.0.0.0');
  });

  it('shares one mail host between several domains', async () => {
    const [host, port] = splitHostPort(world.dns);
    const exchanges = await Promise.all(
      ['shop.test', 'blog.test', 'club.example'].map(
        async (d) => ((await askUdp(host, port, d, 'MX'))!.packet.answers as MxAnswer[])[0]?.data.exchange,
      ),
    );
    expect(new Set(exchanges)).toEqual(new Set(['mx.shared-hosting.example']));
  });

  it('allowNet covers the hosts and the resolver', () => {
    const [block] = world.allowNet;
    expect(block).toBe(`${world.ipBlock}.0.0/16`);
    const list = new net.BlockList();
    list.addSubnet(world.ipBlock + '.0.0', 16);
    for (const ip of world.hostsById.values()) expect(list.check(ip.ip)).toBe(true);
    expect(list.check(splitHostPort(world.dns)[0])).toBe(true);
  });
});

describe('world lifecycle', () => {
  it('stops cleanly: no handles left behind, addresses free again', async () => {
    const before = liveHandles();
    const world = await startWorld(demoWorldSpec(), { ca });
    const ip = world.hostsById.get('silent')!.ip;
    const c = await RawClient.connect(ip, world.smtpPort); // an open connection must not hold stop() up
    const t0 = Date.now();
    await world.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await c.waitClose(1000);
    await new Promise((r) => setTimeout(r, 20));
    const after = liveHandles();
    for (const kind of ['TCPServerWrap', 'TCPSocketWrap', 'UDPWrap', 'Timeout'])
      expect(after[kind] ?? 0).toBeLessThanOrEqual(before[kind] ?? 0);
    await expect(RawClient.connect(ip, world.smtpPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await world.stop(); // twice is fine
  });

  it('fails cleanly when a fixed SMTP port is taken at one of its addresses', async () => {
    const ipBlock = randomIpBlock();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, `${ipBlock}.1.3`, r));
    const port = (blocker.address() as net.AddressInfo).port;
    const before = liveHandles();
    try {
      await expect(startWorld({ ...demoWorldSpec({ ipBlock, smtpPort: port }) }, { ca })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
      await new Promise((r) => setTimeout(r, 20));
      const after = liveHandles();
      expect(after.TCPServerWrap ?? 0).toBeLessThanOrEqual(before.TCPServerWrap ?? 0);
      expect(after.UDPWrap ?? 0).toBeLessThanOrEqual(before.UDPWrap ?? 0);
    } finally {
      blocker.close();
    }
  });
});

describe('bulk world', () => {
  it('is deterministic for a seed and distributes domains as asked', () => {
    const a = bulkWorldSpec({ domains: 3000, hosts: 300, seed: 7 });
    const b = bulkWorldSpec({ domains: 3000, hosts: 300, seed: 7 });
    const c = bulkWorldSpec({ domains: 3000, hosts: 300, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.domains).toHaveLength(3000);
    expect(a.hosts).toHaveLength(300);
    const onBig = a.domains.filter((d) =>
      (a.records[d.name]?.[0] as { exchange: string }).exchange.endsWith('.bigmail.example'),
    ).length;
    expect(onBig / 3000).toBeGreaterThan(0.28);
    expect(onBig / 3000).toBeLessThan(0.39);
    const refused = a.hosts.filter((h) => h.refused).length;
    const slow = a.hosts.filter((h) => h.greetingDelayMs !== undefined).length;
    expect(refused).toBeGreaterThan(3);
    expect(slow).toBeGreaterThan(3);
    const unreachable = a.domains.filter((d) => d.expect?.verdict === 'unreachable').length;
    expect(unreachable).toBeGreaterThan(0);
  });

  it('starts 2,000 hosts in a few seconds and stops them', async () => {
    const t0 = Date.now();
    const world = await startWorld(bulkWorldSpec({ domains: 20_000, hosts: 2_000, seed: 3 }), { ca });
    const elapsed = Date.now() - t0;
    try {
      expect(elapsed).toBeLessThan(10_000);
      const refused = bulkWorldSpec({ domains: 20_000, hosts: 2_000, seed: 3 }).hosts.filter((h) => h.refused).length;
      expect(world.hosts.size).toBe(2_000 - refused);
      const big = world.hostsById.get('mx1.bigmail.example')!;
      const c = await RawClient.connect(big.ip, world.smtpPort);
      expect(await c.reply()).toMatch(/^220 mx1\.bigmail\.example /);
      c.send('STARTTLS\r\n');
      await c.reply();
      const up = await c.startTls({ servername: 'mx1.bigmail.example', ca: [world.caCertPem] });
      expect(up.ok && up.socket.authorized).toBe(true);
      c.destroy();
      expect(await addressOf(world, 'mx1.bigmail.example')).toBe(big.ip);
    } finally {
      await world.stop();
    }
  });
});
