import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World, type WorldRecord } from '@mxv/testkit';
import type { CheckName, CheckResult } from '@mxv/schema';
import { QUICK_SMTP, worldEngine } from './support/world-engine.js';

/**
 * Issue 11 "SRV": RFC 6186 `_submission._tcp` / RFC 8314 `_submissions._tcp`
 * listed in `submission`, their targets probed on their ports (STARTTLS /
 * implicit TLS) and listed in hosts[] with `service`, never counting for the
 * verdict; "." is "not offered"; every fan-out bounded.
 */

const SUBMISSION = 2587;
const SUBMISSIONS = 2465;
let world: World;

const srv = (target: string, port: number, priority = 0, weight = 1): WorldRecord => ({
  type: 'SRV',
  priority,
  weight,
  port,
  target,
});

beforeAll(async () => {
  const many: WorldRecord[] = Array.from({ length: 1000 }, (_, i) => srv(`s${i}.many.test`, 587, 10 + (i % 7), i % 5));
  const tooMany: WorldRecord[] = Array.from({ length: 10_000 }, (_, i) => srv(`s${i}.toomany.test`, 587));
  world = await startWorld({
    hosts: [
      { id: 'mx', behaviour: 'esmtp', hostname: 'mx.submit.test', cert: { names: ['mx.submit.test'] } },
      {
        id: 'mail',
        behaviour: 'esmtp',
        hostname: 'mail.submit.test',
        cert: { names: ['mail.submit.test'] },
        extraPorts: [{ port: SUBMISSION }, { port: SUBMISSIONS, implicitTls: true }],
      },
    ],
    records: {
      'submit.test': [{ type: 'MX', priority: 10, exchange: 'mx.submit.test' }],
      'mx.submit.test': [{ type: 'A', host: 'mx' }],
      'mail.submit.test': [{ type: 'A', host: 'mail' }],
      '_submission._tcp.submit.test': [srv('mail.submit.test', SUBMISSION)],
      '_submissions._tcp.submit.test': [srv('mail.submit.test', SUBMISSIONS)],
      // The MX is down; the submission servers answer: still unreachable for mail.
      'downmx.test': [{ type: 'MX', priority: 10, exchange: 'nothing.downmx.test' }],
      '_submissions._tcp.downmx.test': [srv('mail.submit.test', SUBMISSIONS)],
      // RFC 2782: a lone "." is "decidedly not available"; beside real records it is ignored.
      'dot.test': [{ type: 'MX', priority: 10, exchange: 'mx.submit.test' }],
      '_submission._tcp.dot.test': [srv('.', 0)],
      '_submissions._tcp.dot.test': [srv('.', 0), srv('mail.submit.test', SUBMISSIONS, 5)],
      'private.test': [{ type: 'MX', priority: 10, exchange: 'mx.submit.test' }],
      '_submission._tcp.private.test': [srv('intranet.private.test', 587), srv('192.0.2.1', 587, 1)],
      'intranet.private.test': [{ type: 'A', address: '10.1.2.3' }],
      'many.test': [{ type: 'MX', priority: 10, exchange: 'mx.submit.test' }],
      '_submission._tcp.many.test': many,
      // 10,000 records: more than a DNS message holds even over TCP.
      'toomany.test': [{ type: 'MX', priority: 10, exchange: 'mx.submit.test' }],
      '_submission._tcp.toomany.test': tooMany,
    },
    domains: [],
  });
  // Every s<N>.many.test resolves to the MX host's address (nothing listens on 587 there: refused, fast).
  const mxIp = world.hostsById.get('mx')?.ip as string;
  for (let i = 0; i < 1000; i++) world.dnsServer.setRecords(`s${i}.many.test`, [{ type: 'A', address: mxIp }]);
});

afterAll(async () => {
  await world?.stop();
});

async function check(domain: string, checks: CheckName[] = ['submission']): Promise<CheckResult> {
  return worldEngine(world, {
    ports: [{ port: world.smtpPort, tlsMode: 'starttls' }],
    checks,
    smtp: QUICK_SMTP,
    dns: { queryTimeoutMs: 1000 },
    politeness: { connectionsPerSecond: 200, maxConcurrentPerIp: 8 },
  }).check(domain);
}

