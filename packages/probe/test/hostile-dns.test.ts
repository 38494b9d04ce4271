import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '@mxv/schema';
import { SchedulingSlack, startWorld, type World, type WorldRecord, type WorldSpec } from '@mxv/testkit';
import { worldEngine, type WorldEngine } from './support/world-engine.js';

/**
 * Issue 6, "Hostile DNS": through the whole engine (stub resolver → mail route →
 * address policy → probe) against the testkit's resolver, each case handled,
 * reported, and finished within its bound. `--allow-net` covers only the
 * world's own /16, so 127.0.0.1 and the rest of loopback stay blocked.
 */

const DNS_TRY_MS = 300;
const DNS_TRIES = 2;
const SLACK_BASE_MS = 700;
/** Per test: the base plus how late this process's timers ran (a busy machine is not a broken bound). */
const slack = new SchedulingSlack(SLACK_BASE_MS);
beforeEach(() => slack.reset());
afterAll(() => slack.stop());
/** One domain: the MX question plus, per exchange, A and AAAA, each at most all tries. */
const dnsBound = (questions: number): number => questions * DNS_TRY_MS * DNS_TRIES;

const IP_LITERAL_EXCHANGES = ['0x7f000001', '2130706433', '127.1', '[127.0.0.1]', '127.0.0.1', '::1'];
const MANY = 1000;

function spec(): WorldSpec {
  const records: Record<string, WorldRecord[]> = {
    'mx.ok.test': [{ type: 'A', host: 'ok' }],
    // Exchange behind a CNAME chain (RFC 2181 10.3 says it must not be; MTAs follow it).
    'chain.test': [{ type: 'MX', priority: 10, exchange: 'alias1.chain.test' }],
    'alias1.chain.test': [{ type: 'CNAME', target: 'alias2.chain.test' }],
    'alias2.chain.test': [{ type: 'CNAME', target: 'alias3.chain.test' }],
    'alias3.chain.test': [{ type: 'CNAME', target: 'mx.ok.test' }],
    // A chain longer than the resolver follows in one answer (it stops at 8 hops, as BIND does at its
    // restart limit), one longer than the stub asks again for, and a loop.
    'long.test': [{ type: 'MX', priority: 10, exchange: 'c0.long.test' }],
    'endless.test': [{ type: 'MX', priority: 10, exchange: 'e0.endless.test' }],
    'loop.test': [{ type: 'MX', priority: 10, exchange: 'l1.loop.test' }],
    'l1.loop.test': [{ type: 'CNAME', target: 'l2.loop.test' }],
    'l2.loop.test': [{ type: 'CNAME', target: 'l1.loop.test' }],
    'many.test': Array.from({ length: MANY }, (_, i) => ({ type: 'MX' as const, priority: i % 50, exchange: `m${i}.many.test` })),
    'localhost.test': [{ type: 'MX', priority: 10, exchange: 'localhost' }],
    // What a resolver says of localhost (RFC 6761 6.3), and a "localhost" under a real zone.
    localhost: [{ type: 'A', address: '127.0.0.1' }],
    'sub.localhost.test': [{ type: 'MX', priority: 10, exchange: 'mx.localhost' }],
    'mx.localhost': [{ type: 'A', address: '127.0.0.1' }],
    'root.test': [{ type: 'MX', priority: 0, exchange: '.' }],
    'mixed-null.test': [
      { type: 'MX', priority: 0, exchange: '.' },
      { type: 'MX', priority: 10, exchange: 'mx.ok.test' },
    ],
    'literal.test': IP_LITERAL_EXCHANGES.map((exchange, i) => ({ type: 'MX' as const, priority: i, exchange })),
    'tc.test': [{ type: 'MX', priority: 10, exchange: 'mx.ok.test' }],
    'late.test': [{ type: 'MX', priority: 10, exchange: 'mx.ok.test' }],
    'too-late.test': [{ type: 'MX', priority: 10, exchange: 'mx.ok.test' }],
    'ttl0.test': [{ type: 'MX', priority: 10, exchange: 'mx.ttl0.test' }],
    'mx.ttl0.test': [{ type: 'A', host: 'ok' }],
    'servfail.test': [{ type: 'MX', priority: 10, exchange: 'mx.ok.test' }],
    'refused.test': [{ type: 'MX', priority: 10, exchange: 'mx.ok.test' }],
    'addr-fail.test': [{ type: 'MX', priority: 10, exchange: 'mx.addr-fail.test' }],
  };
  for (let i = 0; i < 30; i++) records[`c${i}.long.test`] = [{ type: 'CNAME', target: `c${i + 1}.long.test` }];
  records['c30.long.test'] = [{ type: 'A', host: 'ok' }];
  for (let i = 0; i < 200; i++) records[`e${i}.endless.test`] = [{ type: 'CNAME', target: `e${i + 1}.endless.test` }];
  records['e200.endless.test'] = [{ type: 'A', host: 'ok' }];
  for (let i = 0; i < MANY; i++) records[`m${i}.many.test`] = [{ type: 'A', host: 'ok' }];
  // A trap: if any IP-literal exchange were ever looked up and used, it would land here.
  for (const name of IP_LITERAL_EXCHANGES.filter((n) => /^[0-9a-z.]+$/i.test(n))) records[name] = [{ type: 'A', host: 'trap' }];
  return {
    hosts: [
      { id: 'ok', behaviour: 'esmtp', hostname: 'mx.ok.test' },
      { id: 'trap', behaviour: 'esmtp', hostname: 'trap.test' },
    ],
    records,
    zones: ['test', 'localhost', '1', '0x7f000001', '2130706433'],
    dnsBehaviours: {
      'tc.test': { truncate: true },
      'late.test': { delayMs: DNS_TRY_MS / 2 },
      'too-late.test': { delayMs: 10_000 },
      'ttl0.test': { ttl0: true },
      'mx.ttl0.test': { ttl0: true },
      'servfail.test': { fail: 'servfail', types: ['MX'] },
      'refused.test': { fail: 'refused', types: ['MX'] },
      'mx.addr-fail.test': { fail: 'servfail' },
    },
    domains: [],
  };
}

