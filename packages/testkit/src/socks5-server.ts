import * as net from 'node:net';

/**
 * What the fake SOCKS5 proxy does (RFC 1928, RFC 1929). `relay` is a working
 * proxy (with `credentials`, one that demands them); the others are the bad
 * cases a client must survive with a bounded, named failure.
 */
export type Socks5Behaviour =
  | { kind: 'relay' }
  /** Reads the client's greeting, then hangs up. */
  | { kind: 'close_mid_handshake' }
  /** Accepts the connection and never says a word. */
  | { kind: 'stall' }
  /** Answers the greeting with something that is not SOCKS5 (an HTTP error). */
  | { kind: 'garbage' }
  /** Answers the CONNECT request with this reply code (RFC 1928 6: 1-8). */
  | { kind: 'refuse'; code: number };

export interface Socks5ServerOptions {
  host: string;
  port?: number;
  behaviour: Socks5Behaviour;
  /** RFC 1929 username/password the proxy demands; without, it wants no authentication. */
  credentials?: { username: string; password: string };
}

export interface Socks5ServerHandle {
  readonly host: string;
  readonly port: number;
  /** "socks5://host:port" (no credentials). */
  readonly url: string;
  /** Connections accepted. */
  readonly connections: number;
  /** CONNECT requests seen, as the client asked them ("127.1.2.3:25"; names would show as names). */
  readonly requests: readonly string[];
  /** Username/password attempts seen: [username, accepted]. */
  readonly authAttempts: ReadonlyArray<readonly [string, boolean]>;
  stop(): Promise<void>;
}

const VERSION = 5;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;

/** Start a fake SOCKS5 proxy on loopback; every socket it opens is closed by stop(). */
export async function startSocks5Server(opts: Socks5ServerOptions): Promise<Socks5ServerHandle> {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const authAttempts: Array<readonly [string, boolean]> = [];
  let connections = 0;

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const server = net.createServer((client) => {
    connections += 1;
    track(client);
    if (opts.behaviour.kind === 'stall') return;
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';

    const reply = (code: number): void => {
      client.write(Buffer.from([VERSION, code, 0, 1, 0, 0, 0, 0, 0, 0]));
    };
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (stage === 'greeting') {
          if (buffer.length < 2 || buffer.length < 2 + (buffer[1] ?? 0)) return;
          const methods = [...buffer.subarray(2, 2 + (buffer[1] ?? 0))];
          buffer = buffer.subarray(2 + (buffer[1] ?? 0));
          if (opts.behaviour.kind === 'close_mid_handshake') return void client.destroy();
          if (opts.behaviour.kind === 'garbage') return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
          const wanted = opts.credentials ? USER_PASS : NO_AUTH;
          if (!methods.includes(wanted)) return void client.end(Buffer.from([VERSION, NO_ACCEPTABLE]));
          client.write(Buffer.from([VERSION, wanted]));
          stage = opts.credentials ? 'auth' : 'request';
        } else if (stage === 'auth') {
          const ulen = buffer[1];
          if (ulen === undefined || buffer.length < 3 + ulen) return;
          const plen = buffer[2 + ulen] ?? 0;
          if (buffer.length < 3 + ulen + plen) return;
          const username = buffer.subarray(2, 2 + ulen).toString();
          const password = buffer.subarray(3 + ulen, 3 + ulen + plen).toString();
          buffer = buffer.subarray(3 + ulen + plen);
          const ok = username === opts.credentials?.username && password === opts.credentials.password;
          authAttempts.push([username, ok]);
          if (!ok) return void client.end(Buffer.from([1, 1]));
          client.write(Buffer.from([1, 0]));
          stage = 'request';
        } else if (stage === 'request') {
          const parsed = parseRequest(buffer);
          if (parsed === null) return;
          buffer = buffer.subarray(parsed.length);
          requests.push(parsed.host.includes(':') ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`);
          stage = 'done';
          client.removeListener('data', onData);
          if (opts.behaviour.kind === 'refuse') {
            reply(opts.behaviour.code);
            return void client.end();
          }
          client.pause();
          const upstream = net.connect({ host: parsed.host, port: parsed.port });
          track(upstream);
          upstream.once('connect', () => {
            reply(0);
            if (buffer.length > 0) upstream.write(buffer);
            client.pipe(upstream);
            upstream.pipe(client);
            client.resume();
          });
          upstream.once('error', (error: NodeJS.ErrnoException) => {
            // RFC 1928 6: 5 connection refused, 4 host unreachable, 1 anything else.
            reply(error.code === 'ECONNREFUSED' ? 5 : error.code === 'EHOSTUNREACH' ? 4 : 1);
            client.end();
          });
          return;
        } else {
          return;
        }
      }
    };
    client.on('data', onData);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host, port: opts.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: opts.host,
    port,
    url: `socks5://${net.isIPv6(opts.host) ? `[${opts.host}]` : opts.host}:${port}`,
    get connections() {
      return connections;
    },
    requests,
    authAttempts,
    async stop() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** RFC 1928 4: VER CMD RSV ATYP DST.ADDR DST.PORT; null until the whole request is there. */
function parseRequest(buffer: Buffer): { host: string; port: number; length: number } | null {
  if (buffer.length < 5) return null;
  const atyp = buffer[3];
  let host: string;
  let offset: number;
  if (atyp === 1) {
    if (buffer.length < 10) return null;
    host = [...buffer.subarray(4, 8)].join('.');
    offset = 8;
  } else if (atyp === 4) {
    if (buffer.length < 22) return null;
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) parts.push(buffer.readUInt16BE(4 + i * 2).toString(16));
    host = parts.join(':');
    offset = 20;
  } else {
    const len = buffer[4] ?? 0;
    if (buffer.length < 7 + len) return null;
    host = buffer.subarray(5, 5 + len).toString();
    offset = 5 + len;
  }
  return { host, port: buffer.readUInt16BE(offset), length: offset + 2 };
}
