import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAddress,
  createSecureContextQuietly,
  createTestCa,
  modpDhParametersPem,
  randomIpBlock,
  type IssuedCert,
  type TestCa,
} from '@mxv/testkit';
import {
  createAddressPolicy,
  parseEhlo,
  hasExtension,
  parseProbeOptions,
  SmtpHostProber,
  type AddressPolicy,
  type HostProbe,
  type ProbeCallOptions,
  type SmtpBounds,
} from '@mxv/probe';
import { describeCertificateError, tlsKeyWeaknesses, weakCertSignatures } from '@mxv/schema/values';

/**
 * An audit of the probe's SMTP dialogue against RFC 5321, RFC 3207 and what
 * real servers send. Each server here is scripted byte for byte (the testkit's
 * SmtpSession is well behaved by design), on a 127.x address of its own.
 */

const BOUNDS: SmtpBounds = parseProbeOptions({
  smtp: {
    heloName: 'probe.mxv.test',
    hostBudgetMs: 4000,
    connectTimeoutMs: 500,
    greetingTimeoutMs: 800,
    replyTimeoutMs: 800,
    tlsHandshakeTimeoutMs: 800,
    quitTimeoutMs: 200,
  },
}).smtp;

const EXCHANGE = 'mx.audit.test';
const block = randomIpBlock();
let nextAddress = 0;
let ca: TestCa;
let cert: IssuedCert;
let policy: AddressPolicy;
const servers: net.Server[] = [];

