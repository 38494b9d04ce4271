import { createServer } from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago (the kernel's choice for port
 * 0). Another process can take it before the caller binds it, so callers that
 * start a server on it retry on EADDRINUSE.
 */
export function freeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
