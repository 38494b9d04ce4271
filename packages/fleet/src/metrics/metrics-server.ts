import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  port: number;
  /** Readiness: is this process able to do its work now (worker running, Redis connected)? */
  ready: () => boolean;
}

export type MetricsServerStart = { status: 'ok'; server: MetricsServer } | { status: 'failed'; reason: string };

export interface MetricsServer {
  /** The bound address (port resolved when 0 was asked). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A worker's own small HTTP server: `/metrics` (Prometheus text), `/healthz`
 * (liveness: the event loop answers) and `/readyz` (readiness: 503 while
 * draining or while Redis is away). Its own port, so every worker of a fleet
 * is scraped on its own; node:http because a worker needs nothing more.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServerStart> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (error: unknown) =>
          response
            .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
            .end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const ready = options.ready();
      response
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(ready ? 'ready\n' : 'not ready\n');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics, /healthz, /readyz\n');
  });
  // A scrape connection left open must not hold a draining worker's exit.
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    return { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  const address = server.address() as AddressInfo;
  return {
    status: 'ok',
    server: {
      host: address.address,
      port: address.port,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    },
  };
}
