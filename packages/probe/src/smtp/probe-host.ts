import * as tls from 'node:tls';
import type {
  ConnectStatus,
  EhloSummary,
  HostTimings,
  SmtpRefusal,
  SmtpReplySummary,
  StarttlsStatus,
  TlsInfo,
} from '@mxv/schema';
import { blockedAddressError, type AddressPolicy } from '../address-policy.js';
import type { CertIdentity, ChainDigest, HostProbe, HostProber, HostTarget, ProbeCallOptions } from '../engine/host-types.js';
import type { SmtpBounds } from '../options.js';
import { classifyError, type ProbePhase } from '../classify-error.js';
import { hasExtension, parseEhlo } from './parse-ehlo.js';
import { replyClass, unwantedReplyReason } from './reply-class.js';
import type { SmtpReply } from './reply-reader.js';
import { truncateUtf8 } from './reply-text.js';
import type { Dialer } from '../net/dialer.js';
import { DirectDialer } from '../net/direct-dialer.js';
import { linkPeerChain } from './link-peer-chain.js';
import { SmtpConnection, type ReadResult, type TlsConnect } from './smtp-connection.js';
import { createProbeSecureContext, starttlsOptions } from './tls-context.js';
import { certificateFacts, describeCertificate, inspectTls } from './tls-inspect.js';
import { TrustAnchors } from './trust-anchors.js';

export interface SmtpHostProberOptions {
  bounds: SmtpBounds;
  policy: AddressPolicy;
  /** PEM CA certificates trusted in addition to Node's bundled roots (tls.rootCertificates). */
  extraCaPem?: string[];
  /** How connections are opened: directly (the default) or through a proxy (Socks5Dialer). */
  dialer?: Dialer;
  tlsConnect?: TlsConnect;
  /**
   * How long the second connection to a server without RFC 5746 secure renegotiation waits after the
   * first one (see #run) when the probe has no gate to ask (ProbeCallOptions.reconnect): the per-address
   * politeness interval, 1 / connectionsPerSecond. Default 1 s.
   */
  reconnectDelayMs?: number;
  now?: () => number;
}

/** What OpenSSL 3 (without SSL_OP_LEGACY_SERVER_CONNECT) says of a ServerHello without renegotiation_info. */
const NO_SECURE_RENEGOTIATION = 'unsafe_legacy_renegotiation_disabled';
const DEFAULT_RECONNECT_DELAY_MS = 1000;
/** Times the gate is asked for the second connection before going without it (the host budget ends it sooner). */
const MAX_RECONNECT_ASKS = 20;

/** What the steps fill in, one part each; turned into a HostProbe however far the conversation got. */
interface Draft {
  connect: ConnectStatus;
  banner: SmtpReplySummary | null;
  ehlo: EhloSummary | null;
  starttls: StarttlsStatus;
  tls: TlsInfo | null;
  ehloTls: EhloSummary | null;
  certIdentity: CertIdentity | null;
  chainDigests: ChainDigest[] | null;
  timings: Omit<HostTimings, 'total'>;
  error: string | null;
  refusal: SmtpRefusal | null;
}

/** What a command got back; `invalid_command` and `closed` mean it was not sent. */
type CommandResult = ReadResult | { status: 'invalid_command' };

/** A step either lets the conversation go on, or ends it (politely with QUIT when the session is still sane). */
type Step = { status: 'continue' } | { status: 'stop'; quit: boolean };

const CONTINUE: Step = { status: 'continue' };
const STOP: Step = { status: 'stop', quit: false };
const STOP_WITH_QUIT: Step = { status: 'stop', quit: true };

/**
 * Probes one (address, port) the way a sending MTA would start a session, and
 * stops before any mail transaction: greeting, EHLO (or HELO), STARTTLS, EHLO
 * again over TLS, QUIT (RFC 5321 3.1-3.3, RFC 3207); on an implicit-TLS port
 * (RFC 8314, 465) the handshake comes first and the same session runs inside
 * it, without STARTTLS. The only commands ever sent
 * are EHLO, HELO, STARTTLS and QUIT: never MAIL, RCPT, DATA, RSET, VRFY or EXPN.
 *
 * The flow is a straight line of steps (zgrab2's smtp scanner); each fills its
 * part of the result and anything gathered before a failure is kept. probe()
 * never throws: every failure becomes `connect` + `error`.
 */
