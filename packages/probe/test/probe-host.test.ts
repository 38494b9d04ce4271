import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SchedulingSlack,
  blockAddress,
  createTestCa,
  randomIpBlock,
  startSmtpHost,
  type IssueOptions,
  type SmtpBehaviour,
  type SmtpBehaviourKind,
  type SmtpHostHandle,
  type TestCa,
} from '@mxv/testkit';
import {
  createAddressPolicy,
  DirectDialer,
  parseProbeOptions,
  SmtpConnection,
  SmtpHostProber,
  type AddressPolicy,
  type HostProbe,
  type SmtpBounds,
  type SmtpHostProberOptions,
} from '@mxv/probe';

const BOUNDS: SmtpBounds = parseProbeOptions({
  smtp: {
    heloName: 'probe.mxv.test',
    hostBudgetMs: 4000,
    connectTimeoutMs: 300,
    greetingTimeoutMs: 400,
    replyTimeoutMs: 400,
    tlsHandshakeTimeoutMs: 400,
    quitTimeoutMs: 200,
  },
}).smtp;
/** Scheduling slack on top of a bound when asserting how long something took. */
const SLACK_BASE_MS = 400;
/** Per test: the base plus how late this process's timers ran (a busy machine is not a broken bound). */
const slack = new SchedulingSlack(SLACK_BASE_MS);
beforeEach(() => slack.reset());
afterAll(() => slack.stop());
const ALLOWED_COMMANDS = new Set(['EHLO', 'HELO', 'STARTTLS', 'QUIT']);

// A /16 of loopback of our own, so parallel test files cannot collide.
const block = randomIpBlock();
let nextAddress = 0;
const hosts: SmtpHostHandle[] = [];
let ca: TestCa;
let policy: AddressPolicy;

beforeAll(async () => {
  ca = await createTestCa();
  const setup = createAddressPolicy(['127.0.0.0/8']);
  if (setup.status !== 'ok') throw new Error(setup.reason);
  policy = setup.policy;
});

afterAll(async () => {
  // Whatever happened in a case, no server ever got a mail transaction or any other command.
  for (const host of hosts) {
    expect(host.log.forbidden()).toEqual([]);
    for (const rec of host.log.records) {
      for (const command of rec.commands) expect(ALLOWED_COMMANDS.has(command), `unexpected command ${command}`).toBe(true);
      expect(rec.sentBeforeGreeting).toBe(false);
      expect(rec.plaintextAfterStarttls).toBe(false);
    }
  }
  await Promise.all(hosts.map((h) => h.stop()));
});

interface HostSetup {
  behaviour: SmtpBehaviour | SmtpBehaviourKind;
  cert?: IssueOptions;
  hostname?: string;
}

async function startHost(setup: HostSetup): Promise<SmtpHostHandle> {
  const tls = setup.cert ? await ca.issue(setup.cert) : undefined;
  const host = await startSmtpHost({
    host: blockAddress(block, nextAddress++),
    port: 0,
    behaviour: setup.behaviour,
    ...(tls ? { tls: { certPem: tls.certPem, keyPem: tls.keyPem, chainPem: tls.chainPem } } : {}),
    ...(setup.hostname ? { hostname: setup.hostname } : {}),
  });
  hosts.push(host);
  return host;
}

function prober(overrides: Partial<SmtpHostProberOptions> = {}): SmtpHostProber {
  return new SmtpHostProber({ bounds: BOUNDS, policy, extraCaPem: [ca.certPem], ...overrides });
}

async function probeHost(setup: HostSetup, exchange = 'mx.probe.test', overrides: Partial<SmtpHostProberOptions> = {}) {
  const host = await startHost(setup);
  const started = Date.now();
  const probe = await prober(overrides).probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange });
  return { host, probe, elapsedMs: Date.now() - started, commands: host.log.records.flatMap((r) => r.commands) };
}

function expectEnvelope(probe: HostProbe, host: SmtpHostHandle, exchange = 'mx.probe.test'): void {
  expect(probe.ip).toBe(host.host);
  expect(probe.port).toBe(host.port);
  expect(probe.probedAs).toBe(exchange);
  expect(Date.parse(probe.probedAt)).toBeGreaterThan(Date.now() - 60_000);
  expect(probe.timingsMs.total).toBeGreaterThanOrEqual(0);
}

