import { readdirSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SchedulingSlack,
  blockAddress,
  createTestCa,
  randomIpBlock,
  startSmtpHost,
  type IssuedCert,
  type SmtpBehaviour,
  type SmtpBehaviourKind,
  type SmtpHostHandle,
  type TestCa,
} from '@mxv/testkit';
import {
  createAddressPolicy,
  parseProbeOptions,
  SmtpHostProber,
  type AddressPolicy,
  type HostProbe,
  type SmtpBounds,
} from '@mxv/probe';

/**
 * Issue 6, "Hostile servers": every server a test, each with its bound checked
 * (elapsed time against the configured timeouts), and a batch of 1,000 probes
 * against a mix of them to check that memory stays bounded, no file descriptor
 * stays open and no promise rejection goes unhandled.
 */

const BOUNDS: SmtpBounds = parseProbeOptions({
  smtp: {
    heloName: 'probe.mxv.test',
    // Short enough that a hostile server cannot stretch the suite, long enough that a server in
    // this same process, writing on a busy machine, gets to say what it says before a bound passes.
    hostBudgetMs: 3000,
    connectTimeoutMs: 1000,
    greetingTimeoutMs: 1000,
    replyTimeoutMs: 1000,
    tlsHandshakeTimeoutMs: 1000,
    quitTimeoutMs: 100,
  },
}).smtp;
/** Scheduling slack on top of a bound (two CPUs, files running in parallel). */
const SLACK_BASE_MS = 600;
/** Per test: the base plus how late this process's timers ran (a busy machine is not a broken bound). */
const slack = new SchedulingSlack(SLACK_BASE_MS);
beforeEach(() => slack.reset());
afterAll(() => slack.stop());

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

const block = `${randomIpBlock()}.${1 + Math.floor(Math.random() * 200)}`;
let nextAddress = 0;
const hosts: SmtpHostHandle[] = [];
let ca: TestCa;
let prober: SmtpHostProber;
let loopbackPolicy: AddressPolicy;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Heap in use after a full collection (V8's gc made callable for this process). */
function settledHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ca = await createTestCa();
  const setup = createAddressPolicy(['127.0.0.0/8']);
  if (setup.status !== 'ok') throw new Error(setup.reason);
  loopbackPolicy = setup.policy;
  prober = new SmtpHostProber({ bounds: BOUNDS, policy: setup.policy, extraCaPem: [ca.certPem] });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const host of hosts) expect(host.log.forbidden()).toEqual([]);
  await Promise.all(hosts.map((h) => h.stop()));
  expect(unhandled).toEqual([]);
});

async function startHost(behaviour: SmtpBehaviour | SmtpBehaviourKind, cert?: IssuedCert): Promise<SmtpHostHandle> {
  const host = await startSmtpHost({
    host: blockAddress(block, nextAddress++),
    port: 0,
    behaviour,
    hostname: 'mx.hostile.test',
    backlog: 4096,
    ...(cert ? { tls: { certPem: cert.certPem, keyPem: cert.keyPem, chainPem: cert.chainPem } } : {}),
  });
  hosts.push(host);
  return host;
}

async function timedProbe(host: SmtpHostHandle): Promise<{ probe: HostProbe; elapsedMs: number }> {
  const started = Date.now();
  const probe = await prober.probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.hostile.test' });
  return { probe, elapsedMs: Date.now() - started };
}

interface HostileCase {
  name: string;
  behaviour: SmtpBehaviour | SmtpBehaviourKind;
  error: string;
  /** The bound that must end it: the result arrives before bound + slack. */
  boundMs: number;
  /** And, for a timeout, not before the bound (it did wait for the server, as configured). */
  atLeastMs?: number;
  check?: (probe: HostProbe) => void;
}