export class SmtpHostProber implements HostProber {
  readonly #bounds: SmtpBounds;
  readonly #policy: AddressPolicy;
  /** Built once per prober, shared by every handshake (see createProbeSecureContext for the cost of doing otherwise). */
  readonly #secureContext: tls.SecureContext;
  /** The same with SSL_OP_LEGACY_SERVER_CONNECT, for a server without RFC 5746; built when one is first met. */
  #legacyServerContext: tls.SecureContext | null = null;
  readonly #extraCaPem: string[] | undefined;
  /** What the handshakes trust, parsed on first need (inspectTls: a weak signature above the leaf). */
  readonly #trustAnchors: TrustAnchors;
  readonly #reconnectDelayMs: number;
  readonly #dialer: Dialer;
  readonly #tlsConnect: TlsConnect;
  readonly #now: () => number;

  constructor(options: SmtpHostProberOptions) {
    this.#bounds = options.bounds;
    this.#policy = options.policy;
    this.#secureContext = createProbeSecureContext(options.extraCaPem);
    this.#extraCaPem = options.extraCaPem;
    this.#trustAnchors = new TrustAnchors(options.extraCaPem);
    this.#reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    this.#dialer = options.dialer ?? new DirectDialer();
    this.#tlsConnect = options.tlsConnect ?? tls.connect;
    this.#now = options.now ?? Date.now;
  }