beforeAll(async () => {
  ca = await createTestCa();
  cert = await ca.issue({ names: [EXCHANGE] });
  const setup = createAddressPolicy(['127.0.0.0/8']);
  if (setup.status !== 'ok') throw new Error(setup.reason);
  policy = setup.policy;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** What a scripted server can do with the session it is in. */
interface Session {
  /** Commands received so far (plain and TLS), as sent. */
  commands: string[];
  secure: boolean;
  write(data: string | Buffer): void;
  /** Wrap the socket in TLS now (after a reply to STARTTLS); lines read afterwards come over TLS. */
  startTls(options?: tls.TlsOptions): void;
  /** Stop reading the client's bytes (they stay buffered, and startTls hands them to the TLS layer). */
  holdInput(): void;
  /** The next bytes the client sends go to fn, unparsed (a ClientHello). */
  onRaw(fn: (chunk: Buffer) => void): void;
  writeRaw(data: Buffer): void;
  end(): void;
}

interface Script {
  /** Written as soon as the connection is accepted (under implicitTls, once it is wrapped). */
  greeting: string | Buffer;
  /** Implicit TLS (RFC 8314): the connection is wrapped in TLS with these options before anything is said. */
  implicitTls?: tls.TlsOptions;
  /** Under implicitTls, what the server does once the handshake is done, instead of greeting. */
  onSecure?: (session: Session) => void;
  /** One command line (without CRLF). */
  onCommand(line: string, session: Session): void;
}

interface ScriptedHost {
  ip: string;
  port: number;
  sessions: Session[];
  /** Errors the server side of a TLS handshake reported (an alert we sent, a version refused). */
  tlsErrors: string[];
}

async function startScripted(script: Script): Promise<ScriptedHost> {
  const ip = blockAddress(block, nextAddress++);
  const sessions: Session[] = [];
  const tlsErrors: string[] = [];
  const server = net.createServer((raw) => {
    raw.on('error', () => {});
    let stream: net.Socket = raw;
    let partial = '';
    const onData = (chunk: Buffer): void => {
      partial += chunk.toString('latin1');
      let at: number;
      while ((at = partial.indexOf('\n')) !== -1) {
        const line = partial.slice(0, at).replace(/\r$/, '');
        partial = partial.slice(at + 1);
        session.commands.push(line);
        const before = stream;
        script.onCommand(line, session);
        if (stream !== before) return; // switched to TLS: the rest of this chunk is not ours to read
      }
    };
    const session: Session = {
      commands: [],
      secure: false,
      write: (data) => {
        if (!stream.destroyed) stream.write(data);
      },
      startTls: (options = {}) => {
        raw.removeListener('data', onData);
        partial = '';
        const secure = new tls.TLSSocket(raw, {
          isServer: true,
          secureContext: createSecureContextQuietly({ cert: cert.chainPem, key: cert.keyPem, ...options }),
          // Per connection, not per context: asking for (and insisting on) a client certificate.
          ...(options.requestCert !== undefined ? { requestCert: options.requestCert } : {}),
          ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
        });
        secure.on('error', (e: unknown) => tlsErrors.push(String((e as { code?: string }).code ?? e)));
        secure.on('data', onData);
        stream = secure;
        session.secure = true;
      },
      holdInput: () => raw.pause(),
      onRaw: (fn) => {
        raw.removeListener('data', onData);
        raw.once('data', fn);
      },
      writeRaw: (data) => raw.write(data),
      end: () => stream.end(),
    };
    sessions.push(session);
    raw.on('data', onData);
    if (script.implicitTls) {
      // The greeting once the handshake is done, as servers on 465 write it (Node's server fails the
      // handshake with EPROTO, no alert, when written to before).
      session.startTls(script.implicitTls);
      stream.once('secure', () => (script.onSecure ? script.onSecure(session) : session.write(script.greeting)));
    } else {
      raw.write(script.greeting);
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return { ip, port: (server.address() as net.AddressInfo).port, sessions, tlsErrors };
}

async function probe(
  host: ScriptedHost,
  options: {
    reconnectDelayMs?: number;
    hostBudgetMs?: number;
    reconnect?: ProbeCallOptions['reconnect'];
    tlsMode?: 'starttls' | 'implicit';
  } = {},
): Promise<HostProbe> {
  const prober = new SmtpHostProber({
    bounds: options.hostBudgetMs === undefined ? BOUNDS : { ...BOUNDS, hostBudgetMs: options.hostBudgetMs },
    policy,
    extraCaPem: [ca.certPem],
    ...(options.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: options.reconnectDelayMs }),
  });
  const target = { ip: host.ip, port: host.port, tlsMode: options.tlsMode ?? 'starttls', exchange: EXCHANGE } as const;
  return prober.probe(target, undefined, options.reconnect ? { reconnect: options.reconnect } : {});
}

/** A server that answers like a plain Postfix; `overrides` replaces the answer to one verb. */
function postfixLike(
  overrides: Partial<Record<string, (line: string, s: Session) => void>> = {},
  greeting = `220 ${EXCHANGE} ESMTP Postfix\r\n`,
): Script {
  return {
    greeting,
    onCommand(line, s) {
      const verb = (line.split(' ')[0] ?? '').toUpperCase();
      const override = overrides[verb];
      if (override) return override(line, s);
      switch (verb) {
        case 'EHLO':
          return s.write(
            `250-${EXCHANGE}\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n${s.secure ? '' : '250-STARTTLS\r\n'}250 8BITMIME\r\n`,
          );
        case 'HELO':
          return s.write(`250 ${EXCHANGE}\r\n`);
        case 'STARTTLS':
          s.write('220 2.0.0 Ready to start TLS\r\n');
          return s.startTls();
        case 'QUIT':
          s.write('221 2.0.0 Bye\r\n');
          return s.end();
        default:
          return s.write('502 5.5.2 Error: command not recognized\r\n');
      }
    },
  };
}

/** A STARTTLS answer that goes ahead, then requires a client certificate (which senders, and mxv, do not send). */
function clientCertRequiredAfterStarttls(versions: tls.TlsOptions): (line: string, s: Session) => void {
  return (_l, s) => {
    s.write('220 2.0.0 Ready to start TLS\r\n');
    s.startTls({ ...versions, requestCert: true, rejectUnauthorized: true, ca: [ca.certPem] });
  };
}

describe('RFC 3207 4: the reply to STARTTLS', () => {
  it('a 2yz other than 220 is the go-ahead: RFC 5321 4.2 first digit, as Postfix and Exim read it', async () => {
    // Postfix smtp_proto.c: `if ((resp = smtp_chat_resp(session))->code / 100 == 2)` starts TLS;
    // Exim reads the STARTTLS response with expected first digit '2'. A sender would get TLS here.
    const host = await startScripted(
      postfixLike({
        STARTTLS: (_line, s) => {
          s.write('250 2.0.0 Go ahead\r\n');
          s.startTls();
        },
      }),
    );
    const result = await probe(host);
    expect(result.error).toBeNull();
    expect(result.starttls).toBe('ok');
    expect(result.tls?.version).toMatch(/^TLSv1/);
    expect(result.ehloTls?.code).toBe(250);
  });

  it('454 (temporary) and 501 (syntax) are refusals: no handshake, QUIT in clear', async () => {
    for (const [answer, error] of [
      ['454 4.7.0 TLS not available due to local problem', 'starttls_tempfail'],
      ['501 5.5.4 Syntax error', 'starttls_rejected'],
    ] as const) {
      const host = await startScripted(postfixLike({ STARTTLS: (_l, s) => s.write(`${answer}\r\n`) }));
      const result = await probe(host);
      expect(result.starttls).toBe('failed');
      expect(result.error).toBe(error);
      // The server's own words are kept beside the reason.
      expect(result.refusal).toEqual({
        command: 'STARTTLS',
        overTls: false,
        code: Number(answer.slice(0, 3)),
        text: answer.slice(4),
      });
      expect(result.tls).toBeNull();
      expect(host.sessions[0]?.commands.map((c) => c.split(' ')[0])).toEqual(['EHLO', 'STARTTLS', 'QUIT']);
    }
  });
  it('a server that hangs up right after its EHLO reply: closed_after_starttls, as Postfix says it', async () => {
    // Postfix sends STARTTLS and reads its reply without looking for the hang-up first: "lost connection with
    // ... while receiving the STARTTLS response" (smtp_proto.c). Whether the FIN came in before STARTTLS went out
    // is a race on the wire, so mxv reports it the same way whichever side of the race it saw.
    const host = await startScripted(
      postfixLike({
        EHLO: (_line, s) => {
          s.write(`250-${EXCHANGE}\r\n250-STARTTLS\r\n250 8BITMIME\r\n`);
          s.end();
        },
      }),
    );
    const result = await probe(host);
    expect(result.error).toBe('closed_after_starttls');
    expect(result.starttls).toBe('failed');
    expect(result.ehlo?.extensions).toContain('STARTTLS');
    expect(result.tls).toBeNull();
  });

  it('STARTTLS sent and the server hangs up without a reply: closed_after_starttls', async () => {
    const host = await startScripted(postfixLike({ STARTTLS: (_l, s) => s.end() }));
    const result = await probe(host);
    expect(result.error).toBe('closed_after_starttls');
    expect(result.starttls).toBe('failed');
    expect(host.sessions[0]?.commands.map((c) => c.split(' ')[0])).toEqual(['EHLO', 'STARTTLS']);
  });
});

describe('RFC 3207 / CVE-2011-0411 class: plaintext after the 220 to STARTTLS', () => {
  it('replies sent in the same segment as the 220 are never read as the answer to EHLO over TLS', async () => {
    // A man in the middle (or a broken server) appends a forged EHLO reply, without STARTTLS and
    // with a marker extension, behind the 220; the real EHLO reply over TLS has neither.
    const host = await startScripted(
      postfixLike({
        STARTTLS: (_line, s) => {
          s.write('220 2.0.0 Ready to start TLS\r\n250-forged.example\r\n250 X-INJECTED\r\n');
          s.startTls();
        },
      }),
    );
    const result = await probe(host);
    expect(result.ehloTls?.extensions ?? []).not.toContain('X-INJECTED');
    expect(host.sessions[0]?.commands.filter((c) => c.startsWith('EHLO'))).toHaveLength(2);
  });

  it('plaintext arriving after the 220, in a later segment, never becomes an SMTP reply', async () => {
    // The client has started its handshake when the forged line arrives: it meets it inside TLS.
    const host = await startScripted(
      postfixLike({
        STARTTLS: (_line, s) => {
          s.holdInput();
          s.write('220 2.0.0 Ready to start TLS\r\n');
          setTimeout(() => {
            s.write('250 X-INJECTED\r\n');
            s.startTls();
          }, 50);
        },
      }),
    );
    const result = await probe(host);
    expect(result.starttls).toBe('failed');
    expect(result.error).toBe('tls_handshake_failed');
    expect(result.ehloTls).toBeNull();
    expect(host.sessions[0]?.commands.filter((c) => c.startsWith('EHLO'))).toHaveLength(1);
  });
});

describe('RFC 5321 4.2: reply syntax as servers send it', () => {
  it('a multi-line 220- greeting with bare LF line ends, an empty continuation and a bare final code', async () => {
    const host = await startScripted(postfixLike({}, `220-${EXCHANGE} ESMTP\n220-\n220-no UCE\n220\n`));
    const result = await probe(host);
    expect(result.banner?.code).toBe(220);
    expect(result.banner?.text).toBe(`${EXCHANGE} ESMTP  no UCE`);
    expect(result.starttls).toBe('ok');
    // Nothing was sent before the final 220 line (postscreen's pregreet test).
    expect(host.sessions[0]?.commands[0]).toMatch(/^EHLO /);
  });

  it('a greeting line of 1,000 bytes (over 4.5.3.1.5 limit of 512, which real banners exceed) is read', async () => {
    const host = await startScripted(postfixLike({}, `220 ${EXCHANGE} ${'x'.repeat(1000)}\r\n`));
    const result = await probe(host);
    expect(result.banner?.code).toBe(220);
    expect(result.error).toBeNull();
  });

  it('a 5.6 KB greeting line (past maxLineBytes) and a 215-line EHLO reply: cut and read on, as Postfix delivers through them', async () => {
    // Nodemailer's smtp-server with a long `banner` (stop 34's audit): Postfix warns "response longer than 2048",
    // keeps the start of the line, and delivers. Before, mxv said line_too_long and verdict bad_banner.
    const host = await startScripted(
      postfixLike(
        {
          EHLO: (_l, s) =>
            s.write(
              `250-${EXCHANGE}\r\n250-STARTTLS\r\n${Array.from({ length: 212 }, (_, i) => `250-X-EXT${i}\r\n`).join('')}250 8BITMIME\r\n`,
            ),
        },
        `220 ${EXCHANGE} ESMTP ${'b'.repeat(5600)}\r\n`,
      ),
    );
    const result = await probe(host);
    expect(result.error).toBeNull();
    expect(result.banner?.code).toBe(220);
    expect(result.banner?.text.startsWith(`${EXCHANGE} ESMTP bbb`)).toBe(true);
    expect(result.starttls).toBe('ok');
    expect(result.ehlo?.extensions).toContain('STARTTLS');
  });

  it('"250" and "250 " with no text answer EHLO: accepted, no extensions, no STARTTLS', async () => {
    for (const answer of ['250\r\n', '250 \r\n']) {
      const host = await startScripted(postfixLike({ EHLO: (_l, s) => s.write(answer) }));
      const result = await probe(host);
      expect(result.ehlo).toEqual({ code: 250, command: 'EHLO', extensions: [] });
      expect(result.starttls).toBe('not_offered');
      expect(result.error).toBeNull();
    }
  });

  it('lower-case keywords, STARTTLS with trailing spaces, old-style AUTH=LOGIN (Exchange) are parsed', () => {
    const info = parseEhlo(['mx.example Hello', 'auth=LOGIN PLAIN', 'AUTH LOGIN PLAIN', 'starttls   ', 'size 1000'], {
      maxEhloExtensions: 200,
      maxEhloExtensionBytes: 1024,
    });
    expect(hasExtension(info.extensions, 'STARTTLS')).toBe(true);
    expect(info.extensions).toEqual(['AUTH=LOGIN PLAIN', 'AUTH LOGIN PLAIN', 'STARTTLS', 'SIZE 1000']);
  });
});

describe('RFC 5321 3.1, 4.1.1.1, 3.8: refusals', () => {
  it('554 greeting, then QUIT accepted with 221', async () => {
    const host = await startScripted(postfixLike({}, '554 5.7.1 no service for you\r\n'));
    const result = await probe(host);
    expect(result.error).toBe('greeting_rejected');
    expect(result.banner).toEqual({ code: 554, text: '5.7.1 no service for you' });
    expect(host.sessions[0]?.commands).toEqual(['QUIT']);
  });

  it('EHLO answered 502: HELO follows (RFC 5321 4.1.4), STARTTLS cannot be offered', async () => {
    const host = await startScripted(postfixLike({ EHLO: (_l, s) => s.write('502 5.5.2 Error: command not recognized\r\n') }));
    const result = await probe(host);
    expect(result.ehlo).toEqual({ code: 250, command: 'HELO', extensions: [] });
    // HELO got the session going: nothing was refused in the end.
    expect(result.error).toBeNull();
    expect(result.refusal).toBeNull();
    expect(result.starttls).toBe('not_offered');
    expect(host.sessions[0]?.commands.map((c) => c.split(' ')[0])).toEqual(['EHLO', 'HELO', 'QUIT']);
  });

  it('EHLO answered 450 (not 421): HELO follows, as Postfix does, and the refusal is kept beside the success', async () => {
    // Postfix smtp_proto.c: any EHLO reply but 2xx and 421 drops ESMTP and sends HELO; aiosmtpd answering
    // EHLO 450 and HELO 250 gets its mail from Postfix (stop 34's audit). Before, mxv stopped at ehlo_tempfail.
    const host = await startScripted(postfixLike({ EHLO: (_l, s) => s.write('450 4.7.1 Helo command rejected: try later\r\n') }));
    const result = await probe(host);
    expect(result.error).toBeNull();
    expect(result.ehlo).toEqual({ code: 250, command: 'HELO', extensions: [] });
    expect(result.starttls).toBe('not_offered');
    expect(result.refusal).toEqual({
      command: 'EHLO',
      overTls: false,
      code: 450,
      text: '4.7.1 Helo command rejected: try later',
    });
    expect(host.sessions[0]?.commands.map((c) => c.split(' ')[0])).toEqual(['EHLO', 'HELO', 'QUIT']);
  });

  it('EHLO refused, then the HELO reply held back (a tarpit after an error): helo_timeout, not ehlo_timeout', async () => {
    // Postfix with smtpd_error_sleep_time: the 450 to EHLO comes at once, the reply to HELO after the sleep.
    const host = await startScripted(
      postfixLike({
        EHLO: (_l, s) => s.write('450 4.7.1 <probe.mxv.test>: Helo command rejected: Host not found\r\n'),
        HELO: () => undefined,
      }),
    );
    const result = await probe(host);
    expect(result.error).toBe('helo_timeout');
    expect(result.refusal).toMatchObject({ command: 'EHLO', code: 450 });
  });

  it("EHLO answered 550 for mxv's own name (Haraka's helo.checks), HELO accepted: no error, the refusal kept", async () => {
    const host = await startScripted(postfixLike({ EHLO: (_l, s) => s.write('550 HELO host name invalid\r\n') }));
    const result = await probe(host);
    expect(result).toMatchObject({ error: null, starttls: 'not_offered', ehlo: { code: 250, command: 'HELO' } });
    expect(result.refusal).toEqual({ command: 'EHLO', overTls: false, code: 550, text: 'HELO host name invalid' });
  });

  it('EHLO answered 421 and the server closes (3.8): a temporary failure, no HELO', async () => {
    const host = await startScripted(
      postfixLike({
        EHLO: (_l, s) => {
          s.write('421 4.7.0 mx.audit.test Error: too many connections\r\n');
          s.end();
        },
      }),
    );
    const result = await probe(host);
    expect(result.error).toBe('ehlo_tempfail');
    expect(result.refusal).toEqual({
      command: 'EHLO',
      overTls: false,
      code: 421,
      text: '4.7.0 mx.audit.test Error: too many connections',
    });
    expect(result.ehlo?.code).toBe(421);
    expect(host.sessions[0]?.commands.map((c) => c.split(' ')[0])).not.toContain('HELO');
  });

  it('EHLO answered 554 (a block list) and the server hangs up: ehlo_rejected with its words, not "closed after greeting"', async () => {
    const host = await startScripted(
      postfixLike({
        EHLO: (_l, s) => {
          s.write('554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.example\r\n');
          s.end();
        },
      }),
    );
    const result = await probe(host);
    // posttls-finger prints "EHLO rejected: 554 5.7.1 ..." for such a server (stop 33's SMTP audit).
    expect(result.error).toBe('ehlo_rejected');
    expect(result.refusal).toEqual({
      command: 'EHLO',
      overTls: false,
      code: 554,
      text: '5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.example',
    });
    expect(result.ehlo).toEqual({ code: 554, command: 'EHLO', extensions: [] });
  });

  it("EHLO and then HELO refused: helo_rejected, with HELO's own words", async () => {
    const host = await startScripted(
      postfixLike({
        EHLO: (_l, s) => s.write('502 5.5.2 Error: command not recognized\r\n'),
        HELO: (_l, s) => s.write('550-5.7.1 Client host rejected:\r\n550 5.7.1 cannot find your hostname\r\n'),
      }),
    );
    const result = await probe(host);
    expect(result.error).toBe('helo_rejected');
    expect(result.refusal).toEqual({
      command: 'HELO',
      overTls: false,
      code: 550,
      text: '5.7.1 Client host rejected: 5.7.1 cannot find your hostname',
    });
  });

  it('EHLO refused inside TLS (after STARTTLS): ehlo_tls_rejected, the refusal marked overTls', async () => {
    const host = await startScripted(
      postfixLike({
        EHLO: (_l, s) =>
          s.write(s.secure ? '554 5.7.1 TLS clients go elsewhere\r\n' : `250-${EXCHANGE}\r\n250-STARTTLS\r\n250 8BITMIME\r\n`),
      }),
    );
    const result = await probe(host);
    expect(result.starttls).toBe('ok');
    expect(result.error).toBe('ehlo_tls_rejected');
    expect(result.refusal).toEqual({ command: 'EHLO', overTls: true, code: 554, text: '5.7.1 TLS clients go elsewhere' });
  });
});

/**
 * A TLS 1.2 ServerHello with no extensions at all, so no renegotiation_info
 * (RFC 5746 3.4): what a server whose TLS stack predates 2010 answers.
 * ECDHE-RSA-AES128-GCM-SHA256 (0xc02f) is in every ClientHello Node sends.
 */
function legacyServerHello(): Buffer {
  const random = Buffer.alloc(32, 0x5a);
  const body = Buffer.concat([Buffer.from([0x03, 0x03]), random, Buffer.from([0x00, 0xc0, 0x2f, 0x00])]);
  const handshake = Buffer.concat([Buffer.from([0x02, 0x00, 0x00, body.length]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x00, handshake.length]), handshake]);
}

describe('TLS: what an opportunistic sender gets', () => {
  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    it(`a server that speaks only ${version}: the handshake completes and the version is reported`, async () => {
      const host = await startScripted(
        postfixLike({
          STARTTLS: (_l, s) => {
            s.write('220 2.0.0 Ready to start TLS\r\n');
            s.startTls({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0' });
          },
        }),
      );
      const result = await probe(host);
      expect(result.starttls).toBe('ok');
      expect(result.tls?.version).toBe(version);
      // Node's TLS (OpenSSL) sends renegotiation_info, and the handshake needed it.
      expect(result.tls?.secureRenegotiation).toBe(true);
      expect(host.sessions).toHaveLength(1);
    });
  }

  describe('a server without RFC 5746 renegotiation_info (pre-2010 TLS stacks)', () => {
    // OpenSSL 3.0 dropped SSL_OP_LEGACY_SERVER_CONNECT from its defaults, so a client on it refuses such a
    // server at its ServerHello ("unsafe legacy renegotiation disabled"), as senders on it do (Postfix on
    // Debian 12), where senders on GnuTLS or OpenSSL 1.1 go on. The server here stops after its ServerHello,
    // on every connection; apps/cli/test/interop-mta.test.ts has a real one that completes the handshake.
    const legacyServer = (clientHellos: number[]) =>
      startScripted(
        postfixLike({
          STARTTLS: (_l, s) => {
            s.write('220 2.0.0 Ready to start TLS\r\n');
            s.onRaw(() => {
              clientHellos.push(performance.now());
              s.writeRaw(legacyServerHello());
              setTimeout(() => s.end(), 50);
            });
          },
        }),
      );

    it('refused at its ServerHello as OpenSSL 3 senders refuse it, then asked again on a second connection one politeness interval later', async () => {
      const clientHellos: number[] = [];
      const host = await legacyServer(clientHellos);
      const result = await probe(host, { reconnectDelayMs: 300 });
      // The second connection got past the ServerHello and then lost the server: the first one's answer is kept.
      expect(result).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed' });
      expect(result.tls).toMatchObject({ error: 'unsafe_legacy_renegotiation_disabled', secureRenegotiation: false });
      expect(host.sessions).toHaveLength(2);
      expect(host.sessions.map((session) => session.commands.filter((c) => c === 'STARTTLS').length)).toEqual([1, 1]);
      expect(clientHellos).toHaveLength(2);
      expect((clientHellos[1] ?? 0) - (clientHellos[0] ?? 0)).toBeGreaterThanOrEqual(300);
    });

    it("through a gate (the probe's source's): the second connection waits for the gate's leave, however long it asks", async () => {
      const clientHellos: number[] = [];
      const host = await legacyServer(clientHellos);
      const asked: number[] = [];
      const result = await probe(host, {
        // Without a gate this would be the wait; the gate's answers take its place.
        reconnectDelayMs: 5_000,
        reconnect: async () => {
          asked.push(performance.now());
          return asked.length < 3 ? { status: 'wait', retryAfterMs: 150 } : { status: 'granted' };
        },
      });
      expect(result.tls).toMatchObject({ error: 'unsafe_legacy_renegotiation_disabled', secureRenegotiation: false });
      expect(asked).toHaveLength(3);
      expect(host.sessions).toHaveLength(2);
      expect((clientHellos[1] ?? 0) - (clientHellos[0] ?? 0)).toBeGreaterThanOrEqual(300);
      expect((clientHellos[1] ?? 0) - (clientHellos[0] ?? 0)).toBeLessThan(5_000);
    });

    it('through a gate that says wait past the host budget: no second connection, the first refusal kept', async () => {
      const host = await legacyServer([]);
      let asked = 0;
      const result = await probe(host, {
        hostBudgetMs: 5_000,
        reconnect: async () => {
          asked += 1;
          return { status: 'wait', retryAfterMs: 60_000 };
        },
      });
      expect(result).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed' });
      expect(result.tls).toMatchObject({ error: 'unsafe_legacy_renegotiation_disabled', secureRenegotiation: false });
      expect(asked).toBe(1);
      expect(host.sessions).toHaveLength(1);
    });

    it('through a gate that cannot answer (its Redis gone): no second connection, the first answer kept, no internal error', async () => {
      const host = await legacyServer([]);
      const result = await probe(host, {
        reconnect: () => Promise.reject(new Error('Connection is closed.')),
      });
      expect(result).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed' });
      expect(result.tls).toMatchObject({ error: 'unsafe_legacy_renegotiation_disabled', secureRenegotiation: false });
      expect(host.sessions).toHaveLength(1);
    });

    it('no second connection when the interval would end past the host budget', async () => {
      const host = await legacyServer([]);
      const result = await probe(host, { reconnectDelayMs: 60_000, hostBudgetMs: 5_000 });
      expect(result.tls).toMatchObject({ error: 'unsafe_legacy_renegotiation_disabled', secureRenegotiation: false });
      expect(host.sessions).toHaveLength(1);
    });
  });

  it('a server that sends a fatal alert: tls_handshake_failed with the alert named', async () => {
    const host = await startScripted(
      postfixLike({
        STARTTLS: (_l, s) => {
          s.write('220 2.0.0 Ready to start TLS\r\n');
          // Only a cipher suite the client does not offer: the server answers the ClientHello with handshake_failure.
          s.startTls({ maxVersion: 'TLSv1.2', ciphers: 'PSK-AES128-CBC-SHA' });
        },
      }),
    );
    const result = await probe(host);
    expect(result.starttls).toBe('failed');
    expect(result.error).toBe('tls_handshake_failed');
    expect(result.tls?.error).toMatch(/alert|handshake|cipher/);
    // The alert came before any Certificate message: no certificate to describe.
    expect(result.tls?.subject).toBeUndefined();
    expect(result.tls?.fingerprintSha256).toBeUndefined();
  });

  it('a handshake that fails after the server sent its certificate: the certificate described, judged by nothing', async () => {
    // TLS 1.2 with a client certificate required: the server's Certificate comes first, then its alert
    // at the client's empty one, as OpenSMTPD's internal_error comes after its Certificate on OpenSSL 3.
    const host = await startScripted(postfixLike({ STARTTLS: clientCertRequiredAfterStarttls({ maxVersion: 'TLSv1.2' }) }));
    const result = await probe(host);
    expect(result).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed' });
    const sent = new X509Certificate(cert.certPem);
    expect(result.tls).toMatchObject({
      version: null,
      cipher: null,
      certValid: false,
      hostnameMatch: false,
      subject: `CN=${EXCHANGE}`,
      issuer: 'CN=mxv test root CA',
      subjectAltNames: [`DNS:${EXCHANGE}`],
      fingerprintSha256: sent.fingerprint256,
      notAfter: new Date(sent.validTo).toISOString(),
      certKey: { type: 'EC', bits: 256, curve: 'prime256v1' },
    });
    expect(result.tls?.error).toMatch(/alert/);
  });

  it('TLS 1.3 with a client certificate required: the refusal comes after the handshake (alert 116), a failed handshake all the same', async () => {
    // Haraka (rejectUnauthorized), Nodemailer's smtp-server, aiosmtpd (CERT_REQUIRED), Courier (REQUIREPEER): the
    // client's handshake ends with its Finished; the server judges the empty Certificate, sends alert 116 and
    // hangs up. posttls-finger: "tlsv13 alert certificate required"; Postfix defers ("lost connection ... while
    // performing the EHLO handshake"). Before, mxv said starttls ok, certificate valid, TLS supported.
    const host = await startScripted(postfixLike({ STARTTLS: clientCertRequiredAfterStarttls({ minVersion: 'TLSv1.3' }) }));
    const result = await probe(host);
    expect(result).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed', ehloTls: null });
    expect(result.tls).toMatchObject({
      version: null,
      cipher: null,
      certValid: false,
      hostnameMatch: false,
      error: 'tlsv13_alert_certificate_required',
      subject: `CN=${EXCHANGE}`,
      subjectAltNames: [`DNS:${EXCHANGE}`],
    });
    expect(result.tls).not.toHaveProperty('keyExchange');
  });

  it('implicit TLS (465) with a client certificate required under TLS 1.3: refused where the greeting is read, a failed handshake', async () => {
    // The same refusal as above where no STARTTLS comes first: the client's Finished ends its handshake and
    // alert 116 arrives instead of the 220. Before, the host read greeting failed, tls ok, certificate valid.
    const host = await startScripted({
      ...postfixLike(),
      implicitTls: { minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca: [ca.certPem] },
    });
    const result = await probe(host, { tlsMode: 'implicit' });
    expect(result).toMatchObject({ starttls: 'failed', error: 'tls_handshake_failed', banner: null, ehlo: null });
    expect(result.tls).toMatchObject({
      version: null,
      certValid: false,
      error: 'tlsv13_alert_certificate_required',
      subject: `CN=${EXCHANGE}`,
    });
  });

  it('implicit TLS: a hang-up after the handshake without an alert (a TLS front whose mail server is down) keeps TLS as it was', async () => {
    const host = await startScripted({ ...postfixLike(), implicitTls: {}, onSecure: (s) => s.end() });
    const result = await probe(host, { tlsMode: 'implicit' });
    expect(result).toMatchObject({ starttls: 'ok', error: 'closed_before_greeting', banner: null });
    expect(result.tls).toMatchObject({ certValid: true, hostnameMatch: true });
  });

  it('implicit TLS: a server that greets over TLS is read as usual, one EHLO inside TLS', async () => {
    const host = await startScripted({ ...postfixLike(), implicitTls: {} });
    const result = await probe(host, { tlsMode: 'implicit' });
    expect(result).toMatchObject({ starttls: 'ok', error: null, banner: { code: 220 }, ehlo: { code: 250 } });
    expect(result.tls).toMatchObject({ certValid: true, hostnameMatch: true });
  });

  it('a server that hangs up right after the handshake, before any reply over TLS: STARTTLS failed, closed_after_tls', async () => {
    const host = await startScripted(
      postfixLike({
        STARTTLS: (_l, s) => {
          s.write('220 2.0.0 Ready to start TLS\r\n');
          s.startTls();
        },
        EHLO: (_l, s) => (s.secure ? s.end() : s.write(`250-${EXCHANGE}\r\n250 STARTTLS\r\n`)),
      }),
    );
    const result = await probe(host);
    expect(result).toMatchObject({ starttls: 'failed', error: 'closed_after_tls', ehloTls: null });
    // The handshake completed: its certificate was judged as usual.
    expect(result.tls).toMatchObject({ certValid: true, hostnameMatch: true });
    expect(result.tls?.version).toMatch(/^TLSv1\.[23]$/);
  });
});

describe('TLS keys: the certificate key and the key exchange, which senders at OpenSSL security level 2 count', () => {
  let rsa1024: IssuedCert;
  let rsa2048: IssuedCert;
  beforeAll(async () => {
    [rsa1024, rsa2048] = await Promise.all([
      ca.issue({ names: [EXCHANGE], key: { type: 'rsa', bits: 1024 } }),
      ca.issue({ names: [EXCHANGE], key: { type: 'rsa', bits: 2048 } }),
    ]);
  });

  const serverWith = (options: tls.TlsOptions) =>
    startScripted(
      postfixLike({
        STARTTLS: (_l, s) => {
          s.write('220 2.0.0 Ready to start TLS\r\n');
          s.startTls(options);
        },
      }),
    );

  it('an ECDSA P-256 certificate over TLS 1.3: EC 256 on prime256v1, X25519 agreed, nothing weak', async () => {
    const result = await probe(await serverWith({}));
    expect(result.tls).toMatchObject({
      version: 'TLSv1.3',
      certKey: { type: 'EC', bits: 256, curve: 'prime256v1' },
      keyExchange: { type: 'ECDH', group: 'X25519', bits: 253 },
    });
    expect(tlsKeyWeaknesses(result.tls)).toEqual([]);
  });

  it('a 1024-bit RSA certificate: reported with its size, the handshake and chain as they are, below level 2', async () => {
    const result = await probe(await serverWith({ cert: rsa1024.chainPem, key: rsa1024.keyPem }));
    expect(result).toMatchObject({ starttls: 'ok', error: null });
    expect(result.tls).toMatchObject({ certValid: true, certKey: { type: 'RSA', bits: 1024, curve: null } });
    expect(tlsKeyWeaknesses(result.tls)).toEqual([
      { key: 'certificate', type: 'RSA', bits: 1024, belowLevel: 2, minimumBits: 2048 },
    ]);
  });

  it('finite-field DHE with a 1024-bit group (TLS 1.2): DH 1024 reported, below level 2; a 2048-bit group is not', async () => {
    const dhe = (group: 'modp2' | 'modp14') =>
      serverWith({
        cert: rsa2048.chainPem,
        key: rsa2048.keyPem,
        maxVersion: 'TLSv1.2',
        ciphers: 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0',
        dhparam: modpDhParametersPem(group),
      });
    const weak = await probe(await dhe('modp2'));
    expect(weak.tls).toMatchObject({
      version: 'TLSv1.2',
      cipher: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
      certKey: { type: 'RSA', bits: 2048 },
      keyExchange: { type: 'DH', group: null, bits: 1024 },
    });
    expect(tlsKeyWeaknesses(weak.tls)).toEqual([
      { key: 'key_exchange', type: 'DH', bits: 1024, belowLevel: 2, minimumBits: 2048 },
    ]);
    const strong = await probe(await dhe('modp14'));
    expect(strong.tls?.keyExchange).toEqual({ type: 'DH', group: null, bits: 2048 });
    expect(tlsKeyWeaknesses(strong.tls)).toEqual([]);
  });

  it('TLS 1.2 RSA key transport: no ephemeral key exchange (null), which is no weakness of its own here', async () => {
    const result = await probe(
      await serverWith({ cert: rsa2048.chainPem, key: rsa2048.keyPem, maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }),
    );
    expect(result.tls).toMatchObject({ cipher: 'TLS_RSA_WITH_AES_128_GCM_SHA256', keyExchange: null });
    expect(tlsKeyWeaknesses(result.tls)).toEqual([]);
  });
});

describe('Certificate signatures: a chain signed over SHA-1, which OpenSSL 3, Postfix and GnuTLS refuse to verify', () => {
  const serverWith = (issued: IssuedCert) =>
    startScripted(
      postfixLike({
        STARTTLS: (_l, s) => {
          s.write('220 2.0.0 Ready to start TLS\r\n');
          // A server at security level 0 loads such a certificate; at Node's default it refuses to.
          s.startTls({ cert: issued.chainPem, key: issued.keyPem, ciphers: 'DEFAULT:@SECLEVEL=0' });
        },
      }),
    );

  it('a leaf signed over SHA-256: each signature listed, the root as self-issued, and the chain valid', async () => {
    const result = await probe(await serverWith(cert));
    expect(result.tls).toMatchObject({ certValid: true, error: null });
    expect(result.tls?.chainSignatures).toEqual([
      { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256', selfIssued: false },
      { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256', selfIssued: true },
    ]);
    expect(weakCertSignatures(result.tls)).toEqual([]);
  });

  it('a leaf a trusted CA signed over SHA-1: not valid, CA_MD_TOO_WEAK, and the words say which certificate', async () => {
    const result = await probe(await serverWith(await ca.issue({ names: [EXCHANGE], signatureHash: 'SHA-1' })));
    expect(result).toMatchObject({ starttls: 'ok', error: null });
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', certValid: false, hostnameMatch: true, error: 'CA_MD_TOO_WEAK' });
    expect(result.tls?.chainSignatures?.[0]).toEqual({ algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1', selfIssued: false });
    expect(weakCertSignatures(result.tls)).toEqual([{ depth: 0, algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1' }]);
    expect(describeCertificateError(result.tls?.error, result.tls)?.what).toBe(
      'the certificate is signed with SHA-1 (ecdsa-with-SHA1), which senders that verify certificates (OpenSSL 3, Postfix, GnuTLS) refuse',
    );
  });

  it('through an intermediate: the leaf marked for DANE as not chaining to it (what a DANE-TA match needs), the intermediate unmarked', async () => {
    const issued = await ca.issue({ names: [EXCHANGE], intermediates: 1, signatureHash: 'SHA-1' });
    const result = await probe(await serverWith(issued));
    expect(result.tls).toMatchObject({ certValid: false, error: 'CA_MD_TOO_WEAK' });
    expect(result.tls?.chainSignatures?.map((s) => [s.hash, s.selfIssued])).toEqual([
      ['SHA-1', false],
      ['SHA-256', false],
      ['SHA-256', true],
    ]);
    expect(result.chainDigests?.map((d) => [d.leafChains, d.refusedDigest ?? false])).toEqual([
      [true, true],
      [false, false],
      [false, false],
    ]);
  });

  it('a cross-signed root over SHA-1 sent above the trusted root: judged on the path verified, which ends at the trusted root', async () => {
    const issued = await ca.issue({ names: [EXCHANGE], intermediates: 1, crossSignedRoot: { signatureHash: 'SHA-1' } });
    const result = await probe(await serverWith(issued));
    // openssl s_client, posttls-finger -l secure and gnutls-cli verify such a chain (the TLS audit of stop 33).
    expect(result.tls).toMatchObject({ certValid: true, error: null });
    expect(result.tls?.chainSignatures).toEqual([
      { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256', selfIssued: false },
      { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256', selfIssued: false },
      { algorithm: 'ecdsa-with-SHA256', hash: 'SHA-256', selfIssued: true },
    ]);
    expect(weakCertSignatures(result.tls)).toEqual([]);
    // Sent straight above the leaf, and over SHA-256: the same path, and the cross-signature was never a question.
    const direct = await probe(
      await serverWith(await ca.issue({ names: [EXCHANGE], crossSignedRoot: { signatureHash: 'SHA-1' } })),
    );
    expect(direct.tls).toMatchObject({ certValid: true, error: null });
    expect(direct.tls?.chainSignatures?.map((s) => [s.hash, s.selfIssued])).toEqual([
      ['SHA-256', false],
      ['SHA-256', true],
    ]);
    const sha256 = await probe(
      await serverWith(await ca.issue({ names: [EXCHANGE], crossSignedRoot: { signatureHash: 'SHA-256' } })),
    );
    expect(sha256.tls).toMatchObject({ certValid: true, error: null });
  });

  it("a self-signed leaf over SHA-1: its own signature is nobody's concern, it stays DEPTH_ZERO_SELF_SIGNED_CERT", async () => {
    const result = await probe(await serverWith(await ca.issue({ names: [EXCHANGE], selfSigned: true, signatureHash: 'SHA-1' })));
    expect(result.tls).toMatchObject({ certValid: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(result.tls?.chainSignatures).toEqual([{ algorithm: 'ecdsa-with-SHA1', hash: 'SHA-1', selfIssued: true }]);
    expect(weakCertSignatures(result.tls)).toEqual([]);
  });
});
