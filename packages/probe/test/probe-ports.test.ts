import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@mxv/schema';
import { startWorld, type World } from '@mxv/testkit';
import { parsePortList, portLabel, type ProbeOptionsInput, type ProbePort } from '@mxv/probe';
import { QUICK_SMTP, worldEngine } from './support/world-engine.js';

/**
 * Issue 11 "Submission ports": every host probed on every port of --ports,
 * each its own entry with port and tlsMode; implicit TLS (RFC 8314) opens with
 * the handshake; the verdict stays about the first (delivery) port.
 */

const SUBMISSION = 2587;
const SUBMISSIONS = 2465;
let world: World;

beforeAll(async () => {
  world = await startWorld({
    hosts: [
      {
        id: 'good',
        behaviour: 'esmtp',
        hostname: 'mx.ports.test',
        cert: { names: ['mx.ports.test'] },
        extraPorts: [{ port: SUBMISSION }, { port: SUBMISSIONS, implicitTls: true }],
      },
      // Plain SMTP on the submission port numbers: an implicit-TLS client meets a 220 in clear.
      { id: 'plain', behaviour: 'no_starttls', hostname: 'mx.plain.test', extraPorts: [{ port: SUBMISSIONS }] },
    ],
    records: {
      'ports.test': [{ type: 'MX', priority: 10, exchange: 'mx.ports.test' }],
      'mx.ports.test': [{ type: 'A', host: 'good' }],
      'plain.test': [{ type: 'MX', priority: 10, exchange: 'mx.plain.test' }],
      'mx.plain.test': [{ type: 'A', host: 'plain' }],
    },
    domains: [],
  });
});

afterAll(async () => {
  await world?.stop();
});

async function check(domain: string, ports: ProbePort[], extra: ProbeOptionsInput = {}): Promise<CheckResult> {
  return worldEngine(world, {
    ports,
    checks: [],
    smtp: QUICK_SMTP,
    politeness: { connectionsPerSecond: 50 },
    ...extra,
  }).check(domain);
}

describe('--ports: every host on every port', () => {
  it('STARTTLS on the delivery and submission ports, implicit TLS on the other, one entry each', async () => {
    const result = await check('ports.test', [
      { port: world.smtpPort, tlsMode: 'starttls' },
      { port: SUBMISSION, tlsMode: 'starttls' },
      { port: SUBMISSIONS, tlsMode: 'implicit' },
    ]);
    expect(result.verdict).toBe('ok');
    expect(result.hosts.map((h) => [h.port, h.tlsMode, h.connect, h.banner?.code, h.starttls, h.tls?.certValid])).toEqual([
      [world.smtpPort, 'starttls', 'ok', 220, 'ok', true],
      [SUBMISSION, 'starttls', 'ok', 220, 'ok', true],
      [SUBMISSIONS, 'implicit', 'ok', 220, 'ok', true],
    ]);
    const implicit = result.hosts[2];
    // Inside implicit TLS there is one EHLO, over TLS, and no STARTTLS command.
    expect(implicit?.ehlo?.code).toBe(250);
    expect(implicit?.ehloTls ?? null).toBeNull();
    expect(implicit?.tls?.hostnameMatch).toBe(true);
    expect(implicit?.timingsMs.tls).not.toBeNull();
    const server = world.extraHosts.find((h) => h.port === SUBMISSIONS && h.hostname === 'mx.ports.test');
    expect(server?.log.records.map((r) => [r.tlsEstablished, r.commands])).toEqual([[true, ['EHLO', 'QUIT']]]);
  });

  it('implicit TLS on a port that speaks SMTP in clear: the handshake fails, no command is sent', async () => {
    const result = await check('plain.test', [
      { port: world.smtpPort, tlsMode: 'starttls' },
      { port: SUBMISSIONS, tlsMode: 'implicit' },
    ]);
    const implicit = result.hosts[1];
    expect([implicit?.tlsMode, implicit?.connect, implicit?.starttls, implicit?.error, implicit?.banner]).toEqual([
      'implicit',
      'ok',
      'failed',
      'tls_handshake_failed',
      null,
    ]);
    const server = world.extraHosts.find((h) => h.hostname === 'mx.plain.test');
    expect(server?.log.records.flatMap((r) => r.commands)).toEqual([]);
  });

  it('the verdict and the five checks are the delivery port only', async () => {
    // Delivery on a port where nothing listens; the submission ports answer.
    const result = await check('ports.test', [
      { port: 9, tlsMode: 'starttls' },
      { port: SUBMISSIONS, tlsMode: 'implicit' },
    ]);
    expect(result.hosts.map((h) => [h.port, h.connect])).toEqual([
      [9, 'refused'],
      [SUBMISSIONS, 'ok'],
    ]);
    expect(result.verdict).toBe('unreachable');
    expect(result.checks).toMatchObject({ smtpReachable: false, bannerValid: false, tlsSupported: false });
  });

  it('blocked addresses stay blocked on every port, with the port and mode kept', async () => {
    const result = await check(
      'ports.test',
      [
        { port: world.smtpPort, tlsMode: 'starttls' },
        { port: SUBMISSIONS, tlsMode: 'implicit' },
      ],
      { allowNet: [] },
    );
    expect(result.hosts.map((h) => [h.port, h.tlsMode, h.connect])).toEqual([
      [world.smtpPort, 'starttls', 'blocked'],
      [SUBMISSIONS, 'implicit', 'blocked'],
    ]);
  });
});

describe('parsePortList', () => {
  it.each([
    ['25', [{ port: 25, tlsMode: 'starttls' }]],
    [
      '25,587,465',
      [
        { port: 25, tlsMode: 'starttls' },
        { port: 587, tlsMode: 'starttls' },
        { port: 465, tlsMode: 'implicit' },
      ],
    ],
    [
      ' 2525 , 2465/TLS ',
      [
        { port: 2525, tlsMode: 'starttls' },
        { port: 2465, tlsMode: 'implicit' },
      ],
    ],
  ])('%s', (raw, ports) => {
    expect(parsePortList(raw)).toEqual({ status: 'ok', ports });
  });

  it.each([
    ['', 'an empty list'],
    ['0', 'port 0 is out of range (1 to 65535)'],
    ['65536', 'port 65536 is out of range (1 to 65535)'],
    ['25,587,25', 'port 25 is listed twice'],
    ['465,465/tls', 'port 465 is listed twice'],
    ['25/tls', 'port 25 is relay: TLS there is STARTTLS only (RFC 8314 implicit TLS is for submission)'],
    ['smtp', '"smtp" is not a port (N or N/tls)'],
    ['587/ssl', '"587/ssl" is not a port (N or N/tls)'],
    ['-1', '"-1" is not a port (N or N/tls)'],
    ['1,2,3,4,5,6,7,8,9', '9 ports (at most 8)'],
  ])('%j is refused: %s', (raw, reason) => {
    expect(parsePortList(raw)).toEqual({ status: 'invalid', reason });
  });

  it('labels: a port in its usual mode is its number; the other mode says so (one cache entry per mode)', () => {
    expect(portLabel({ port: 25, tlsMode: 'starttls' })).toBe('25');
    expect(portLabel({ port: 465, tlsMode: 'implicit' })).toBe('465');
    expect(portLabel({ port: 2465, tlsMode: 'implicit' })).toBe('2465/tls');
    expect(portLabel({ port: 465, tlsMode: 'starttls' })).toBe('465/starttls');
  });
});
