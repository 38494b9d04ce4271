import { X509Certificate } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { blockAddress, randomIpBlock } from '../src/loopback.js';
import { startSmtpHost, type SmtpHostHandle, type SmtpHostOptions } from '../src/smtp-server.js';
import { createTestCa, type IssuedCert, type TestCa } from '../src/test-ca.js';
import { RawClient } from './helpers/raw-client.js';

const block = randomIpBlock();
let nextAddress = 0;
const hosts: SmtpHostHandle[] = [];
const clients: RawClient[] = [];
let ca: TestCa;
let cert: IssuedCert;

beforeAll(async () => {
  ca = await createTestCa();
  cert = await ca.issue({ names: ['mx.ok.test'] });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function host(opts: Omit<SmtpHostOptions, 'host' | 'port'>): Promise<SmtpHostHandle> {
  const h = await startSmtpHost({ host: blockAddress(block, nextAddress++), port: 0, hostname: 'mx.ok.test', ...opts });
  hosts.push(h);
  return h;
}

async function connect(h: SmtpHostHandle): Promise<RawClient> {
  const c = await RawClient.connect(h.host, h.port);
  clients.push(c);
  return c;
}

/** Wait until the host has seen every connection close (the log is updated on the server's 'close'). */
async function settled(h: SmtpHostHandle, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (h.log.current > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('esmtp', () => {
  it('greets, answers EHLO with extensions, upgrades with STARTTLS, EHLOs again without STARTTLS, and QUITs', async () => {
    const h = await host({ behaviour: 'esmtp', tls: cert });
    const c = await connect(h);
    expect(await c.reply()).toBe('220 mx.ok.test ESMTP mxv-testkit\r\n');
    c.send('EHLO mxv.invalid\r\n');
    const ehlo = await c.reply();
    expect(ehlo).toBe(
      '250-mx.ok.test greets mxv.invalid\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n',
    );
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toBe('220 2.0.0 Ready to start TLS\r\n');
    const up = await c.startTls({ servername: 'mx.ok.test', ca: [ca.certPem] });
    expect(up.ok).toBe(true);
    if (!up.ok) return;
    expect(up.socket.authorized).toBe(true);
    expect(new X509Certificate(up.socket.getPeerX509Certificate()!.raw).subjectAltName).toBe('DNS:mx.ok.test');
    c.send('EHLO mxv.invalid\r\n');
    const ehlo2 = await c.reply();
    expect(ehlo2).toMatch(/^250-mx\.ok\.test/);
    expect(ehlo2).not.toContain('STARTTLS');
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toMatch(/^503 /);
    c.send('QUIT\r\n');
    expect(await c.reply()).toMatch(/^221 /);
    expect(await c.waitClose()).toBe('closed');
    await settled(h);
    const rec = h.log.records[0]!;
    expect(rec.commands).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'STARTTLS', 'QUIT']);
    expect(rec.tlsEstablished).toBe(true);
    expect(rec.sentBeforeGreeting).toBe(false);
    expect(rec.plaintextAfterStarttls).toBe(false);
    expect(rec.closedAt).not.toBeNull();
  });

  it('answers HELO, NOOP, unknown commands, and refuses MAIL/RCPT/DATA with 554 5.7.1, recording them', async () => {
    const h = await host({ behaviour: 'esmtp' });
    const c = await connect(h);
    await c.reply();
    c.send('HELO mxv.invalid\r\n');
    expect(await c.reply()).toBe('250 mx.ok.test\r\n');
    c.send('NOOP\r\nVRFY postmaster\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nEHLO\r\n\r\n');
    const replies: string[] = [];
    for (let i = 0; i < 7; i++) replies.push((await c.reply())!.slice(0, 9));
    expect(replies).toEqual(['250 2.0.0', '502 5.5.2', '554 5.7.1', '554 5.7.1', '554 5.7.1', '501 5.5.4', '500 5.5.2']);
    expect(h.log.forbidden().map((f) => f.command)).toEqual(['MAIL', 'RCPT', 'DATA']);
  });

  it('does not offer STARTTLS without a certificate', async () => {
    const h = await host({ behaviour: 'esmtp' });
    const c = await connect(h);
    await c.reply();
    c.send('EHLO x.test\r\n');
    expect(await c.reply()).not.toContain('STARTTLS');
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toMatch(/^502 /);
  });

  it('records plaintext pipelined behind STARTTLS and discards it', async () => {
    const h = await host({ behaviour: 'esmtp', tls: cert });
    const c = await connect(h);
    await c.reply();
    c.send('EHLO x.test\r\n');
    await c.reply();
    c.send('STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n');
    expect(await c.reply()).toMatch(/^220 /);
    const up = await c.startTls({ servername: 'mx.ok.test', ca: [ca.certPem] });
    expect(up.ok).toBe(true);
    c.send('NOOP\r\n');
    expect(await c.reply()).toMatch(/^250 /);
    const rec = h.log.records[0]!;
    expect(rec.plaintextAfterStarttls).toBe(true);
    expect(rec.commands).toEqual(['EHLO', 'STARTTLS', 'NOOP']);
    expect(rec.forbiddenCommands).toEqual([]);
  });

  it('serves the chain it was given and records a failed handshake', async () => {
    const long = await ca.issue({ names: ['mx.long.test'], intermediates: 2 });
    const h = await host({ behaviour: 'esmtp', tls: long, hostname: 'mx.long.test' });
    const c = await connect(h);
    await c.reply();
    c.send('STARTTLS\r\n');
    await c.reply();
    const up = await c.startTls({ servername: 'mx.long.test', ca: [ca.certPem] });
    expect(up.ok && up.socket.authorized).toBe(true);
    c.destroy();

    // A client that trusts nothing aborts the handshake; the server notes it.
    const c2 = await connect(h);
    await c2.reply();
    c2.send('STARTTLS\r\n');
    await c2.reply();
    const bad = await c2.startTls({ servername: 'mx.long.test', ca: [] });
    expect(bad).toEqual({ ok: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    await settled(h);
    expect(h.log.records[1]!.tlsEstablished).toBe(false);
    expect(h.log.records[1]!.tlsError).not.toBeNull();
  });

  it('answers pipelined commands in order, after replyDelayMs each', async () => {
    const h = await host({ behaviour: 'esmtp', replyDelayMs: 50 });
    const c = await connect(h);
    await c.reply();
    const t0 = Date.now();
    c.send('EHLO a.test\r\nNOOP\r\nQUIT\r\n');
    const r1 = await c.reply();
    const r2 = await c.reply();
    const r3 = await c.reply();
    expect([r1?.slice(0, 4), r2?.slice(0, 4), r3?.slice(0, 4)]).toEqual(['250-', '250 ', '221 ']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('answers a line longer than maxLineBytes with 500 and goes on', async () => {
    const h = await host({ behaviour: 'esmtp', maxLineBytes: 100 });
    const c = await connect(h);
    await c.reply();
    c.send(`EHLO ${'a'.repeat(300)}\r\nNOOP\r\n`);
    expect(await c.reply()).toMatch(/^500 5\.5\.2 Line too long/);
    expect(await c.reply()).toMatch(/^250 /);
  });
});

describe('greetings', () => {
  it('no_starttls never offers STARTTLS even with a certificate', async () => {
    const h = await host({ behaviour: 'no_starttls', tls: cert });
    const c = await connect(h);
    await c.reply();
    c.send('EHLO x.test\r\n');
    expect(await c.reply()).not.toContain('STARTTLS');
  });

  it('esmtp_inspected: greeting masked, STARTTLS and CHUNKING overwritten with Xs keeping their length, STARTTLS answered 502', async () => {
    const h = await host({ behaviour: 'esmtp_inspected', tls: cert });
    const c = await connect(h);
    expect(await c.reply()).toBe(`220 ${'*'.repeat('mx.ok.test'.length)} ***** ***********\r\n`);
    c.send('EHLO x.test\r\n');
    const ehlo = (await c.reply())!;
    expect(ehlo).not.toContain('STARTTLS');
    expect(ehlo).toContain('250-XXXXXXXA\r\n250 XXXXXXXB\r\n');
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toMatch(/^502 /);
  });

  it('greeting_554 answers 503 to everything but QUIT', async () => {
    const h = await host({ behaviour: 'greeting_554' });
    const c = await connect(h);
    expect(await c.reply()).toBe('554 5.3.2 mx.ok.test No SMTP service here\r\n');
    c.send('EHLO x.test\r\n');
    expect(await c.reply()).toMatch(/^503 /);
    c.send('QUIT\r\n');
    expect(await c.reply()).toMatch(/^221 /);
    expect(await c.waitClose()).toBe('closed');
  });

  it('greeting_421 says 421 and closes', async () => {
    const h = await host({ behaviour: 'greeting_421' });
    const c = await connect(h);
    expect(await c.reply()).toMatch(/^421 4\.3\.2 mx\.ok\.test /);
    expect(await c.waitClose()).toBe('closed');
  });

  it('multiline_greeting sends 220- lines then 220 and then works', async () => {
    const h = await host({ behaviour: { kind: 'multiline_greeting', lines: 3 } });
    const c = await connect(h);
    const g = await c.reply();
    expect(
      g
        ?.split('\r\n')
        .filter(Boolean)
        .map((l) => l.slice(0, 4)),
    ).toEqual(['220-', '220-', '220 ']);
    c.send('EHLO x.test\r\n');
    expect(await c.reply()).toMatch(/^250-/);
  });

  it('silent accepts and says nothing, and records that the client spoke first', async () => {
    const h = await host({ behaviour: 'silent' });
    const c = await connect(h);
    expect(await c.waitFor((t) => t.length > 0, 300)).toBe(false);
    c.send('EHLO x.test\r\n');
    expect(await c.waitFor((t) => t.length > 0, 200)).toBe(false);
    expect(h.log.records[0]!.sentBeforeGreeting).toBe(true);
    expect(h.log.records[0]!.bytesReceived).toBe(13);
  });

  it('trickle sends the greeting a byte at a time and never ends the line', async () => {
    const h = await host({ behaviour: { kind: 'trickle', intervalMs: 20 } });
    const c = await connect(h);
    // Enough bytes to read the start of the greeting; a busy machine only makes the wait longer.
    expect(await c.waitFor((text) => text.length >= 9, 5_000)).toBe(true);
    const t = c.text;
    expect(t.startsWith('220 mx.ok')).toBe(true);
    // A byte a tick: far fewer bytes than a whole greeting line, and never its end.
    expect(t.length).toBeLessThan(40);
    expect(t).not.toContain('\n');
  });

  it('ehlo_refused gives 500 to EHLO and 250 to HELO', async () => {
    const h = await host({ behaviour: 'ehlo_refused', tls: cert });
    const c = await connect(h);
    await c.reply();
    c.send('EHLO x.test\r\n');
    expect(await c.reply()).toMatch(/^500 /);
    c.send('HELO x.test\r\n');
    expect(await c.reply()).toBe('250 mx.ok.test\r\n');
  });

  it('starttls_refused offers STARTTLS and answers 454', async () => {
    const h = await host({ behaviour: 'starttls_refused' });
    const c = await connect(h);
    await c.reply();
    c.send('EHLO x.test\r\n');
    expect(await c.reply()).toContain('250 STARTTLS');
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toMatch(/^454 4\.7\.0 /);
  });

  it('garbage_after_starttls answers the ClientHello with plain text', async () => {
    const h = await host({ behaviour: 'garbage_after_starttls' });
    const c = await connect(h);
    await c.reply();
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toMatch(/^220 /);
    const up = await c.startTls({ servername: 'mx.ok.test', ca: [ca.certPem] });
    expect(up.ok).toBe(false);
    if (!up.ok) expect(up.error).toMatch(/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER|ECONNRESET/);
  });

  it('tls_stall accepts STARTTLS and never completes the handshake', async () => {
    const h = await host({ behaviour: 'tls_stall' });
    const c = await connect(h);
    await c.reply();
    c.send('STARTTLS\r\n');
    expect(await c.reply()).toMatch(/^220 /);
    const res = await Promise.race([
      c.startTls({ servername: 'mx.ok.test', ca: [ca.certPem] }),
      new Promise((r) => setTimeout(() => r('stalled'), 400)),
    ]);
    expect(res).toBe('stalled');
    expect(h.log.records[0]!.bytesReceived).toBeGreaterThan(10 + 100); // STARTTLS line + a ClientHello
  });

  it('close_after_greeting greets and closes', async () => {
    const h = await host({ behaviour: 'close_after_greeting' });
    const c = await connect(h);
    expect(await c.reply()).toMatch(/^220 /);
    expect(await c.waitClose()).toBe('closed');
  });

  it('pregreet_check delays the banner and records a client that talks first', async () => {
    const h = await host({ behaviour: { kind: 'pregreet_check', greetingDelayMs: 200 } });
    const polite = await connect(h);
    expect(await polite.reply(1000)).toMatch(/^220 /);
    const rude = await connect(h);
    rude.send('EHLO rude.test\r\n');
    expect(await rude.reply(1000)).toMatch(/^220 /);
    expect(await rude.reply(1000)).toMatch(/^250-/);
    expect(h.log.records.map((r) => r.sentBeforeGreeting)).toEqual([false, true]);
  });

  it('endless_continuation with N lines ends with 220; without N it never ends', async () => {
    const h = await host({ behaviour: { kind: 'endless_continuation', lines: 50, intervalMs: 1 } });
    const c = await connect(h);
    const g = await c.reply(3000);
    const lines = g!.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(51);
    expect(lines.slice(0, 50).every((l) => l.startsWith('220-'))).toBe(true);
    expect(lines[50]).toMatch(/^220 /);

    const forever = await host({ behaviour: { kind: 'endless_continuation', intervalMs: 5 } });
    const f = await connect(forever);
    expect(await f.reply(300)).toBeNull();
    expect(f.text.split('\r\n').length).toBeGreaterThan(10);
  });

  it('ehlo_never_ends keeps sending 250- lines', async () => {
    const h = await host({ behaviour: { kind: 'ehlo_never_ends', intervalMs: 5 } });
    const c = await connect(h);
    await c.reply();
    c.send('EHLO x.test\r\n');
    expect(await c.reply(300)).toBeNull();
    expect(c.text.split('\r\n').filter((l) => l.startsWith('250-')).length).toBeGreaterThan(10);

    const bounded = await host({ behaviour: { kind: 'ehlo_never_ends', lines: 20, intervalMs: 1 } });
    const b = await connect(bounded);
    await b.reply();
    b.send('EHLO x.test\r\n');
    expect((await b.reply())!.split('\r\n').filter(Boolean)).toHaveLength(21);
  });
});

describe('hostile non-SMTP servers', () => {
  it('http waits for the client, then answers 400 and closes', async () => {
    const h = await host({ behaviour: 'http' });
    const c = await connect(h);
    expect(await c.waitFor((t) => t.length > 0, 300)).toBe(false);
    c.send('EHLO x.test\r\n');
    expect(await c.waitFor((t) => t.includes('</html>'))).toBe(true);
    expect(c.text.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    expect(await c.waitClose()).toBe('closed');
  });

  it('http_banner answers HTTP at once', async () => {
    const h = await host({ behaviour: 'http_banner' });
    const c = await connect(h);
    expect(await c.waitFor((t) => t.startsWith('HTTP/1.1 400'))).toBe(true);
    expect(await c.waitClose()).toBe('closed');
  });

  it('binary_garbage sends bytes with NUL and invalid UTF-8', async () => {
    const h = await host({ behaviour: { kind: 'binary_garbage', bytes: 64 } });
    const c = await connect(h);
    expect(await c.waitFor(() => c.buffer.length >= 64)).toBe(true);
    expect(c.buffer.includes(0x00)).toBe(true);
    expect(c.buffer.includes(0xff)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(c.buffer)).toThrow();
  });

  it('tls_bytes writes a TLS fatal alert record', async () => {
    const h = await host({ behaviour: 'tls_bytes' });
    const c = await connect(h);
    expect(await c.waitClose()).toBe('closed');
    expect([...c.buffer]).toEqual([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
  });

  it('reset_mid_reply sends half a greeting then RST', async () => {
    const h = await host({ behaviour: 'reset_mid_reply' });
    const c = await connect(h);
    expect(await c.waitClose()).toBe('reset');
    expect(c.text).toBe('220 mx.ok.test ESM');
  });

  it('huge_greeting sends N bytes with no newline', async () => {
    const h = await host({ behaviour: { kind: 'huge_greeting', bytes: 200_000 } });
    const c = await connect(h);
    expect(await c.waitFor(() => c.buffer.length >= 200_004)).toBe(true);
    expect(c.buffer.includes(0x0a)).toBe(false);
  });
});

describe('connection log', () => {
  it('counts total, current and peak concurrent connections, and the busiest 1-second window', async () => {
    const h = await host({ behaviour: 'silent' });
    const a = await connect(h);
    const b = await connect(h);
    const c = await connect(h);
    await new Promise((r) => setTimeout(r, 50));
    expect([h.log.total, h.log.current, h.log.peakConcurrent]).toEqual([3, 3, 3]);
    a.destroy();
    b.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect([h.log.total, h.log.current, h.log.peakConcurrent]).toEqual([3, 1, 3]);
    c.destroy();
    await settled(h);
    expect(h.log.current).toBe(0);
    expect(h.log.peakNewPerWindow(1000)).toBe(3);
    expect(h.log.records.every((r) => r.closedAt !== null && r.remoteAddress.startsWith('127.'))).toBe(true);
  });

  it('computes the peak of new connections in any window from opening times', async () => {
    const { ConnectionLog } = await import('../src/connection-log.js');
    const log = new ConnectionLog();
    for (const t of [0, 100, 900, 999, 1000, 1500, 1600, 1700, 1800, 3000]) log.open('127.0.0.1', 1, t);
    // [900, 1900) holds 900, 999, 1000, 1500, 1600, 1700, 1800.
    expect(log.peakNewPerWindow(1000)).toBe(7);
    expect(log.peakNewPerWindow(1)).toBe(1);
    expect(log.peakNewPerWindow(10_000)).toBe(10);
    expect(new ConnectionLog().peakNewPerWindow()).toBe(0);
  });

  it('stop() closes the listener and every open connection at once', async () => {
    const h = await host({ behaviour: { kind: 'trickle', intervalMs: 10 } });
    const cs = await Promise.all([connect(h), connect(h), connect(h)]);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = Date.now();
    await h.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    for (const c of cs) expect(await c.waitClose(500)).not.toBe('open');
    await expect(RawClient.connect(h.host, h.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('setBehaviour changes what new connections get', async () => {
    const h = await host({ behaviour: 'esmtp' });
    h.setBehaviour('greeting_421');
    const c = await connect(h);
    expect(await c.reply()).toMatch(/^421 /);
  });
});