describe('SmtpHostProber: a working server', () => {
  it('greets, EHLO, STARTTLS with a trusted certificate, EHLO again, QUIT', async () => {
    const { host, probe, commands } = await probeHost({
      behaviour: 'esmtp',
      cert: { names: ['mx.probe.test'] },
      hostname: 'mx.probe.test',
    });
    expectEnvelope(probe, host);
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBeNull();
    expect(probe.banner).toEqual({ code: 220, text: 'mx.probe.test ESMTP mxv-testkit' });
    expect(probe.ehlo).toEqual({
      code: 250,
      command: 'EHLO',
      extensions: ['PIPELINING', 'SIZE 10240000', '8BITMIME', 'ENHANCEDSTATUSCODES', 'STARTTLS'],
    });
    expect(probe.starttls).toBe('ok');
    expect(probe.tls).toMatchObject({ certValid: true, hostnameMatch: true, error: null, subject: 'CN=mx.probe.test' });
    expect(probe.tls?.version).toMatch(/^TLSv1\.[23]$/);
    // RFC 3207 4.2: asked again over TLS, where STARTTLS is no longer offered.
    expect(probe.ehloTls).toEqual({
      code: 250,
      command: 'EHLO',
      extensions: ['PIPELINING', 'SIZE 10240000', '8BITMIME', 'ENHANCEDSTATUSCODES'],
    });
    expect(probe.certIdentity).toEqual({ commonName: 'mx.probe.test', subjectAltName: 'DNS:mx.probe.test' });
    expect(probe.timingsMs.connect).not.toBeNull();
    expect(probe.timingsMs.banner).not.toBeNull();
    expect(probe.timingsMs.ehlo).not.toBeNull();
    expect(probe.timingsMs.tls).not.toBeNull();
    expect(commands).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'QUIT']);
    expect(host.log.records[0]?.tlsEstablished).toBe(true);
  });

  it('sends nothing before the (delayed) greeting, as postscreen wants', async () => {
    const { host, probe } = await probeHost({ behaviour: { kind: 'pregreet_check', greetingDelayMs: 200 } });
    expect(probe.error).toBeNull();
    expect(probe.banner?.code).toBe(220);
    expect(host.log.records[0]?.sentBeforeGreeting).toBe(false);
  });

  it('reads a whole multi-line greeting before EHLO', async () => {
    const { host, probe, commands } = await probeHost({
      behaviour: { kind: 'multiline_greeting', lines: 3 },
      hostname: 'mx.probe.test',
    });
    expect(probe.banner).toEqual({
      code: 220,
      text: 'mx.probe.test ESMTP mxv-testkit line 2 of a multi-line greeting line 3 of a multi-line greeting',
    });
    expect(probe.ehlo?.code).toBe(250);
    expect(commands[0]).toBe('EHLO');
    expect(host.log.records[0]?.sentBeforeGreeting).toBe(false);
  });

  it('reports no STARTTLS as not_offered, and still quits', async () => {
    const { probe, commands } = await probeHost({ behaviour: 'no_starttls' });
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBeNull();
    expect(probe.starttls).toBe('not_offered');
    expect(probe.tls).toBeNull();
    expect(probe.ehlo?.extensions).not.toContain('STARTTLS');
    expect(commands).toEqual(['EHLO', 'QUIT']);
  });

  it('falls back to HELO when EHLO is refused (RFC 5321 4.1.4)', async () => {
    const { probe, commands } = await probeHost({ behaviour: 'ehlo_refused' });
    expect(probe.error).toBeNull();
    expect(probe.ehlo).toEqual({ code: 250, command: 'HELO', extensions: [] });
    expect(probe.starttls).toBe('not_offered');
    expect(commands).toEqual(['EHLO', 'HELO', 'QUIT']);
  });
});