const CASES: HostileCase[] = [
  {
    name: 'greeting never comes',
    behaviour: 'silent',
    error: 'greeting_timeout',
    boundMs: BOUNDS.greetingTimeoutMs,
    atLeastMs: BOUNDS.greetingTimeoutMs - 20,
  },
  {
    // A byte a second keeps a socket "active": the greeting wait is a total, not an idle timeout.
    name: 'greeting trickles one byte a second',
    behaviour: { kind: 'trickle', intervalMs: 1000 },
    error: 'greeting_timeout',
    boundMs: BOUNDS.greetingTimeoutMs,
    atLeastMs: BOUNDS.greetingTimeoutMs - 20,
  },
  {
    name: '10 MB greeting with no newline',
    behaviour: { kind: 'huge_greeting', bytes: 10 * 1024 * 1024 },
    error: 'line_too_long',
    boundMs: BOUNDS.greetingTimeoutMs,
  },
  {
    name: '100,000 continuation lines',
    behaviour: { kind: 'endless_continuation', lines: 100_000, intervalMs: 0 },
    error: 'too_many_lines',
    boundMs: BOUNDS.greetingTimeoutMs,
  },
  {
    name: 'NUL bytes and invalid UTF-8 instead of a greeting',
    behaviour: { kind: 'binary_garbage', bytes: 4096 },
    error: 'not_smtp_binary',
    boundMs: BOUNDS.greetingTimeoutMs,
  },
  {
    name: 'an HTTP server that answers at once',
    behaviour: 'http_banner',
    error: 'not_smtp_http',
    boundMs: BOUNDS.greetingTimeoutMs,
  },
  {
    // It waits for a request; we never speak first (postscreen would call that pregreet).
    name: 'an HTTP server that waits for a request',
    behaviour: 'http',
    error: 'greeting_timeout',
    boundMs: BOUNDS.greetingTimeoutMs,
    atLeastMs: BOUNDS.greetingTimeoutMs - 20,
  },
  {
    name: 'a TLS-only service (a TLS record on connect)',
    behaviour: 'tls_bytes',
    error: 'not_smtp_tls',
    boundMs: BOUNDS.greetingTimeoutMs,
  },
  {
    name: 'reset in the middle of the greeting',
    behaviour: 'reset_mid_reply',
    error: 'connection_reset',
    boundMs: BOUNDS.greetingTimeoutMs,
  },
  {
    name: 'EHLO reply that never ends (slowly)',
    behaviour: { kind: 'ehlo_never_ends', intervalMs: 50 },
    error: 'ehlo_timeout',
    boundMs: BOUNDS.replyTimeoutMs + 100,
    check: (probe) => expect(probe.banner?.code).toBe(220),
  },
  {
    name: 'EHLO reply that never ends (fast)',
    behaviour: { kind: 'ehlo_never_ends', intervalMs: 0 },
    error: 'too_many_lines',
    boundMs: BOUNDS.replyTimeoutMs + 100,
    check: (probe) => expect(probe.banner?.code).toBe(220),
  },
  {
    name: 'STARTTLS accepted, then a non-TLS byte stream',
    behaviour: 'garbage_after_starttls',
    error: 'tls_handshake_failed',
    boundMs: BOUNDS.replyTimeoutMs * 2 + BOUNDS.tlsHandshakeTimeoutMs,
    check: (probe) => expect(probe.starttls).toBe('failed'),
  },
  {
    name: 'TLS handshake stalls after ClientHello',
    behaviour: 'tls_stall',
    error: 'tls_timeout',
    boundMs: BOUNDS.replyTimeoutMs * 2 + BOUNDS.tlsHandshakeTimeoutMs,
    check: (probe) => {
      expect(probe.starttls).toBe('failed');
      expect(probe.timingsMs.tls).toBeGreaterThanOrEqual(BOUNDS.tlsHandshakeTimeoutMs - 20);
    },
  },
];