  async probe(target: HostTarget, signal?: AbortSignal, options: ProbeCallOptions = {}): Promise<HostProbe> {
    const startedAt = this.#now();
    const draft = emptyDraft();
    try {
      await this.#run(target, draft, startedAt, signal, options);
    } catch {
      // A bug (ours or an injected dependency's) must not take the caller down
      // with it: what was gathered is kept, the reason says something broke.
      draft.error = 'internal_error';
    }
    return {
      ip: target.ip,
      port: target.port,
      connect: draft.connect,
      banner: draft.banner,
      ehlo: draft.ehlo,
      starttls: draft.starttls,
      tls: draft.tls,
      ehloTls: draft.ehloTls,
      timingsMs: { ...draft.timings, total: this.#elapsed(startedAt) },
      error: draft.error,
      refusal: draft.refusal,
      probedAt: new Date(startedAt).toISOString(),
      tlsMode: target.tlsMode,
      dane: null,
      ptr: null,
      dnsbl: null,
      probedAs: target.exchange,
      certIdentity: draft.certIdentity,
      chainDigests: draft.chainDigests,
    };
  }

  async #run(
    target: HostTarget,
    draft: Draft,
    startedAt: number,
    signal: AbortSignal | undefined,
    options: ProbeCallOptions,
  ): Promise<void> {
    // The SSRF guard comes before any packet: a blocked address is never dialled.
    const check = this.#policy.check(target.ip);
    if (check.status === 'blocked') {
      draft.connect = 'blocked';
      draft.error = blockedAddressError(check.range);
      return;
    }

    const clock = { now: this.#now, deadline: startedAt + this.#bounds.hostBudgetMs, ...(signal ? { signal } : {}) };
    await this.#session(target, draft, startedAt, clock, false);
    if (draft.tls?.error !== NO_SECURE_RENEGOTIATION) return;

    // No renegotiation_info in the ServerHello (RFC 5746; TLS stacks from before 2010): OpenSSL 3 refuses the
    // handshake there, and so do senders on it (Postfix on current distributions, which then deliver in clear),
    // where senders on GnuTLS or OpenSSL 1.1 go on. What those get is asked on a second connection that
    // allows it (SSL_OP_LEGACY_SERVER_CONNECT; the probe never renegotiates), once the politeness gate
    // allows a new connection there, within the same budget; the result says the server lacks it either way.
    draft.tls.secureRenegotiation = false;
    if (!(await this.#leaveToReconnect(clock, options.reconnect, signal))) return;
    const second = emptyDraft();
    await this.#session(target, second, this.#now(), clock, true);
    if (second.starttls !== 'ok' || second.tls === null) return;
    Object.assign(draft, second);
  }

  /**
   * Leave for a further connection within the budget: from the gate the probe came through, which counts it
   * like any connection (in the fleet: address, provider and network limits, across workers), or without
   * one, after one per-address politeness interval.
   */
  async #leaveToReconnect(
    clock: { now: () => number; deadline: number },
    reconnect: ProbeCallOptions['reconnect'],
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (reconnect === undefined) {
      return this.#now() + this.#reconnectDelayMs < clock.deadline && (await pause(this.#reconnectDelayMs, signal));
    }
    for (let asked = 0; asked < MAX_RECONNECT_ASKS; asked++) {
      // A gate that cannot answer (the fleet's Redis gone for a moment) leaves the first connection's answer.
      const leave = await reconnect(signal).catch(() => null);
      if (leave === null || signal?.aborted) return false;
      if (leave.status === 'granted') return this.#now() < clock.deadline;
      if (this.#now() + leave.retryAfterMs >= clock.deadline || !(await pause(leave.retryAfterMs, signal))) return false;
    }
    return false;
  }

  /** One connection and the conversation on it, as far as it goes; `legacyServerConnect` picks the TLS context. */
  async #session(
    target: HostTarget,
    draft: Draft,
    startedAt: number,
    clock: { now: () => number; deadline: number; signal?: AbortSignal },
    legacyServerConnect: boolean,
  ): Promise<void> {
    const opened = await SmtpConnection.open({
      dialer: this.#dialer,
      host: target.ip,
      port: target.port,
      connectTimeoutMs: this.#bounds.connectTimeoutMs,
      bounds: this.#bounds,
      clock,
    });
    if (opened.status !== 'connected') {
      if (opened.status === 'failed') {
        const classified = classifyError(opened.error, 'connect');
        draft.connect = classified.connect ?? 'error';
        draft.error = classified.reason;
      } else {
        // The budget (or the caller) ended the wait for the SYN-ACK: no answer yet is a timeout.
        draft.connect = opened.status === 'budget_exceeded' ? 'timeout' : 'error';
        draft.error = opened.status;
      }
      return;
    }
    draft.connect = 'ok';
    const connectedAt = this.#now();
    draft.timings.connect = connectedAt - startedAt;

    const conn = opened.connection;
    try {
      const step = await this.#converse(conn, target, draft, connectedAt, legacyServerConnect);
      if (step.status === 'stop' && step.quit) await this.#quit(conn);
    } finally {
      conn.close();
    }
  }

  /**
   * RFC 5321 3.1 → 4.1.1.1 → RFC 3207: the session as far as it may go. On an
   * implicit-TLS port only the opening differs (RFC 8314 3.3): the handshake
   * first, then the same greeting and EHLO inside TLS, and no STARTTLS.
   */
  async #converse(
    conn: SmtpConnection,
    target: HostTarget,
    draft: Draft,
    connectedAt: number,
    legacyServerConnect: boolean,
  ): Promise<Step> {
    let greetingFrom = connectedAt;
    if (target.tlsMode === 'implicit') {
      const secured = await this.#handshake(conn, target, draft, legacyServerConnect);
      if (secured.status === 'stop') return secured;
      greetingFrom = this.#now();
    }

    const greeted = await this.#greeting(conn, draft, greetingFrom, target.tlsMode === 'implicit');
    if (greeted.status === 'stop') return greeted;

    const ehlo = await this.#ehlo(conn, draft);
    if (ehlo.status === 'stop') return ehlo;
    // Already inside TLS: there is nothing to upgrade, whatever EHLO advertised.
    if (target.tlsMode === 'implicit') return STOP_WITH_QUIT;

    if (!hasExtension(draft.ehlo?.extensions ?? [], 'STARTTLS')) {
      draft.starttls = 'not_offered';
      return STOP_WITH_QUIT;
    }
    const started = await this.#starttls(conn, target, draft, legacyServerConnect);
    if (started.status === 'stop') return started;

    return this.#ehloOverTls(conn, draft);
  }

  /**
   * RFC 5321 3.1 and 4.3.1: the server speaks first. Nothing is sent before the
   * whole greeting (a multi-line 220- included) has arrived: Postfix postscreen
   * and similar drop clients that talk early ("pregreet"). Under implicit TLS the greeting is the first
   * reply over the new session, where a server that wants a client certificate refuses it (TLS 1.3).
   */
  async #greeting(conn: SmtpConnection, draft: Draft, connectedAt: number, overTls: boolean): Promise<Step> {
    const read = await conn.readReply(this.#bounds.greetingTimeoutMs);
    if (read.status !== 'reply') {
      if (overTls) this.#sessionRefusedAfterHandshake(read, draft, 'greeting', 'closed_before_greeting');
      else draft.error = this.#readFailure(read, 'greeting', 'closed_before_greeting');
      return STOP;
    }
    draft.timings.banner = this.#now() - connectedAt;
    draft.banner = this.#summary(read);
    if (read.code === 220) return CONTINUE;
    // 421: the server (or our own pressure on it, or a blocklist) refuses service now;
    // 554: no service here (RFC 5321 3.1). Either way the banner says why, and
    // the client should still QUIT politely.
    draft.error = unwantedReplyReason(read.code, {
      transient: 'greeting_tempfail',
      permanent: 'greeting_rejected',
      otherwise: 'greeting_unexpected',
    });
    return STOP_WITH_QUIT;
  }

  /**
   * RFC 5321 4.1.1.1, with the HELO fallback of 4.1.4, as Postfix's client makes it (smtp_proto.c): any
   * refusal of EHLO but 421 ("closing the channel", 3.8) is followed by HELO, a 4xx included (a server that
   * tempfails EHLO alone takes HELO, and senders deliver through it).
   */
  async #ehlo(conn: SmtpConnection, draft: Draft): Promise<Step> {
    const startedAt = this.#now();
    const ehlo = await this.#command(conn, `EHLO ${this.#bounds.heloName}`);
    draft.timings.ehlo = this.#now() - startedAt;
    if (ehlo.status !== 'reply') {
      draft.error = this.#readFailure(ehlo, 'ehlo', 'closed_after_greeting');
      return STOP;
    }
    // Any 2yz is the go-ahead (RFC 5321 4.2: a client acts on the first digit; Postfix reads `code / 100 == 2`).
    if (replyClass(ehlo.code) === 'positive') {
      draft.ehlo = { code: ehlo.code, command: 'EHLO', extensions: parseEhlo(ehlo.lines, this.#bounds).extensions };
      return CONTINUE;
    }
    draft.ehlo = { code: ehlo.code, command: 'EHLO', extensions: [] };
    if (ehlo.code === 421) {
      draft.error = 'ehlo_tempfail';
      draft.refusal = this.#refusal('EHLO', ehlo, conn);
      return STOP_WITH_QUIT;
    }

    // Kept unless HELO gets a refusal of its own: a server that refuses EHLO and hangs up (a block list's
    // "554 5.7.1 ... listed at ...") has said why at EHLO, and that is what whoever debugs a bounce needs.
    draft.refusal = this.#refusal('EHLO', ehlo, conn);
    const helo = await this.#command(conn, `HELO ${this.#bounds.heloName}`);
    draft.timings.ehlo = this.#now() - startedAt;
    if (helo.status !== 'reply') {
      const hungUp = helo.status === 'closed' || helo.status === 'socket_error';
      // EHLO was answered; a HELO reply held back is a tarpit after an error (Postfix's smtpd_error_sleep_time).
      draft.error = hungUp
        ? 'ehlo_rejected'
        : helo.status === 'timeout'
          ? 'helo_timeout'
          : this.#readFailure(helo, 'ehlo', 'closed_after_greeting');
      return STOP;
    }
    // HELO has no extensions (RFC 5321 4.1.1.1), so STARTTLS cannot be offered.
    draft.ehlo = { code: helo.code, command: 'HELO', extensions: [] };
    if (replyClass(helo.code) !== 'positive') {
      draft.error = unwantedReplyReason(helo.code, { transient: 'helo_tempfail', otherwise: 'helo_rejected' });
      draft.refusal = this.#refusal('HELO', helo, conn);
      return STOP_WITH_QUIT;
    }
    // HELO went through. 500 and 502 ("command not recognized / not implemented") are how old servers say
    // "no ESMTP here" (RFC 5321 4.1.4): nothing to tell. Any other refusal (550 "HELO host name invalid",
    // a 4xx) is kept beside the success: it cost the conversation EHLO, and with it STARTTLS, and it may be
    // about mxv's own EHLO name (--helo-name), which senders with another name would not meet.
    if (ehlo.code === 500 || ehlo.code === 502) draft.refusal = null;
    return CONTINUE;
  }

  /**
   * RFC 3207 4: STARTTLS, 220, then the handshake on the same connection. Any
   * 2yz is taken as the go-ahead: a client that meets an unexpected code acts
   * on its first digit (RFC 5321 4.2), and senders do (Postfix starts TLS on
   * `code / 100 == 2`), so a server answering "250 Go ahead" gets TLS from them. Refusing it here would also send QUIT in clear
   * to a server now waiting for a ClientHello.
   */
  async #starttls(conn: SmtpConnection, target: HostTarget, draft: Draft, legacyServerConnect: boolean): Promise<Step> {
    const reply = await this.#command(conn, 'STARTTLS');
    if (reply.status !== 'reply') {
      draft.starttls = 'failed';
      draft.error = this.#readFailure(reply, 'starttls', 'closed_after_starttls');
      return STOP;
    }
    if (replyClass(reply.code) !== 'positive') {
      draft.starttls = 'failed';
      // 454 "TLS not available due to temporary reason" (RFC 3207 4) is "not now", like a 4xx greeting.
      draft.error = unwantedReplyReason(reply.code, { transient: 'starttls_tempfail', otherwise: 'starttls_rejected' });
      draft.refusal = this.#refusal('STARTTLS', reply, conn);
      return STOP_WITH_QUIT;
    }
    return this.#handshake(conn, target, draft, legacyServerConnect);
  }

  /**
   * The TLS handshake, after STARTTLS's 220 or (implicit TLS) right after
   * connecting, with the same certificate checks either way. `starttls` says
   * whether TLS was established, whichever way it started.
   */
  async #handshake(conn: SmtpConnection, target: HostTarget, draft: Draft, legacyServerConnect: boolean): Promise<Step> {
    const handshakeStart = this.#now();
    const upgraded = await conn.upgradeToTls(
      starttlsOptions(target.exchange, legacyServerConnect ? this.#legacyContext() : this.#secureContext),
      this.#bounds.tlsHandshakeTimeoutMs,
      this.#tlsConnect,
    );
    draft.timings.tls = this.#now() - handshakeStart;
    if (upgraded.status !== 'ok') {
      draft.starttls = 'failed';
      if (upgraded.status === 'failed') {
        const classified = classifyError(upgraded.error, 'tls');
        draft.error = classified.reason;
        draft.tls = {
          version: null,
          cipher: null,
          certValid: false,
          hostnameMatch: false,
          notAfter: null,
          error: classified.detail ?? classified.reason,
          ...(upgraded.sentCertificate
            ? describeCertificate(
                linkPeerChain(
                  upgraded.sentCertificate.peer,
                  upgraded.sentCertificate.leaf,
                  this.#bounds.maxCertChain,
                  this.#trustAnchors,
                ),
                upgraded.sentCertificate.leaf,
                this.#bounds,
              )
            : {}),
        };
      } else {
        draft.error = upgraded.status;
      }
      // The session state is unknown after a failed handshake: no QUIT in clear.
      return STOP;
    }
    const inspected = inspectTls(upgraded.socket, target.exchange, this.#bounds, this.#now(), this.#trustAnchors);
    draft.starttls = 'ok';
    // Without the legacy option the handshake completes only with renegotiation_info (or TLS 1.3, which has none).
    const secureRenegotiation = legacyServerConnect ? false : inspected.tls.version === 'TLSv1.3' ? null : true;
    draft.tls = { ...inspected.tls, secureRenegotiation };
    draft.certIdentity = inspected.certIdentity;
    draft.chainDigests = inspected.chainDigests;
    return CONTINUE;
  }

  #legacyContext(): tls.SecureContext {
    this.#legacyServerContext ??= createProbeSecureContext(this.#extraCaPem, { legacyServerConnect: true });
    return this.#legacyServerContext;
  }

  /** RFC 3207 4.2: capabilities may differ over TLS, so EHLO is asked again. */
  async #ehloOverTls(conn: SmtpConnection, draft: Draft): Promise<Step> {
    const ehlo = await this.#command(conn, `EHLO ${this.#bounds.heloName}`);
    if (ehlo.status !== 'reply') {
      this.#sessionRefusedAfterHandshake(ehlo, draft, 'ehlo', 'closed_after_tls');
      return STOP;
    }
    const accepted = replyClass(ehlo.code) === 'positive';
    draft.ehloTls = {
      code: ehlo.code,
      command: 'EHLO',
      extensions: accepted ? parseEhlo(ehlo.lines, this.#bounds).extensions : [],
    };
    if (!accepted) {
      draft.error = unwantedReplyReason(ehlo.code, { transient: 'ehlo_tls_tempfail', otherwise: 'ehlo_tls_rejected' });
      draft.refusal = this.#refusal('EHLO', ehlo, conn);
    }
    return STOP_WITH_QUIT;
  }

  /**
   * No reply came over the new TLS session. TLS 1.3 ends the client's handshake with its Finished, before
   * the server has judged it: a server that wants a client certificate (which senders do not send) refuses
   * the session only then, with alert 116, where TLS 1.2 refused the handshake itself. Either way no sender
   * gets an encrypted session here: with an alert it is a failed handshake, written as one (the certificate
   * it sent described, judged by nothing); after STARTTLS a hang-up or a reset keeps its reason, and STARTTLS
   * failed too. The first reply is EHLO's after STARTTLS, the greeting under implicit TLS (RFC 8314 3.3),
   * where a hang-up without an alert is more often a TLS front (stunnel, haproxy) whose mail server is down
   * than a refusal of the session: TLS is left as it was and the reason says the greeting never came.
   */
  #sessionRefusedAfterHandshake(
    read: Exclude<CommandResult, SmtpReply>,
    draft: Draft,
    phase: 'greeting' | 'ehlo',
    closedReason: string,
  ): void {
    draft.error = this.#readFailure(read, phase, closedReason);
    if (read.status !== 'closed' && read.status !== 'socket_error') return;
    const alert = read.status === 'socket_error' ? classifyError(read.error, 'tls') : null;
    const alertDetail = alert?.detail?.includes('_alert_') === true && draft.tls !== null ? alert.detail : null;
    if (phase === 'ehlo' || alertDetail !== null) draft.starttls = 'failed';
    if (alert === null || draft.tls === null || alertDetail === null) return;
    draft.error = alert.reason;
    draft.tls = {
      ...certificateFacts(draft.tls),
      version: null,
      cipher: null,
      certValid: false,
      hostnameMatch: false,
      error: alertDetail,
    };
    draft.certIdentity = null;
    draft.chainDigests = null;
  }