let world: World;
let engine: WorldEngine;

beforeAll(async () => {
  world = await startWorld(spec());
  engine = worldEngine(world, {
    smtp: { port: world.smtpPort, hostBudgetMs: 2000, greetingTimeoutMs: 500, replyTimeoutMs: 500, connectTimeoutMs: 300 },
    dns: { queryTimeoutMs: DNS_TRY_MS, attemptsPerServer: DNS_TRIES },
    politeness: { connectionsPerSecond: 1000, maxConcurrentPerIp: 100 },
    // The mail route's own questions are counted here: no security check adds its own.
    checks: [],
  });
});

afterAll(async () => {
  await world?.stop();
});

/** One check and how long it took; whatever the DNS said, the result is a valid contract object. */
async function check(domain: string): Promise<{ result: CheckResult; elapsedMs: number }> {
  const started = Date.now();
  const result = await engine.check(domain);
  return { result, elapsedMs: Date.now() - started };
}

function queriesFor(name: string): Array<{ type: string; transport: string }> {
  return world.dnsServer.queryLog.filter((q) => q.name.toLowerCase() === name);
}

describe('hostile DNS through the engine', () => {
  it('an exchange behind a CNAME chain: flagged cname, followed, probed', async () => {
    const { result, elapsedMs } = await check('chain.test');
    expect(result.verdict).toBe('ok');
    expect(result.mx.records[0]).toMatchObject({ exchange: 'alias1.chain.test', problems: ['cname'], cnameTarget: 'mx.ok.test' });
    expect(result.hosts[0]?.connect).toBe('ok');
    expect(elapsedMs).toBeLessThan(dnsBound(3) + slack.ms());
  });

  it('a CNAME chain longer than the resolver follows: asked again at its end, as Postfix does: cname, probed', async () => {
    const { result, elapsedMs } = await check('long.test');
    expect(result.verdict).toBe('ok');
    expect(result.mx.records[0]).toMatchObject({ problems: ['cname'], cnameTarget: 'c30.long.test' });
    expect(result.hosts[0]?.connect).toBe('ok');
    // 30 hops at 8 per answer: the first question and 3 more, for A; AAAA the same.
    for (const name of ['c8.long.test', 'c24.long.test']) {
      // Asked for A and AAAA once each; a try answered late on a busy machine is asked again, within the tries.
      expect(new Set(queriesFor(name).map((q) => q.type)), name).toEqual(new Set(['A', 'AAAA']));
      expect(queriesFor(name).length, name).toBeLessThanOrEqual(2 * DNS_TRIES);
    }
    expect(elapsedMs).toBeLessThan(dnsBound(9) + slack.ms());
  });

  it('a CNAME chain longer than the stub follows either: cname, no address, unresolvable, and the questions bounded', async () => {
    const { result, elapsedMs } = await check('endless.test');
    expect(result.verdict).toBe('unresolvable');
    expect(result.mx.records[0]?.problems).toEqual(expect.arrayContaining(['cname', 'no_address']));
    expect(result.hosts).toEqual([]);
    const follows = engine.parts.options.dns.cnameFollowUps;
    // A and AAAA: the first question and cnameFollowUps more each, 8 hops per answer. A try answered later than
    // DNS_TRY_MS on a busy machine is asked again: the questions are counted once, the tries bounded.
    const asked = world.dnsServer.queryLog.filter((q) => q.name.toLowerCase().endsWith('.endless.test'));
    expect(new Set(asked.map((q) => `${q.name.toLowerCase()} ${q.type}`)).size).toBe(2 * (1 + follows));
    expect(asked.length).toBeLessThanOrEqual(2 * (1 + follows) * DNS_TRIES);
    expect(elapsedMs).toBeLessThan(dnsBound(1 + 2 * (1 + follows)) + slack.ms());
  });

  it('a CNAME loop for the exchange: ends, cname and no address, unresolvable', async () => {
    const { result, elapsedMs } = await check('loop.test');
    expect(result.verdict).toBe('unresolvable');
    expect(result.mx.records[0]?.problems).toEqual(expect.arrayContaining(['cname', 'no_address']));
    expect(elapsedMs).toBeLessThan(dnsBound(3) + slack.ms());
    // A and AAAA asked once each: the loop is not chased question after question.
    expect(queriesFor('l1.loop.test').length).toBeLessThanOrEqual(2);
  });

  it('1,000 MX records: read over TCP, maxMxRecords considered, the rest counted', async () => {
    const parts = engine.parts.options.route;
    const { result, elapsedMs } = await check('many.test');
    expect(result.verdict).toBe('ok');
    expect(result.mx).toMatchObject({ source: 'mx', dns: 'NOERROR', truncated: true, totalRecords: MANY });
    expect(result.mx.records).toHaveLength(parts.maxMxRecords);
    expect(result.hosts.length).toBeLessThanOrEqual(parts.maxHostsPerDomain);
    // Priority order: the lowest preference first.
    expect(result.mx.records.every((r) => r.priority === 0)).toBe(true);
    expect(queriesFor('many.test').map((q) => q.transport)).toEqual(['udp', 'tcp']);
    // Only the considered exchanges were looked up (addresses, and the TLSA at _<port>._tcp.<exchange>;
    // the SRV questions of the submission check are not lookups of exchanges).
    const looked = new Set(
      world.dnsServer.queryLog
        .filter((q) => q.name.endsWith('.many.test') && q.type !== 'SRV')
        .map((q) => q.name.replace(/^_\d+\._tcp\./, '')),
    );
    expect(looked.size).toBeLessThanOrEqual(parts.maxMxRecords);
    expect(elapsedMs).toBeLessThan(dnsBound(3) + slack.ms());
  });

  it('MX at localhost: flagged, and 127.0.0.1 is blocked by the default policy (no connection)', async () => {
    for (const domain of ['localhost.test', 'sub.localhost.test']) {
      const { result } = await check(domain);
      expect(result.mx.records[0]?.problems).toContain('localhost');
      expect(result.hosts.map((h) => [h.ip, h.connect, h.error])).toEqual([['127.0.0.1', 'blocked', 'blocked_address']]);
      expect(result.verdict).toBe('unreachable');
    }
  });

  it('MX at "." alone is a null MX; "." beside other records: still null MX, the others listed unused', async () => {
    const alone = (await check('root.test')).result;
    expect(alone.verdict).toBe('null_mx');
    expect(alone.mx.source).toBe('null');
    const mixed = (await check('mixed-null.test')).result;
    expect(mixed.verdict).toBe('null_mx');
    expect(mixed.mx.records.map((r) => [r.exchange, r.problems])).toEqual([
      ['.', []],
      ['mx.ok.test', ['null_mx_mixed']],
    ]);
    expect(mixed.hosts).toEqual([]);
  });

  it('MX at IP literals in every disguise: flagged ip_literal, never looked up, never connected', async () => {
    const trap = world.hostsById.get('trap')?.handle;
    const { result } = await check('literal.test');
    expect(result.verdict).toBe('unresolvable');
    expect(result.mx.records.map((r) => r.exchange)).toEqual(IP_LITERAL_EXCHANGES);
    for (const record of result.mx.records) {
      expect(record.problems, record.exchange).toEqual(expect.arrayContaining(['ip_literal', 'no_address']));
      expect(record.addresses).toEqual([]);
    }
    expect(result.hosts).toEqual([]);
    for (const name of IP_LITERAL_EXCHANGES) expect(queriesFor(name.toLowerCase()), name).toEqual([]);
    expect(trap?.log.total).toBe(0);
  });

  it('a truncated UDP answer: asked again over TCP, checked normally', async () => {
    const { result } = await check('tc.test');
    expect(result.verdict).toBe('ok');
    expect(queriesFor('tc.test').map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('a resolver that answers late but within the try: the answer counts', async () => {
    const { result } = await check('late.test');
    expect(result.verdict).toBe('ok');
  });

  it('a resolver that answers too late: dns_error TIMEOUT after its tries, within the bound', async () => {
    const { result, elapsedMs } = await check('too-late.test');
    expect(result.verdict).toBe('dns_error');
    expect(result.mx.dns).toBe('TIMEOUT');
    expect(result.hosts).toEqual([]);
    expect(elapsedMs).toBeGreaterThanOrEqual(dnsBound(1) - 20);
    expect(elapsedMs).toBeLessThan(dnsBound(1) + slack.ms());
    expect(queriesFor('too-late.test')).toHaveLength(DNS_TRIES);
  });

  it('answers with TTL 0: used once, reported as 0', async () => {
    const { result } = await check('ttl0.test');
    expect(result.verdict).toBe('ok');
    expect(result.mx.records[0]).toMatchObject({ ttl: 0, addressTtl: 0 });
  });

  it('SERVFAIL and REFUSED for the MX question: dns_error with that status', async () => {
    for (const [domain, status] of [
      ['servfail.test', 'SERVFAIL'],
      ['refused.test', 'REFUSED'],
    ] as const) {
      const { result, elapsedMs } = await check(domain);
      expect(result.verdict).toBe('dns_error');
      expect(result.mx.dns).toBe(status);
      expect(elapsedMs).toBeLessThan(dnsBound(1) + slack.ms());
    }
  });

  it('the exchange lookups fail: dns_error on the record, unresolvable', async () => {
    const { result } = await check('addr-fail.test');
    expect(result.verdict).toBe('unresolvable');
    expect(result.mx.records[0]?.problems).toEqual(expect.arrayContaining(['dns_error', 'no_address']));
  });
});