describe('RFC 6186 submission services', () => {
  it('both services listed, their targets probed on their ports and modes, beside the MX', async () => {
    const result = await check('submit.test');
    expect(result.submission).toEqual([
      { service: 'submission', target: 'mail.submit.test', port: SUBMISSION, priority: 0, weight: 1 },
      { service: 'submissions', target: 'mail.submit.test', port: SUBMISSIONS, priority: 0, weight: 1 },
    ]);
    expect(
      result.hosts.map((h) => [
        h.service ?? null,
        h.exchange,
        h.port,
        h.tlsMode,
        h.connect,
        h.banner?.code,
        h.starttls,
        h.tls?.hostnameMatch,
      ]),
    ).toEqual([
      [null, 'mx.submit.test', world.smtpPort, 'starttls', 'ok', 220, 'ok', true],
      ['submission', 'mail.submit.test', SUBMISSION, 'starttls', 'ok', 220, 'ok', true],
      ['submissions', 'mail.submit.test', SUBMISSIONS, 'implicit', 'ok', 220, 'ok', true],
    ]);
    expect(result.verdict).toBe('ok');
  });

  it('submission servers never count for the verdict', async () => {
    const result = await check('downmx.test');
    expect(result.hosts.filter((h) => h.service === 'submissions').map((h) => h.connect)).toEqual(['ok']);
    expect(result.verdict).toBe('unresolvable');
    expect(result.checks).toMatchObject({ smtpReachable: false, bannerValid: false, tlsSupported: false });
  });

  it('the submission check off: submission is null and no SRV target is probed', async () => {
    const before = world.extraHosts.reduce((n, h) => n + h.log.total, 0);
    world.dnsServer.clearLog();
    const result = await check('submit.test', []);
    expect(result.submission).toBeNull();
    expect(result.hosts.every((h) => h.service === undefined)).toBe(true);
    expect(world.extraHosts.reduce((n, h) => n + h.log.total, 0)).toBe(before);
    expect(world.dnsServer.queryLog.filter((q) => q.type === 'SRV')).toEqual([]);
  });

  it('"." alone: not offered, not listed; "." beside a real record: ignored', async () => {
    const result = await check('dot.test');
    expect(result.submission).toEqual([
      { service: 'submissions', target: 'mail.submit.test', port: SUBMISSIONS, priority: 5, weight: 1 },
    ]);
    expect(result.hosts.filter((h) => h.service).map((h) => [h.service, h.exchange])).toEqual([
      ['submissions', 'mail.submit.test'],
    ]);
  });

  it('targets at private addresses are blocked like any host; an address as target is never resolved nor dialled', async () => {
    const result = await check('private.test');
    expect(result.submission?.map((s) => s.target)).toEqual(['intranet.private.test', '192.0.2.1']);
    expect(result.hosts.filter((h) => h.service).map((h) => [h.exchange, h.ip, h.connect, h.error])).toEqual([
      ['intranet.private.test', '10.1.2.3', 'blocked', 'blocked_address'],
    ]);
  });

  it('1,000 targets: 8 listed (priority, then weight), at most 16 probes, quickly', async () => {
    const started = Date.now();
    const result = await check('many.test');
    expect(result.submission).toHaveLength(8);
    const listed = result.submission ?? [];
    for (let i = 1; i < listed.length; i++) {
      const [a, b] = [listed[i - 1], listed[i]];
      expect(a && b && (a.priority < b.priority || (a.priority === b.priority && a.weight >= b.weight))).toBe(true);
    }
    expect(listed.every((s) => s.priority === 10)).toBe(true);
    expect(result.hosts.filter((h) => h.service).length).toBeLessThanOrEqual(16);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('10,000 targets: an answer too big for DNS, nothing listed, nothing probed, bounded', async () => {
    const started = Date.now();
    const result = await check('toomany.test');
    expect(result.submission).toEqual([]);
    expect(result.hosts.filter((h) => h.service)).toEqual([]);
    expect(result.verdict).toBe('ok');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