  /** RFC 5321 4.1.1.10: QUIT is a courtesy; wait briefly for 221, then close whatever the answer. */
  async #quit(conn: SmtpConnection): Promise<void> {
    if (conn.send('QUIT').status !== 'sent') return;
    await conn.readReply(this.#bounds.quitTimeoutMs);
  }

  async #command(conn: SmtpConnection, line: string): Promise<CommandResult> {
    const sent = conn.send(line);
    if (sent.status !== 'sent') return sent;
    return conn.readReply(this.#bounds.replyTimeoutMs);
  }

  #refusal(command: SmtpRefusal['command'], reply: SmtpReply, conn: SmtpConnection): SmtpRefusal {
    return { command, overTls: conn.isTls, ...this.#summary(reply) };
  }

  #summary(reply: SmtpReply): SmtpReplySummary {
    return { code: reply.code, text: truncateUtf8(reply.lines.join(' ').trim(), this.#bounds.maxStoredTextBytes) };
  }

  /** A wait that produced no reply, as the host's error reason. */
  #readFailure(read: Exclude<CommandResult, SmtpReply>, phase: ProbePhase, closedReason: string): string {
    switch (read.status) {
      case 'protocol_error':
        return read.reason;
      case 'timeout':
        return `${phase}_timeout`;
      case 'budget_exceeded':
      case 'aborted':
        return read.status;
      case 'closed':
        return closedReason;
      case 'invalid_command':
        // Only a heloName holding CR or LF gets here; refusing it keeps commands from being injected.
        return 'invalid_helo_name';
      case 'socket_error':
        return classifyError(read.error, phase).reason;
    }
  }

  #elapsed(since: number): number {
    return Math.max(0, this.#now() - since);
  }
}

function emptyDraft(): Draft {
  return {
    connect: 'error',
    banner: null,
    ehlo: null,
    starttls: 'not_tried',
    tls: null,
    ehloTls: null,
    certIdentity: null,
    chainDigests: null,
    timings: { connect: null, banner: null, ehlo: null, tls: null },
    error: null,
    refusal: null,
  };
}

/** Waits `ms`; false when the signal ended the wait (the caller's abort: no second connection then). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
