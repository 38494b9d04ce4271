import { ownTimeoutError } from '../classify-error.js';
import type { Dialer, DialRequest, DialResult } from './dialer.js';
import { ProxyError } from './proxy-error.js';
import type { ProxyEndpoint } from './proxy-url.js';

/**
 * Loaded on the first proxied connection: `mxv check` without --proxy does not pay for it at start-up.
 * `socks` is CommonJS: its exports are read from the default export (module.exports), which Node
 * and the CLI's bundle (apps/cli/scripts/bundle.mjs) both give; named ones only Node derives.
 */
type SocksExports = typeof import('socks');
let socksModule: Promise<SocksExports> | null = null;
const loadSocks = (): Promise<SocksExports> =>
  (socksModule ??= import('socks').then((module) => (module as SocksExports & { default?: SocksExports }).default ?? module));

/**
 * Every connection through a SOCKS5 proxy (RFC 1928, RFC 1929 for
 * username/password), with the `socks` package doing the negotiation. The
 * proxy is reached with the direct dialer, so reaching it is bounded and
 * abortable like any connection, then handed to SocksClient as an existing
 * socket. The destination is always the IP literal the caller resolved and the
 * address policy checked (never a name: DNS stays ours, and the proxy cannot
 * become a way around the policy); the proxy's own address is not judged, the
 * operator named it.
 */
export class Socks5Dialer implements Dialer {
  readonly #proxy: ProxyEndpoint;
  readonly #direct: Dialer;
  readonly #now: () => number;

  constructor(proxy: ProxyEndpoint, direct: Dialer, now: () => number = Date.now) {
    this.#proxy = proxy;
    this.#direct = direct;
    this.#now = now;
  }

  async dial(request: DialRequest): Promise<DialResult> {
    const startedAt = this.#now();
    const reached = await this.#direct.dial({ ...request, host: this.#proxy.host, port: this.#proxy.port });
    if (reached.status === 'aborted') return reached;
    if (reached.status === 'timeout') return { status: 'failed', error: new ProxyError('reach', ownTimeoutError('connect')) };
    if (reached.status === 'failed') return { status: 'failed', error: new ProxyError('reach', reached.error) };

    const socket = reached.socket;
    const remaining = request.timeoutMs - (this.#now() - startedAt);
    const { signal } = request;
    // SocksClient has no abort: ending the socket makes it fail, and the signal says why.
    const onAbort = (): void => {
      socket.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { SocksClient } = await loadSocks();
      await SocksClient.createConnection({
        command: 'connect',
        destination: { host: request.host, port: request.port },
        proxy: {
          host: this.#proxy.host,
          port: this.#proxy.port,
          type: 5,
          ...(this.#proxy.auth ? { userId: this.#proxy.auth.username, password: this.#proxy.auth.password } : {}),
        },
        existing_socket: socket,
        timeout: Math.max(1, remaining),
      });
      socket.setNoDelay(true);
      return { status: 'connected', socket };
    } catch (error) {
      socket.destroy();
      if (signal?.aborted) return { status: 'aborted' };
      // Only the message goes on: the `socks` error carries the client's options, the password included.
      const message = error instanceof Error ? error.message : String(error);
      return { status: 'failed', error: new ProxyError('handshake', new Error(message)) };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
