import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDmarc, checkSpf, defaultsOf, DNS_BOUNDS, POLICY_BOUNDS, StubResolver } from '@mxv/probe';
import { startWorld, type World } from '@mxv/testkit';

/** The policy checks over the simulated resolver's real wire answers: joined strings, TCP fallback, bounds. */
const bounds = defaultsOf(POLICY_BOUNDS);
const FIFTY = Array.from({ length: 50 }, (_, i) => (i === 0 ? 'v=spf1' : ` ip4:192.0.2.${i}`));
const TEN_KB = `v=spf1 ${'ip4:198.51.100.1 '.repeat(640)}-all`;

let world: World;
let resolver: StubResolver;

beforeAll(async () => {
  world = await startWorld({
    hosts: [],
    records: {
      'fifty.test': [{ type: 'TXT', text: [...FIFTY, ' -all'] }],
      // 10 KB in one record: 40 strings of at most 255 bytes, over TCP after a truncated UDP answer.
      'huge.test': [{ type: 'TXT', text: TEN_KB.match(/.{1,255}/gs) ?? [] }],
      'twenty.test': Array.from({ length: 20 }, (_, i) => ({ type: 'TXT' as const, text: `v=spf1 ip4:192.0.2.${i} -all` })),
      '_dmarc.garbage.test': [{ type: 'TXT', text: ['v=DMARC1; p=reject; ', '\u0001\u0002=;;x'] }],
    },
    domains: [],
  });
  const [host, port] = world.dns.split(':');
  resolver = new StubResolver({ servers: [{ host: host ?? '', port: Number(port) }], bounds: defaultsOf(DNS_BOUNDS) });
});

afterAll(async () => {
  await world?.stop();
});

describe('policy records over the wire', () => {
  it('joins the 50 strings of one TXT record into one SPF record (RFC 7208 3.3)', async () => {
    const spf = await checkSpf('fifty.test', resolver, bounds);
    expect(spf).toMatchObject({ status: 'valid', lookups: 0 });
    expect(spf.record).toBe(`${FIFTY.join('')} -all`);
  });

  it('a 10 KB record is read (over TCP) and refused by the size bound', async () => {
    expect(TEN_KB.length).toBeGreaterThan(10_000);
    expect(await checkSpf('huge.test', resolver, bounds)).toMatchObject({ status: 'permerror', error: 'txt_too_long' });
    expect(await checkSpf('huge.test', resolver, { ...bounds, maxTxtRecordBytes: 65_535 })).toMatchObject({ status: 'valid' });
  });

  it('20 SPF records are a permerror', async () => {
    expect(await checkSpf('twenty.test', resolver, bounds)).toMatchObject({ status: 'permerror', error: 'multiple_records' });
  });

  it('DMARC with garbage tags: bounded, and the garbage ignored as unknown tags, as OpenDMARC does (RFC 7489 6.3)', async () => {
    expect(await checkDmarc('garbage.test', resolver, bounds)).toMatchObject({ status: 'valid', policy: 'reject' });
  });
});