describe('hostile servers: each one ends with the right reason within its bound', () => {
  it.each(CASES)('$name → $error', async (c) => {
    const host = await startHost(c.behaviour);
    const { probe, elapsedMs } = await timedProbe(host);
    expect(probe.connect).toBe('ok');
    expect(probe.error).toBe(c.error);
    expect(elapsedMs).toBeLessThan(c.boundMs + BOUNDS.quitTimeoutMs + slack.ms());
    expect(elapsedMs).toBeLessThan(BOUNDS.hostBudgetMs + slack.ms());
    if (c.atLeastMs !== undefined) expect(elapsedMs).toBeGreaterThanOrEqual(c.atLeastMs);
    expect(probe.timingsMs.total).toBeLessThanOrEqual(elapsedMs + 5);
    // Whatever the server sent, the text kept is bounded and printable.
    for (const text of [probe.banner?.text ?? '', ...(probe.ehlo?.extensions ?? [])]) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(BOUNDS.maxStoredTextBytes);
      expect(text).not.toMatch(/\p{Cc}/u);
    }
    c.check?.(probe);
    // Nothing but the conversation's own verbs ever reached the server.
    for (const rec of host.log.records)
      for (const verb of rec.commands) expect(['EHLO', 'HELO', 'STARTTLS', 'QUIT']).toContain(verb);
  });

  it('NUL bytes and invalid UTF-8 inside well-framed replies: described, cleaned, JSON-safe', async () => {
    const host = await startHost('dirty_text');
    const { probe, elapsedMs } = await timedProbe(host);
    expect(probe.banner?.code).toBe(220);
    expect(probe.banner?.text).toMatch(/^mx\.hostile\.test ESMTP \uFFFD+ \[31mred$/);
    expect(probe.ehlo?.code).toBe(250);
    expect(probe.ehlo?.extensions).toEqual(['X-NUL-INSIDE', 'STARTTLS', '8BITMIME']);
    // Controls are dropped from wire text, so "STARTTLS<NUL>" reads as STARTTLS, as it does to
    // an MTA written in C (the NUL ends the string); the server then refuses it with 502.
    expect(probe.starttls).toBe('failed');
    expect(probe.error).toBe('starttls_rejected');
    for (const text of [probe.banner?.text ?? '', ...(probe.ehlo?.extensions ?? [])]) expect(text).not.toMatch(/\p{Cc}/u);
    expect(JSON.parse(JSON.stringify(probe))).toEqual(probe);
    expect(elapsedMs).toBeLessThan(BOUNDS.hostBudgetMs);
    expect(host.log.records[0]?.commands).toEqual(['EHLO', 'STARTTLS', 'QUIT']);
  });

  it('a certificate chain of 50 certificates: handshake completes, the chain walked is bounded', async () => {
    const cert = await ca.issue({ names: ['mx.hostile.test'], intermediates: 49 });
    expect(cert.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(50);
    const host = await startHost('esmtp', cert);
    const { probe, elapsedMs } = await timedProbe(host);
    expect(probe.error).toBeNull();
    expect(probe.starttls).toBe('ok');
    expect(probe.tls?.hostnameMatch).toBe(true);
    expect(probe.tls?.chainLength).toBeLessThanOrEqual(BOUNDS.maxCertChain);
    expect(elapsedMs).toBeLessThan(BOUNDS.hostBudgetMs + slack.ms());
  });

  it('a server that accepts 1,000 connections and never answers: every probe ends at the greeting timeout', async () => {
    const host = await startHost('silent');
    // 1,000 SYNs at once overflow the listen backlog, and a dropped SYN is sent again after 1 s:
    // on a loaded machine many connects would outlast the shared 1 s bound. This test is about
    // the greeting wait, so its connects get room (the greeting bound stays as it is).
    const connectTimeoutMs = 3_000;
    const patient = new SmtpHostProber({
      bounds: { ...BOUNDS, connectTimeoutMs, hostBudgetMs: connectTimeoutMs + BOUNDS.greetingTimeoutMs + SLACK_BASE_MS },
      policy: loopbackPolicy,
    });
    const fdsBefore = openFds();
    const started = Date.now();
    const probes = await Promise.all(
      Array.from({ length: 1000 }, () =>
        patient.probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.hostile.test' }),
      ),
    );
    const elapsedMs = Date.now() - started;
    const byError = new Map<string | null, number>();
    for (const p of probes) byError.set(p.error, (byError.get(p.error) ?? 0) + 1);
    console.log('1,000 at once against a silent server:', Object.fromEntries(byError));
    // A burst of 1,000 SYNs on two CPUs may see a few connects outlast their own timeout; either
    // way each probe ends at its bound, and every accepted connection waited for a greeting.
    for (const error of byError.keys()) expect(['greeting_timeout', 'connect_timeout']).toContain(error);
    // Most waited for a greeting (what this test is about), and each one that did had a connection.
    expect(byError.get('greeting_timeout') ?? 0).toBeGreaterThanOrEqual(500);
    expect(host.log.total).toBeGreaterThanOrEqual(byError.get('greeting_timeout') ?? 0);
    // All in parallel: the whole batch takes about one connect plus one greeting timeout, not 1,000.
    expect(elapsedMs).toBeLessThan(BOUNDS.greetingTimeoutMs + connectTimeoutMs + 3 * slack.ms());
    await waitForFds(fdsBefore);
  });
});

async function waitForFds(baseline: number): Promise<void> {
  // Both ends live in this process: the server side closes when it sees our FIN.
  const deadline = Date.now() + 3000;
  while (openFds() > baseline && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(openFds()).toBeLessThanOrEqual(baseline);
}

describe('hostile servers: 1,000 probes against a mix', () => {
  it('memory bounded, no descriptor left open, every probe a result', async () => {
    const mix = await Promise.all(
      [
        'silent',
        { kind: 'trickle', intervalMs: 50 },
        { kind: 'huge_greeting', bytes: 10 * 1024 * 1024 },
        { kind: 'endless_continuation', lines: 100_000, intervalMs: 0 },
        { kind: 'binary_garbage', bytes: 4096 },
        'http_banner',
        'tls_bytes',
        'reset_mid_reply',
        { kind: 'ehlo_never_ends', intervalMs: 0 },
        'garbage_after_starttls',
        'tls_stall',
        'dirty_text',
        'greeting_421',
        'close_after_greeting',
      ].map((b) => startHost(b as SmtpBehaviour | SmtpBehaviourKind)),
    );
    // Under load, a server writing a line per timer tick may not reach maxReplyLines before the
    // reply timeout: both endings are the right answer for those two.
    const expected: Array<Array<string | null>> = [
      ['greeting_timeout'],
      ['greeting_timeout'],
      ['line_too_long'],
      ['too_many_lines', 'greeting_timeout'],
      ['not_smtp_binary'],
      ['not_smtp_http'],
      ['not_smtp_tls'],
      // The RST comes 250 ms after half a greeting: under load the greeting wait may end first, and
      // an RST that lands while the half greeting is still being read may surface as a plain close.
      ['connection_reset', 'greeting_timeout', 'closed_before_greeting'],
      ['too_many_lines', 'ehlo_timeout'],
      ['tls_handshake_failed'],
      ['tls_timeout'],
      ['starttls_rejected'],
      ['greeting_tempfail'],
      ['closed_after_greeting'],
    ];
    const total = 1000;
    const concurrency = 100;
    const fdsBefore = openFds();
    const heapBefore = settledHeap();
    let peakHeap = 0;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);

    const errors = new Array<string | null>(total);
    const details = new Array<string | null>(total);
    let next = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const host = mix[i % mix.length] as SmtpHostHandle;
        const probe = await prober.probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.hostile.test' });
        errors[i] = probe.error;
        details[i] = probe.tls?.error ?? null;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearInterval(sampler);

    // Each probe ends with its server's own reason, or, when the machine is too busy for a 1 s
    // bound (100 probes at once beside other test files), with the timeout of the phase it was in:
    // a bound that passes is a right answer too. A probe that timed out is asked again, ten at a time,
    // so that the reasons are still put to the test on a loaded machine (a CI run once saw 15 % time
    // out at 100 at once); after that, timeouts stay the exception.
    const timedOutAt: number[] = [];
    errors.forEach((error, i) => {
      if (expected[i % mix.length]?.includes(error)) return;
      expect(error, `probe ${i} (${details[i] ?? 'no detail'}): expected ${String(expected[i % mix.length])}`).toMatch(
        /^(?:[a-z]+_timeout|budget_exceeded)$/,
      );
      timedOutAt.push(i);
    });
    const elapsedMs = Date.now() - started;
    let stillTimedOut = 0;
    const retry = async (): Promise<void> => {
      for (let i = timedOutAt.shift(); i !== undefined; i = timedOutAt.shift()) {
        const host = mix[i % mix.length] as SmtpHostHandle;
        const again = await prober.probe({ ip: host.host, port: host.port, tlsMode: 'starttls', exchange: 'mx.hostile.test' });
        if (!expected[i % mix.length]?.includes(again.error)) stillTimedOut += 1;
      }
    };
    const firstTimedOut = timedOutAt.length;
    // Ten at a time, a tenth of the first run's load.
    await Promise.all(Array.from({ length: 10 }, retry));
    expect(
      stillTimedOut,
      `probes that ended on a timeout instead of their reason, asked again (${firstTimedOut} at first)`,
    ).toBeLessThanOrEqual(total / 10);
    // 10 rounds of at most one host budget each, plus slack.
    expect(elapsedMs).toBeLessThan((total / concurrency) * (BOUNDS.hostBudgetMs + slack.ms()));

    await waitForFds(fdsBefore);
    const retained = settledHeap() - heapBefore;
    const peak = peakHeap - heapBefore;
    // Per probe, nothing of what the servers sent is kept: the results (errors only here) and the
    // servers' own connection logs stay. 8 KiB a probe is generous; a leak of one socket, a reply
    // buffer or a 10 MB greeting each time would exceed it at once.
    expect(retained / total).toBeLessThan(8 * 1024);
    // 100 conversations in flight, each reading at most maxReplyBytes: far under 128 MiB.
    expect(peak).toBeLessThan(128 * 1024 * 1024);
    console.log(
      `hostile mix: ${total} probes, ${mix.length} behaviours, ${elapsedMs} ms, heap peak +${(peak / 1048576).toFixed(1)} MiB, ` +
        `retained ${(retained / total).toFixed(0)} B/probe, fds ${fdsBefore} → ${openFds()}`,
    );
  });
});
