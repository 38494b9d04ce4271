/**
 * A failure of the proxy rather than of the mail host behind it: `reach` when
 * the proxy itself could not be connected to, `handshake` when its SOCKS5
 * negotiation failed (authentication, its own CONNECT refused, garbage, a
 * stall). classifyError turns it into a `proxy_*` reason, so it can never read
 * as the host refusing or timing out.
 */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  readonly stage: 'reach' | 'handshake';
  override readonly cause: unknown;

  constructor(stage: 'reach' | 'handshake', cause: unknown) {
    // The message is fixed: the cause of a SOCKS failure carries the client's options, credentials included.
    super(stage === 'reach' ? 'proxy could not be reached' : 'proxy handshake failed');
    this.stage = stage;
    this.cause = cause;
  }
}
