import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What a simulated MTA-STS policy host (`mta-sts.<domain>`, RFC 8461 3.3) does
 * with a request for anything: serve a policy, or misbehave in one of the ways
 * a checker must survive and classify.
 */
export type PolicyServerBehaviour =
  | { kind: 'policy'; body: string; contentType?: string }
  | { kind: 'status'; code: number }
  | { kind: 'redirect'; location: string }
  /** A body of this many bytes (a 10 MB "policy"), sent as fast as the client reads. */
  | { kind: 'huge'; bytes: number }
  /** The policy, one byte per interval (a tarpit). */
  | { kind: 'drip'; body: string; intervalMs: number };

export interface PolicyServerOptions {
  host: string;
  /** 0 for an ephemeral port. */
  port: number;
  certPem: string;
  keyPem: string;
  chainPem?: string;
  /** OpenSSL cipher list; `DEFAULT:@SECLEVEL=0` to serve a certificate signed over SHA-1, which Node refuses to load otherwise. */
  ciphers?: string;
  behaviour: PolicyServerBehaviour;
}

export interface PolicyServerHandle {
  readonly host: string;
  readonly port: number;
  /** TCP connections accepted so far (a blocked address must see none). */
  readonly connections: number;
  /** Requests answered so far, with the path and Host header each asked for. */
  readonly requests: ReadonlyArray<{ path: string; host: string }>;
  stop(): Promise<void>;
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'a');

function play(behaviour: PolicyServerBehaviour, res: ServerResponse): void {
  switch (behaviour.kind) {
    case 'policy':
      res.writeHead(200, { 'Content-Type': behaviour.contentType ?? 'text/plain' }).end(behaviour.body);
      return;
    case 'status':
      res.writeHead(behaviour.code, { 'Content-Type': 'text/plain' }).end(`status ${behaviour.code}\n`);
      return;
    case 'redirect':
      res.writeHead(301, { Location: behaviour.location, 'Content-Type': 'text/plain' }).end();
      return;
    case 'huge': {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      let left = behaviour.bytes;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          const chunk = HUGE_CHUNK.subarray(0, Math.min(left, HUGE_CHUNK.length));
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    case 'drip': {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const bytes = Buffer.from(behaviour.body);
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= bytes.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(bytes.subarray(at, at + 1));
        at += 1;
      }, behaviour.intervalMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
  }
}

/** An HTTPS server on one loopback address playing one policy-host behaviour. */
export async function startPolicyServer(options: PolicyServerOptions): Promise<PolicyServerHandle> {
  const sockets = new Set<Socket>();
  const requests: Array<{ path: string; host: string }> = [];
  let connections = 0;
  const server: Server = createServer(
    { cert: options.chainPem ?? options.certPem, key: options.keyPem, ...(options.ciphers ? { ciphers: options.ciphers } : {}) },
    (req: IncomingMessage, res) => {
      requests.push({ path: req.url ?? '', host: req.headers.host ?? '' });
      play(options.behaviour, res);
    },
  );
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that gives up mid-handshake is not the server's failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  let stopping: Promise<void> | null = null;
  return {
    host: options.host,
    port,
    get connections() {
      return connections;
    },
    requests,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return stopping;
    },
  };
}
