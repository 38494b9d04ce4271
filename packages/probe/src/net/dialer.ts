import type * as net from 'node:net';

/** One TCP connection to open: always an address the policy already judged, never a name. */
export interface DialRequest {
  host: string;
  port: number;
  /** The whole wait: for a proxy, reaching it, its handshake and its connection onwards. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * How a dial ended. `failed` carries the error for classifyError (phase
 * `connect`), which tells a host that refused from a proxy that did.
 */
export type DialResult =
  | { status: 'connected'; socket: net.Socket }
  | { status: 'failed'; error: unknown }
  | { status: 'timeout' }
  | { status: 'aborted' };

/**
 * Opens the TCP connection an SMTP conversation runs on (STYLE: the dialer is
 * injected). Direct (DirectDialer) or through a SOCKS5 proxy (Socks5Dialer);
 * tests inject their own. Never rejects: every outcome is a DialResult.
 */
export interface Dialer {
  dial(request: DialRequest): Promise<DialResult>;
}