describe('SmtpHostProber: certificates', () => {
  it('an expired certificate is described, not refused', async () => {
    const day = 86_400_000;
    const { probe } = await probeHost({
      behaviour: 'esmtp',
      cert: { names: ['mx.probe.test'], notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) },
    });
    expect(probe.starttls).toBe('ok');
    expect(probe.error).toBeNull();
    expect(probe.tls).toMatchObject({ certValid: false, hostnameMatch: true, error: 'CERT_HAS_EXPIRED' });
  });

  it('a certificate for another name: valid chain, no name match', async () => {
    const { probe } = await probeHost({ behaviour: 'esmtp', cert: { names: ['other.probe.test'] } });
    expect(probe.starttls).toBe('ok');
    expect(probe.tls).toMatchObject({ certValid: true, hostnameMatch: false, error: null });
    expect(probe.certIdentity?.subjectAltName).toBe('DNS:other.probe.test');
  });

  it('a self-signed certificate', async () => {
    const { probe } = await probeHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'], selfSigned: true } });
    expect(probe.starttls).toBe('ok');
    expect(probe.tls).toMatchObject({ certValid: false, hostnameMatch: true, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('without extraCaPem the test CA is not trusted', async () => {
    const { probe } = await probeHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'] } }, 'mx.probe.test', {
      extraCaPem: [],
    });
    expect(probe.starttls).toBe('ok');
    expect(probe.tls).toMatchObject({ certValid: false, hostnameMatch: true, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('NODE_EXTRA_CA_CERTS still counts when extraCaPem is given too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxv-ca-'));
    const file = join(dir, 'extra.pem');
    writeFileSync(file, ca.certPem);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = file;
    try {
      const unrelated = await createTestCa({ commonName: 'unrelated' });
      const { probe } = await probeHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'] } }, 'mx.probe.test', {
        extraCaPem: [unrelated.certPem],
      });
      expect(probe.tls).toMatchObject({ certValid: true, error: null });
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SmtpHostProber: refusals', () => {
  it('554 greeting: banner kept, QUIT sent, nothing else', async () => {
    const { probe, commands } = await probeHost({ behaviour: 'greeting_554', hostname: 'mx.probe.test' });
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBe('greeting_rejected');
    expect(probe.banner).toEqual({ code: 554, text: '5.3.2 mx.probe.test No SMTP service here' });
    expect(probe.ehlo).toBeNull();
    expect(probe.starttls).toBe('not_tried');
    expect(commands).toEqual(['QUIT']);
  });

  it('421 greeting: a temporary failure, banner kept', async () => {
    const { probe } = await probeHost({ behaviour: 'greeting_421', hostname: 'mx.probe.test' });
    expect(probe.error).toBe('greeting_tempfail');
    expect(probe.banner?.code).toBe(421);
    expect(probe.banner?.text).toContain('Service not available');
    expect(probe.starttls).toBe('not_tried');
  });

  it('STARTTLS refused with 454: a temporary refusal', async () => {
    const { probe, commands } = await probeHost({ behaviour: 'starttls_refused' });
    expect(probe.starttls).toBe('failed');
    expect(probe.error).toBe('starttls_tempfail');
    expect(probe.tls).toBeNull();
    expect(commands).toEqual(['EHLO', 'STARTTLS', 'QUIT']);
  });

  it('plain bytes after STARTTLS 220: the handshake fails', async () => {
    const { probe } = await probeHost({ behaviour: 'garbage_after_starttls' });
    expect(probe.starttls).toBe('failed');
    expect(probe.error).toBe('tls_handshake_failed');
    expect(probe.tls).toMatchObject({ version: null, certValid: false, hostnameMatch: false });
    expect(probe.tls?.error).toMatch(/^[a-z0-9_]+$/);
    expect(probe.timingsMs.tls).not.toBeNull();
  });

  it('a handshake that never progresses: tls_timeout within the bound', async () => {
    const { probe, elapsedMs } = await probeHost({ behaviour: 'tls_stall' });
    expect(probe.starttls).toBe('failed');
    expect(probe.error).toBe('tls_timeout');
    expect(probe.timingsMs.tls).toBeGreaterThanOrEqual(BOUNDS.tlsHandshakeTimeoutMs - 20);
    expect(elapsedMs).toBeLessThan(BOUNDS.tlsHandshakeTimeoutMs + 2 * slack.ms());
  });
});

describe('SmtpHostProber: connection failures', () => {
  it('refused: a closed port', async () => {
    const server = net.createServer();
    const ip = blockAddress(block, nextAddress++);
    await new Promise<void>((resolve) => server.listen(0, ip, () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const probe = await prober().probe({ ip, port, tlsMode: 'starttls', exchange: 'mx.probe.test' });
    expect(probe.connect).toBe('refused');
    expect(probe.error).toBe('connect_refused');
    expect(probe.banner).toBeNull();
    expect(probe.starttls).toBe('not_tried');
    expect(probe.timingsMs.connect).toBeNull();
  });

  it('blocked by the address policy: not one packet sent', async () => {
    const host = await startHost({ behaviour: 'esmtp' });
    const strict = createAddressPolicy([]);
    if (strict.status !== 'ok') throw new Error(strict.reason);
    let dialled = 0;
    const probe = await prober({
      policy: strict.policy,
      dialer: new DirectDialer((o) => {
        dialled++;
        return net.connect(o);
      }),
    }).probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.probe.test' });
    expect(probe.connect).toBe('blocked');
    expect(probe.error).toBe('blocked_address');
    expect(probe.starttls).toBe('not_tried');
    expect(dialled).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(host.log.total).toBe(0);
  });

  it('connect timeout: a socket that never connects', async () => {
    const started = Date.now();
    const probe = await prober({ dialer: new DirectDialer(() => new net.Socket()) }).probe({
      ip: '127.0.0.1',
      port: 9,
      tlsMode: 'starttls',
      exchange: 'mx.probe.test',
    });
    expect(probe.connect).toBe('timeout');
    expect(probe.error).toBe('connect_timeout');
    expect(Date.now() - started).toBeLessThan(BOUNDS.connectTimeoutMs + slack.ms());
  });

  it('silent server: greeting_timeout within the bound, nothing sent', async () => {
    const { host, probe, elapsedMs } = await probeHost({ behaviour: 'silent' });
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBe('greeting_timeout');
    expect(probe.banner).toBeNull();
    expect(elapsedMs).toBeGreaterThanOrEqual(BOUNDS.greetingTimeoutMs - 20);
    expect(elapsedMs).toBeLessThan(BOUNDS.greetingTimeoutMs + slack.ms());
    expect(host.log.records[0]?.bytesReceived).toBe(0);
  });

  it('an HTTP server that waits for a request: we never speak first', async () => {
    const { host, probe } = await probeHost({ behaviour: 'http' });
    expect(probe.error).toBe('greeting_timeout');
    expect(host.log.records[0]?.bytesReceived).toBe(0);
  });

  it('trickle: the host budget ends it, keeping what was gathered', async () => {
    const budget = 600;
    const bounds = { ...BOUNDS, hostBudgetMs: budget, greetingTimeoutMs: 10_000 };
    const { probe, elapsedMs } = await probeHost({ behaviour: { kind: 'trickle', intervalMs: 20 } }, 'mx.probe.test', { bounds });
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBe('budget_exceeded');
    expect(probe.timingsMs.connect).not.toBeNull();
    expect(elapsedMs).toBeGreaterThanOrEqual(budget - 20);
    expect(elapsedMs).toBeLessThan(budget + slack.ms());
    expect(probe.timingsMs.total).toBeLessThan(budget + slack.ms());
  });

  it('close right after the greeting', async () => {
    const { probe } = await probeHost({ behaviour: 'close_after_greeting' });
    expect(probe.banner?.code).toBe(220);
    expect(probe.ehlo).toBeNull();
    expect(probe.error).toBe('closed_after_greeting');
    expect(probe.starttls).toBe('not_tried');
  });

  it('reset in the middle of the greeting', async () => {
    const { probe } = await probeHost({ behaviour: 'reset_mid_reply' });
    expect(probe.connect).toBe('ok');
    expect(probe.banner).toBeNull();
    expect(probe.error).toBe('connection_reset');
  });

  it('an abort from the caller stops the conversation', async () => {
    const host = await startHost({ behaviour: 'silent' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const probe = await prober().probe(
      { ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.probe.test' },
      controller.signal,
    );
    // The reason tells an abort from the greeting timeout; the time says it stopped at the abort.
    expect(probe.error).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(50 + slack.ms());
  });
});

describe('SmtpHostProber: not SMTP at all', () => {
  it.each([
    ['http_banner', 'not_smtp_http'],
    ['binary_garbage', 'not_smtp_binary'],
    ['tls_bytes', 'not_smtp_tls'],
  ] as const)('%s → %s', async (behaviour, reason) => {
    const { probe, commands } = await probeHost({ behaviour });
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBe(reason);
    expect(probe.banner).toBeNull();
    expect(commands).toEqual([]);
  });

  it('a 10 MB greeting with no newline: line_too_long, reading stops early', async () => {
    let received = 0;
    const { probe, elapsedMs, host } = await probeHost(
      { behaviour: { kind: 'huge_greeting', bytes: 10 * 1024 * 1024 } },
      'mx.probe.test',
      {
        dialer: new DirectDialer((o) => {
          const socket = net.connect(o);
          socket.on('data', (chunk: Buffer) => (received += chunk.length));
          return socket;
        }),
      },
    );
    expect(probe.error).toBe('line_too_long');
    expect(elapsedMs).toBeLessThan(1600 + slack.ms());
    // The connection is dropped once the bound is hit: far less than the 10 MB offered is read.
    expect(received).toBeLessThan(2 * 1024 * 1024);
    expect(host.log.records[0]?.commands).toEqual([]);
  });

  it('a greeting that never ends its continuation lines: too_many_lines', async () => {
    const bounds = { ...BOUNDS, maxReplyLines: 20 };
    const { probe } = await probeHost({ behaviour: { kind: 'endless_continuation', intervalMs: 0 } }, 'mx.probe.test', {
      bounds,
    });
    expect(probe.error).toBe('too_many_lines');
  });

  it('an EHLO reply that never ends: ehlo_timeout, greeting kept', async () => {
    const { probe } = await probeHost({ behaviour: { kind: 'ehlo_never_ends', intervalMs: 5 } }, 'mx.probe.test', {
      bounds: { ...BOUNDS, maxReplyLines: 100_000, maxReplyBytes: 16_777_216 },
    });
    expect(probe.banner?.code).toBe(220);
    expect(probe.error).toBe('ehlo_timeout');
    expect(probe.ehlo).toBeNull();
    expect(probe.starttls).toBe('not_tried');
  });
});

describe('SmtpHostProber: hygiene', () => {
  it('destroys the sockets and leaves none of its listeners behind', async () => {
    const host = await startHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'] } });
    const sockets: net.Socket[] = [];
    const probe = await prober({
      dialer: new DirectDialer((o) => {
        const socket = net.connect(o);
        sockets.push(socket);
        return socket;
      }),
      tlsConnect: (options) => {
        const socket = tls.connect(options);
        sockets.push(socket);
        return socket;
      },
    }).probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.probe.test' });
    expect(probe.starttls).toBe('ok');
    expect(sockets).toHaveLength(2);
    for (const socket of sockets) {
      expect(socket.destroyed).toBe(true);
      expect(socket.listenerCount('data')).toBe(0);
      // Node keeps listeners of its own (net's 'end' handler, the TLS wrap's
      // 'close' and 'connect' handlers on the wrapped socket); none of the
      // connection's own handlers, which use its private state, may remain.
      for (const event of ['end', 'close', 'connect', 'secureConnect']) {
        for (const listener of socket.listeners(event))
          expect(String(listener)).not.toMatch(/#(reader|setEnd|connected|wake|socket)\b|state \?\?=/);
      }
    }
  });

  it('leaves no listeners on a plain conversation either', async () => {
    const host = await startHost({ behaviour: 'no_starttls' });
    let baseline: number[] = [];
    let plain: net.Socket | undefined;
    const events = ['data', 'end', 'close', 'connect'];
    await prober({
      dialer: new DirectDialer((o) => {
        plain = net.connect(o);
        baseline = events.map((e) => plain?.listenerCount(e) ?? -1);
        return plain;
      }),
    }).probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.probe.test' });
    expect(plain?.destroyed).toBe(true);
    expect(events.map((e) => plain?.listenerCount(e))).toEqual(baseline);
  });

  it('every handshake of one prober shares one secure context (a fresh one cost ~100 ms CPU each)', async () => {
    const host = await startHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'] } });
    const contexts: Array<tls.SecureContext | undefined> = [];
    const shared = prober({
      tlsConnect: (options) => {
        contexts.push(options.secureContext);
        return tls.connect(options);
      },
    });
    for (let i = 0; i < 2; i++) {
      const probe = await shared.probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.probe.test' });
      expect(probe.tls?.certValid).toBe(true);
    }
    expect(contexts).toHaveLength(2);
    expect(contexts[0]).toBeInstanceOf(Object);
    expect(contexts[1]).toBe(contexts[0]);
  });

  it('an IP literal as exchange: no SNI, the name match judged on the address', async () => {
    const host = await startHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'] } });
    const probe = await prober().probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: host.host });
    expect(probe.starttls).toBe('ok');
    expect(probe.tls?.hostnameMatch).toBe(false);
    expect(probe.probedAs).toBe(host.host);
  });

  it('a heloName with CR/LF is refused rather than sent', async () => {
    const { probe, commands } = await probeHost({ behaviour: 'esmtp' }, 'mx.probe.test', {
      bounds: { ...BOUNDS, heloName: 'x\r\nMAIL FROM:<a@b.test>' },
    });
    expect(probe.error).toBe('invalid_helo_name');
    expect(commands).toEqual([]);
  });

  it('a throwing dependency becomes internal_error, never a rejection', async () => {
    const probe = await prober({
      policy: {
        check: () => {
          throw new Error('policy bug');
        },
      },
    }).probe({ ip: '127.0.0.1', port: 9, tlsMode: 'starttls', exchange: 'mx.probe.test' });
    expect(probe.error).toBe('internal_error');
    expect(probe.connect).toBe('error');
  });

  it('a TLS wrapper that throws is a failed handshake', async () => {
    const { probe } = await probeHost({ behaviour: 'esmtp', cert: { names: ['mx.probe.test'] } }, 'mx.probe.test', {
      tlsConnect: () => {
        throw Object.assign(new Error('no TLS here'), { code: 'ERR_TLS_INVALID_CONTEXT' });
      },
    });
    expect(probe.starttls).toBe('failed');
    expect(probe.error).toBe('tls_handshake_failed');
    expect(probe.tls?.error).toBe('invalid_context');
  });
});

describe('SmtpConnection', () => {
  const clock = () => ({ now: Date.now, deadline: Date.now() + 3000 });

  it('reads replies as data, refuses CR/LF in commands, and closes twice safely', async () => {
    const host = await startHost({ behaviour: 'no_starttls', hostname: 'mx.conn.test' });
    const opened = await SmtpConnection.open({
      dialer: new DirectDialer(),
      host: host.host,
      port: host.port,
      connectTimeoutMs: 300,
      bounds: BOUNDS,
      clock: clock(),
    });
    if (opened.status !== 'connected') throw new Error(opened.status);
    const conn = opened.connection;
    expect(await conn.readReply(300)).toEqual({ status: 'reply', code: 220, lines: ['mx.conn.test ESMTP mxv-testkit'] });
    expect(conn.send('EHLO a\r\nMAIL FROM:<x@y.test>')).toEqual({ status: 'invalid_command' });
    expect(conn.send('EHLO conn.test')).toEqual({ status: 'sent' });
    const ehlo = await conn.readReply(300);
    expect(ehlo.status === 'reply' && ehlo.code).toBe(250);
    // Nothing more was asked: the next wait ends by its own timeout.
    expect(await conn.readReply(50)).toEqual({ status: 'timeout' });
    conn.close();
    conn.close();
    expect(conn.send('QUIT')).toEqual({ status: 'closed' });
    expect(await conn.readReply(50)).toEqual({ status: 'closed' });
    expect(host.log.records[0]?.commands).toEqual(['EHLO']);
  });

  it('every wait ends at the conversation deadline', async () => {
    const host = await startHost({ behaviour: 'silent' });
    const deadline = Date.now() + 150;
    const opened = await SmtpConnection.open({
      dialer: new DirectDialer(),
      host: host.host,
      port: host.port,
      connectTimeoutMs: 300,
      bounds: BOUNDS,
      clock: { now: Date.now, deadline },
    });
    if (opened.status !== 'connected') throw new Error(opened.status);
    expect(await opened.connection.readReply(10_000)).toEqual({ status: 'budget_exceeded' });
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 5);
    expect(Date.now()).toBeLessThan(deadline + slack.ms());
    expect(await opened.connection.readReply(10_000)).toEqual({ status: 'budget_exceeded' });
    opened.connection.close();
  });
});
