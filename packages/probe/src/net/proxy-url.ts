/** A SOCKS5 proxy as --proxy names it. The credentials are kept here and nowhere else (never logged, never in a result). */
export interface ProxyEndpoint {
  host: string;
  port: number;
  /** RFC 1929 username/password, both or neither. */
  auth: { username: string; password: string } | null;
}

export type ProxyUrlParse = { status: 'ok'; proxy: ProxyEndpoint } | { status: 'invalid'; reason: string };

/** RFC 1929 2: each of username and password is 1 to 255 octets. */
const MAX_AUTH_BYTES = 255;

/**
 * Parses `socks5://[user:pass@]host:port` (CONTRACT: --proxy). Only socks5:
 * `socks5h` (the proxy resolves names) is refused on purpose, as are socks4 and
 * http: mxv resolves every name itself and hands the proxy an address the
 * policy judged. The port is required (no silent 1080). A refusal's reason
 * never repeats the URL, so credentials cannot leak through an error message.
 */
export function parseProxyUrl(raw: string): ProxyUrlParse {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { status: 'invalid', reason: 'not a URL (socks5://[user:pass@]host:port)' };
  }
  if (url.protocol !== 'socks5:') {
    const scheme = /^[a-z][a-z0-9+.-]{0,20}:$/i.test(url.protocol) ? url.protocol.slice(0, -1) : 'this';
    return { status: 'invalid', reason: `${scheme} proxies are not supported: use socks5://host:port` };
  }
  if (url.hostname === '') return { status: 'invalid', reason: 'no proxy host (socks5://host:port)' };
  if (url.port === '') return { status: 'invalid', reason: 'no proxy port (socks5://host:port)' };
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    return { status: 'invalid', reason: 'the proxy port must be 1 to 65535' };
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    return { status: 'invalid', reason: 'a proxy URL has no path, query or fragment' };

  let auth: ProxyEndpoint['auth'] = null;
  if (url.username !== '' || url.password !== '') {
    let username: string;
    let password: string;
    try {
      username = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      return { status: 'invalid', reason: 'the proxy credentials are not valid percent-encoding' };
    }
    const sizes = [Buffer.byteLength(username), Buffer.byteLength(password)];
    if (sizes.some((size) => size < 1 || size > MAX_AUTH_BYTES))
      return { status: 'invalid', reason: `the proxy username and password must each be 1 to ${MAX_AUTH_BYTES} bytes` };
    auth = { username, password };
  }
  // URL keeps IPv6 literals in brackets; net.connect wants them bare.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { status: 'ok', proxy: { host, port, auth } };
}

/** The proxy as logs and messages may show it: no credentials, only whether there are any. */
export function describeProxy(proxy: ProxyEndpoint): string {
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  return `socks5://${proxy.auth ? '***@' : ''}${host}:${proxy.port}`;
}
