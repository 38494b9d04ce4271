import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './api-options.js';
import { buildApiApp } from './build-api-app.js';

export interface ApiServer {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

/** Builds the app and listens (port 0: a free one; `url` says which). */
export async function startApiServer(options: ApiOptions & { host?: string; port?: number }): Promise<ApiServer> {
  const app = await buildApiApp(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 8080 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shown}:${port}`, close: () => app.close() };
}
