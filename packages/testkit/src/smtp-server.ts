import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectionLog } from './connection-log.js';
import { createSecureContextQuietly } from './dh-params.js';
import { toBehaviour, type SmtpBehaviour, type SmtpBehaviourKind } from './smtp-behaviours.js';
import { ServerConnection } from './server-connection.js';
import { playHostile } from './smtp-hostile-behaviours.js';
import { playRaw } from './smtp-raw-behaviours.js';
import { SmtpSession } from './smtp-session.js';

export interface SmtpTlsMaterial {
  certPem: string;
  keyPem: string;
  /** Leaf first, then intermediates; sent as the server's chain. Defaults to certPem. */
  chainPem?: string;
  /** Protocol, cipher and DH settings of the server's TLS, for old or weak configurations (a DHE-only TLS 1.2). */
  contextOptions?: Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'dhparam'>;
}

export interface SmtpHostOptions {
  /** Loopback address, e.g. "127.77.1.2". */
  host: string;
  /** 0 for an ephemeral port. */
  port: number;
  behaviour: SmtpBehaviour | SmtpBehaviourKind;
  /** Certificate for STARTTLS; without it the esmtp family does not offer STARTTLS. */
  tls?: SmtpTlsMaterial;
  /**
   * Implicit TLS (RFC 8314, port 465): the handshake comes first, then the
   * session inside it (with no STARTTLS). Needs `tls`. Raw and hostile
   * behaviours still play in clear, so a client meets them inside its handshake.
   */
  implicitTls?: boolean;
  /** Name in the greeting and EHLO reply; default "mx.testkit.invalid". */
  hostname?: string;
  /** Wait before the greeting (a slow or tarpitting server). */
  greetingDelayMs?: number;
  /** Wait before every reply. */
  replyDelayMs?: number;
  maxLineBytes?: number;
  /** listen() backlog; a world of many hosts under a burst needs more than the default. */
  backlog?: number;
}

export interface SmtpHostHandle {
  readonly host: string;
  readonly port: number;
  /** "host:port". */
  readonly address: string;
  readonly hostname: string;
  readonly log: ConnectionLog;
  behaviour(): SmtpBehaviour;
  /** Applies to connections accepted from now on. */
  setBehaviour(b: SmtpBehaviour | SmtpBehaviourKind): void;
  /** Close the listener and destroy every open connection. */
  stop(): Promise<void>;
}

const DEFAULT_HOSTNAME = 'mx.testkit.invalid';
const DEFAULT_MAX_LINE = 4096;
const DEFAULT_BACKLOG = 511;

/**
 * Building a SecureContext parses the key and chain (milliseconds each); hosts
 * that share one certificate object share one context, so a world of
 * thousands of hosts starts quickly.
 */
const contexts = new WeakMap<SmtpTlsMaterial, tls.SecureContext>();
function contextFor(material: SmtpTlsMaterial): tls.SecureContext {
  let ctx = contexts.get(material);
  if (ctx === undefined) {
    ctx = createSecureContextQuietly({
      cert: material.chainPem ?? material.certPem,
      key: material.keyPem,
      ...material.contextOptions,
    });
    contexts.set(material, ctx);
  }
  return ctx;
}

/** Start one simulated SMTP host; rejects with the listen error (EADDRINUSE, ...) when it cannot bind. */
export async function startSmtpHost(opts: SmtpHostOptions): Promise<SmtpHostHandle> {
  const hostname = opts.hostname ?? DEFAULT_HOSTNAME;
  let behaviour = toBehaviour(opts.behaviour);
  const secureContext = opts.tls ? contextFor(opts.tls) : null;
  const log = new ConnectionLog();
  const open = new Set<ServerConnection>();
  let stopped = false;

  const server = net.createServer((socket) => {
    if (stopped) {
      socket.destroy();
      return;
    }
    const conn = new ServerConnection(socket, log);
    open.add(conn);
    socket.on('close', () => open.delete(conn));
    if (playRaw(conn, behaviour, hostname) || playHostile(conn, behaviour, hostname)) return;
    const session = new SmtpSession(conn, {
      hostname,
      behaviour,
      secureContext,
      greetingDelayMs: opts.greetingDelayMs ?? 0,
      replyDelayMs: opts.replyDelayMs ?? 0,
      maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE,
    });
    if (opts.implicitTls && secureContext) {
      conn.detachPlain();
      conn.upgrade(secureContext, () => session.start());
    } else {
      session.start();
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: opts.host, port: opts.port, backlog: opts.backlog ?? DEFAULT_BACKLOG });
  });
  server.on('error', () => {});
  const port = (server.address() as net.AddressInfo).port;

  return {
    host: opts.host,
    port,
    address: net.isIPv6(opts.host) ? `[${opts.host}]:${port}` : `${opts.host}:${port}`,
    hostname,
    log,
    behaviour: () => behaviour,
    setBehaviour(b) {
      behaviour = toBehaviour(b);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const c of open) c.destroy();
      open.clear();
      await closed;
    },
  };
}
