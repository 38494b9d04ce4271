import * as dnsPacket from 'dns-packet';
import type { Answer, MxAnswer, SoaAnswer, StringAnswer } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../src/dns-server.js';
import { blockAddress, randomIpBlock } from '../src/loopback.js';
import type { ZoneRecord } from '../src/dns-records.js';
import { askTcp, askUdp, sendUdpRaw } from './helpers/dns-client.js';

const host = blockAddress(randomIpBlock(), 53);

const bigMx: ZoneRecord[] = Array.from({ length: 1000 }, (_, i) => ({ type: 'MX', priority: i, exchange: `mx${i}.big.test` }));

let dns: DnsServer;

beforeAll(async () => {
  dns = await startDnsServer({
    host,
    port: 0,
    records: {
      'ok.test': [
        { type: 'MX', priority: 10, exchange: 'mx1.ok.test', ttl: 3600 },
        { type: 'MX', priority: 20, exchange: 'mx2.ok.test' },
        { type: 'TXT', text: 'v=spf1 -all' },
      ],
      'mx1.ok.test': [{ type: 'A', address: '127.1.2.3', ttl: 120 }],
      'mx2.ok.test': [{ type: 'CNAME', target: 'alias1.ok.test' }],
      'alias1.ok.test': [{ type: 'CNAME', target: 'real.ok.test' }],
      'real.ok.test': [
        { type: 'A', address: '127.1.2.4' },
        { type: 'AAAA', address: '::1' },
      ],
      'dangling.ok.test': [{ type: 'CNAME', target: 'nowhere.ok.test' }],
      'loop-a.test': [{ type: 'CNAME', target: 'loop-b.test' }],
      'loop-b.test': [{ type: 'CNAME', target: 'loop-a.test' }],
      'nullmx.test': [{ type: 'MX', priority: 0, exchange: '.' }],
      'nodata.test': [],
      'deep.sub.ent.test': [{ type: 'A', address: '127.9.9.9' }],
      'big.test': bigMx,
      'trunc.test': [{ type: 'MX', priority: 10, exchange: 'mx.trunc.test' }],
      '_25._tcp.mx1.ok.test': [{ type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
    },
    behaviours: { 'trunc.test': { truncate: true } },
  });
});

afterAll(async () => {
  await dns.stop();
});

function names(answers: Answer[] | undefined): string[] {
  return (answers ?? []).map((a) => `${a.name} ${a.type}`);
}

describe('DNS server', () => {
  it('binds UDP and TCP on one port and reports host:port', async () => {
    expect(dns.port).toBeGreaterThan(0);
    expect(dns.address).toBe(`${host}:${dns.port}`);
    const udp = await askUdp(host, dns.port, 'ok.test', 'MX');
    const tcp = await askTcp(host, dns.port, [['ok.test', 'MX']]);
    expect(udp?.packet.answers).toHaveLength(2);
    expect(tcp?.[0]?.answers).toHaveLength(2);
  });

  it('answers MX with RA set, RD echoed, per-record TTLs and the default TTL', async () => {
    const res = await askUdp(host, dns.port, 'OK.test', 'MX');
    const p = res!.packet;
    expect(p.rcode).toBe('NOERROR');
    expect(p.flag_ra).toBe(true);
    expect(p.flag_rd).toBe(true);
    expect(p.flag_tc).toBe(false);
    const mx = p.answers as MxAnswer[];
    expect(mx.map((a) => [a.name, a.ttl, a.data.preference, a.data.exchange])).toEqual([
      ['OK.test', 3600, 10, 'mx1.ok.test'],
      ['OK.test', 300, 20, 'mx2.ok.test'],
    ]);
    const noRd = await askUdp(host, dns.port, 'ok.test', 'MX', { rd: false });
    expect(noRd!.packet.flag_rd).toBe(false);
  });

  it('tells NXDOMAIN from NODATA, both with the SOA in authority', async () => {
    const nx = (await askUdp(host, dns.port, 'missing.ok.test', 'MX'))!.packet;
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.answers).toEqual([]);
    expect(names(nx.authorities)).toEqual(['test SOA']);
    expect((nx.authorities?.[0] as SoaAnswer).data.minimum).toBe(60);

    const nodata = (await askUdp(host, dns.port, 'mx1.ok.test', 'MX'))!.packet;
    expect(nodata.rcode).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    expect(names(nodata.authorities)).toEqual(['test SOA']);

    const empty = (await askUdp(host, dns.port, 'nodata.test', 'A'))!.packet;
    expect([empty.rcode, empty.answers?.length]).toEqual(['NOERROR', 0]);

    // RFC 8020: a name with descendants exists even without records of its own.
    const ent = (await askUdp(host, dns.port, 'sub.ent.test', 'A'))!.packet;
    expect([ent.rcode, ent.answers?.length]).toEqual(['NOERROR', 0]);
  });

  it('refuses names under no known zone, but says NXDOMAIN for an IP address asked as a name', async () => {
    const p = (await askUdp(host, dns.port, 'example.com', 'MX'))!.packet;
    expect(p.rcode).toBe('REFUSED');
    const lit = (await askUdp(host, dns.port, '127.0.0.1', 'A'))!.packet;
    expect(lit.rcode).toBe('NXDOMAIN');
    expect(names(lit.authorities)).toEqual(['. SOA']);
  });

  it('follows CNAME chains and puts the chain in the answer', async () => {
    const p = (await askUdp(host, dns.port, 'mx2.ok.test', 'A'))!.packet;
    expect(p.rcode).toBe('NOERROR');
    expect(names(p.answers)).toEqual(['mx2.ok.test CNAME', 'alias1.ok.test CNAME', 'real.ok.test A']);
    expect((p.answers?.[2] as StringAnswer).data).toBe('127.1.2.4');

    const v6 = (await askUdp(host, dns.port, 'mx2.ok.test', 'AAAA'))!.packet;
    expect((v6.answers?.at(-1) as StringAnswer).data).toBe('::1');

    // Asking for the CNAME itself does not follow it.
    const c = (await askUdp(host, dns.port, 'mx2.ok.test', 'CNAME'))!.packet;
    expect(names(c.answers)).toEqual(['mx2.ok.test CNAME']);
  });

  it('gives NXDOMAIN with the chain for a CNAME to nowhere (RFC 6604)', async () => {
    const p = (await askUdp(host, dns.port, 'dangling.ok.test', 'A'))!.packet;
    expect(p.rcode).toBe('NXDOMAIN');
    expect(names(p.answers)).toEqual(['dangling.ok.test CNAME']);
  });

  it('ends a CNAME loop with the partial chain and NOERROR', async () => {
    const p = (await askUdp(host, dns.port, 'loop-a.test', 'A'))!.packet;
    expect(p.rcode).toBe('NOERROR');
    expect(names(p.answers)).toEqual(['loop-a.test CNAME', 'loop-b.test CNAME']);
  });

  it('bounds a long chain at maxCnameHops, or answers SERVFAIL when told to', async () => {
    const records: Record<string, ZoneRecord[]> = {};
    for (let i = 0; i < 20; i++) records[`c${i}.chain.test`] = [{ type: 'CNAME', target: `c${i + 1}.chain.test` }];
    records['c20.chain.test'] = [{ type: 'A', address: '127.0.0.9' }];
    const partial = await startDnsServer({ host, port: 0, records, maxCnameHops: 8 });
    const strict = await startDnsServer({ host, port: 0, records, maxCnameHops: 8, onCnameLimit: 'servfail' });
    try {
      const p = (await askUdp(host, partial.port, 'c0.chain.test', 'A'))!.packet;
      expect(p.rcode).toBe('NOERROR');
      expect(p.answers).toHaveLength(8);
      expect(p.answers?.every((a) => a.type === 'CNAME')).toBe(true);
      const s = (await askUdp(host, strict.port, 'c0.chain.test', 'A'))!.packet;
      expect(s.rcode).toBe('SERVFAIL');
      const shortChain = (await askUdp(host, strict.port, 'c15.chain.test', 'A'))!.packet;
      expect(names(shortChain.answers).at(-1)).toBe('c20.chain.test A');
    } finally {
      await partial.stop();
      await strict.stop();
    }
  });

  it('encodes the null MX (RFC 7505) and TLSA records', async () => {
    const p = (await askUdp(host, dns.port, 'nullmx.test', 'MX'))!.packet;
    const mx = p.answers?.[0] as MxAnswer;
    expect(mx.data).toEqual({ preference: 0, exchange: '.' });
    const t = (await askUdp(host, dns.port, '_25._tcp.mx1.ok.test', 'TLSA'))!.packet;
    expect(t.answers?.[0]?.type).toBe('TLSA');
  });

  it('truncates over UDP (TC=1, no records) for a truncate name and answers fully over TCP', async () => {
    const udp = (await askUdp(host, dns.port, 'trunc.test', 'MX', { edns: 1232 }))!.packet;
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const tcp = (await askTcp(host, dns.port, [['trunc.test', 'MX']]))![0]!;
    expect(tcp.flag_tc).toBe(false);
    expect(names(tcp.answers)).toEqual(['trunc.test MX']);
  });

  it('serves 1,000 MX records only over TCP, respecting the EDNS size or 512', async () => {
    const withEdns = await askUdp(host, dns.port, 'big.test', 'MX', { edns: 1232 });
    expect(withEdns!.packet.flag_tc).toBe(true);
    expect(withEdns!.bytes).toBeLessThanOrEqual(1232);
    const plain = await askUdp(host, dns.port, 'big.test', 'MX');
    expect(plain!.packet.flag_tc).toBe(true);
    expect(plain!.bytes).toBeLessThanOrEqual(512);
    const tcp = (await askTcp(host, dns.port, [['big.test', 'MX']]))![0]!;
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(1000);
    expect((tcp.answers?.[999] as MxAnswer).data.exchange).toBe('mx999.big.test');
  });

  it('uses the EDNS size: an answer over 512 but under 1232 fits UDP only with EDNS', async () => {
    dns.setRecords('mid.test', bigMx.slice(0, 20));
    const plain = (await askUdp(host, dns.port, 'mid.test', 'MX'))!.packet;
    expect(plain.flag_tc).toBe(true);
    const edns = await askUdp(host, dns.port, 'mid.test', 'MX', { edns: 1232 });
    expect(edns!.packet.flag_tc).toBe(false);
    expect(edns!.bytes).toBeGreaterThan(512);
    expect(edns!.packet.answers).toHaveLength(20);
    expect(edns!.packet.additionals?.some((a) => a.type === 'OPT')).toBe(true);
    expect(plain.additionals?.some((a) => a.type === 'OPT')).toBe(false);
  });

  it('answers several pipelined questions on one TCP connection', async () => {
    const res = await askTcp(host, dns.port, [
      ['ok.test', 'MX'],
      ['mx1.ok.test', 'A'],
      ['missing.test', 'A'],
    ]);
    expect(res?.map((p) => p.rcode)).toEqual(['NOERROR', 'NOERROR', 'NXDOMAIN']);
  });

  it('plays servfail, refused, timeout, delay and ttl0, and changes at run time', async () => {
    dns.setRecords('flaky.test', [{ type: 'MX', priority: 5, exchange: 'mx.flaky.test', ttl: 900 }]);
    expect((await askUdp(host, dns.port, 'flaky.test', 'MX'))!.packet.rcode).toBe('NOERROR');

    dns.setBehaviour('flaky.test', { fail: 'servfail' });
    expect((await askUdp(host, dns.port, 'flaky.test', 'MX'))!.packet.rcode).toBe('SERVFAIL');
    dns.setBehaviour('flaky.test', { fail: 'refused' });
    expect((await askUdp(host, dns.port, 'flaky.test', 'MX'))!.packet.rcode).toBe('REFUSED');

    dns.setBehaviour('flaky.test', { fail: 'timeout' });
    expect(await askUdp(host, dns.port, 'flaky.test', 'MX', { timeoutMs: 300 })).toBeNull();
    expect(await askTcp(host, dns.port, [['flaky.test', 'MX']], { timeoutMs: 300 })).toBeNull();

    dns.setBehaviour('flaky.test', { delayMs: 250, ttl0: true });
    const t0 = Date.now();
    const slow = (await askUdp(host, dns.port, 'flaky.test', 'MX'))!.packet;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    // The answer to an MX question is an MX record (Answer's union also has OPT, which has no ttl).
    expect((slow.answers?.[0] as MxAnswer | undefined)?.ttl).toBe(0);

    // A behaviour limited to some types leaves the others alone.
    dns.setBehaviour('flaky.test', { fail: 'servfail', types: ['AAAA'] });
    expect((await askUdp(host, dns.port, 'flaky.test', 'MX'))!.packet.rcode).toBe('NOERROR');
    expect((await askUdp(host, dns.port, 'flaky.test', 'AAAA'))!.packet.rcode).toBe('SERVFAIL');

    dns.setBehaviour('flaky.test', null);
    dns.setRecords('flaky.test', null);
    expect((await askUdp(host, dns.port, 'flaky.test', 'MX'))!.packet.rcode).toBe('NXDOMAIN');
  });

  it('fails a CNAME chain that passes through a failing name', async () => {
    dns.setRecords('via.test', [{ type: 'CNAME', target: 'broken.test' }]);
    dns.setBehaviour('broken.test', { fail: 'servfail' });
    expect((await askUdp(host, dns.port, 'via.test', 'A'))!.packet.rcode).toBe('SERVFAIL');
  });

  it('answers FORMERR to a message it cannot parse, keeping the ID', async () => {
    const junk = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65]);
    const buf = await sendUdpRaw(host, dns.port, junk, 1000);
    expect(buf).not.toBeNull();
    const p = dnsPacket.decode(buf!) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
    expect(p.id).toBe(0xbeef);
    expect(p.rcode).toBe('FORMERR');
  });

  it('keeps a query log with name, type, transport, asker and outcome', async () => {
    dns.clearLog();
    const before = dns.queryCount();
    await askUdp(host, dns.port, 'ok.test', 'MX');
    await askTcp(host, dns.port, [['mx1.ok.test', 'A']]);
    await askUdp(host, dns.port, 'trunc.test', 'MX');
    expect(dns.queryCount() - before).toBe(3);
    expect(dns.queryLog.map((e) => [e.name, e.type, e.transport, e.outcome])).toEqual([
      ['ok.test', 'MX', 'udp', 'NOERROR'],
      ['mx1.ok.test', 'A', 'tcp', 'NOERROR'],
      ['trunc.test', 'MX', 'udp', 'TC'],
    ]);
    expect(dns.queryLog[0]?.from).toMatch(/^127\.0\.0\.1:\d+$|^127\.\d+\.\d+\.\d+:\d+$/);
  });

  it('can bind a fixed port and refuses a taken one', async () => {
    await expect(startDnsServer({ host, port: dns.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
