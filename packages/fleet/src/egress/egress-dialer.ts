import { DirectDialer, parseProxyUrl, Socks5Dialer, type Dialer } from '@mxv/probe';

/**
 * How the canary is reached: the way the prober reaches mail hosts (through
 * --proxy when set), so a broken proxy is seen as broken egress. The proxy URL
 * was validated already by createEngineParts.
 */
export function egressDialer(proxy: string | null, override: Dialer | undefined): Dialer {
  if (override) return override;
  if (proxy === null) return new DirectDialer();
  const parsed = parseProxyUrl(proxy);
  return parsed.status === 'ok' ? new Socks5Dialer(parsed.proxy, new DirectDialer()) : new DirectDialer();
}
