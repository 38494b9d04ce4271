import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type PeerCertificate } from 'node:tls';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { AddressPolicy } from '../address-policy.js';
import { classifyPolicyFetchError } from '../classify-error.js';
import { followCnameChain } from '../dns/follow-cname-chain.js';
import type { DnsResolver } from '../dns/dns-types.js';
import type { Dialer } from '../net/dialer.js';
import { extraCaFromEnvironment } from '../smtp/tls-context.js';
import { certCoversName } from '../smtp/tls-inspect.js';

/** RFC 8461 3.3: the policy is at this path of `mta-sts.<domain>`, over HTTPS only. */
export const STS_POLICY_PATH = '/.well-known/mta-sts.txt';
const HTTPS_PORT = 443;

/**
 * The policy is fetched at OpenSSL security level 2, the default of Debian, Ubuntu and RHEL, where the
 * MTA-STS resolvers senders run live (postfix-mta-sts-resolver on Python's ssl): a policy host with a
 * 1024-bit RSA key, or a chain signed over SHA-1, gets no policy from them, and so from mxv (Node's own
 * default is level 1, which takes the key). Checked in apps/cli/test/interop-mta-sts.test.ts.
 */
const POLICY_FETCH_CIPHERS = 'DEFAULT:@SECLEVEL=2';

/**
 * The policy host's name check, as for SMTP (certCoversName): no partial wildcards ("mta-*.example.com"),
 * which Node's own check would match and Python's ssl, as postfix-mta-sts-resolver uses it, does not.
 */
function checkPolicyHostName(host: string, cert: PeerCertificate): Error | undefined {
  const identity = {
    commonName: typeof cert.subject?.CN === 'string' ? cert.subject.CN : null,
    subjectAltName: cert.subjectaltname ?? null,
  };
  if (certCoversName(identity, host)) return undefined;
  return Object.assign(new Error(`the certificate does not cover ${host}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
}

export interface StsFetchBounds {
  mtaStsFetchTimeoutMs: number;
  mtaStsMaxPolicyBytes: number;
  mtaStsMaxHeaderBytes: number;
  mtaStsMaxAddresses: number;
}

/**
 * Failures of the connection itself, before anything was said: the next address
 * of the name may answer. Anything later (TLS, HTTP, the body) is the host's answer.
 * Through a proxy, its SOCKS5 replies 3 to 5 (network or host unreachable,
 * connection refused: RFC 1928 6) say the same of the host.
 */
const NEXT_ADDRESS_ERRORS: ReadonlySet<string> = new Set([
  'fetch_connect_refused',
  'fetch_connect_unreachable',
  'fetch_proxy_refused:3',
  'fetch_proxy_refused:4',
  'fetch_proxy_refused:5',
]);

/** The policy body, or why there is none (a short machine-readable error: `fetch_http_404`, `blocked_address`, ...). */
export type StsFetch = { status: 'ok'; body: string } | { status: 'failed'; error: string };

export interface StsPolicyFetcher {
  fetch(domain: string, signal?: AbortSignal): Promise<StsFetch>;
}

export interface HttpsStsPolicyFetcherOptions {
  resolver: DnsResolver;
  policy: AddressPolicy;
  bounds: StsFetchBounds;
  /** Trusted besides the system's roots (tests; people use NODE_EXTRA_CA_CERTS). */
  extraCaPem?: string[];
  /** 443 (RFC 8461 3.3); another port only for the simulated world, which cannot count on binding 443. */
  port?: number;
  /**
   * --proxy: the policy host is reached through it, as the mail hosts are, so that the domain's servers
   * see the proxy's address and never the checker's. Without, a direct connection.
   */
  dialer?: Dialer;
}

/**
 * Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` the way the SMTP
 * probe connects: the name resolved by our own resolver, the address checked
 * by the address policy (the policy host is chosen by whoever controls the
 * domain: an SSRF vector like any MX), then a connection to that very address
 * with SNI and the certificate checked against the name. No redirects (RFC
 * 8461 3.3: "MUST NOT follow redirects"), 200 and text/plain only, the body
 * and headers size-capped, the whole exchange under one timeout.
 */
export class HttpsStsPolicyFetcher implements StsPolicyFetcher {
  readonly #options: HttpsStsPolicyFetcherOptions;
  readonly #ca: string[] | undefined;

  constructor(options: HttpsStsPolicyFetcherOptions) {
    this.#options = options;
    // As for SMTP (tls-context.ts): `ca` replaces Node's default store, NODE_EXTRA_CA_CERTS with it, so that file is added back.
    this.#ca =
      options.extraCaPem && options.extraCaPem.length > 0
        ? [...rootCertificates, ...extraCaFromEnvironment(), ...options.extraCaPem]
        : undefined;
  }

  /**
   * A refused or unreachable address is followed by the next allowed one, at
   * most `mtaStsMaxAddresses`, all within the one timeout: Go's net/http and
   * aiohttp, which senders fetch policies with, try each address of the name,
   * so a policy host with one address down still has its policy in force.
   */
  async fetch(domain: string, signal?: AbortSignal): Promise<StsFetch> {
    const host = `mta-sts.${domain}`;
    const addresses = await this.#addresses(host, signal);
    if (addresses.status === 'failed') return addresses;
    const timeout = AbortSignal.timeout(this.#options.bounds.mtaStsFetchTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let outcome: StsFetch = { status: 'failed', error: 'fetch_failed' };
    for (const ip of addresses.ips.slice(0, this.#options.bounds.mtaStsMaxAddresses)) {
      outcome = await this.#get(host, ip, combined, timeout);
      if (outcome.status === 'ok' || !NEXT_ADDRESS_ERRORS.has(outcome.error)) return outcome;
    }
    return outcome;
  }

  /** The addresses of the name that the address policy allows, A before AAAA; none allowed is `blocked_address`. */
  async #addresses(
    host: string,
    signal?: AbortSignal,
  ): Promise<{ status: 'ok'; ips: string[] } | { status: 'failed'; error: string }> {
    const answers = await Promise.all([
      this.#options.resolver.query(host, 'A', signal),
      this.#options.resolver.query(host, 'AAAA', signal),
    ]);
    const ips: string[] = [];
    for (const answer of answers) {
      const owner = followCnameChain(answer.records, host).target;
      for (const record of answer.records) {
        if ((record.type === 'A' || record.type === 'AAAA') && record.name === owner) ips.push(record.address);
      }
    }
    if (ips.length === 0) {
      const failed = answers.find((answer) => answer.status !== 'NOERROR' && answer.status !== 'NODATA') ?? answers[0];
      return { status: 'failed', error: `fetch_dns_${(failed?.status ?? 'NODATA').toLowerCase()}` };
    }
    const allowed = ips.filter((ip) => this.#options.policy.check(ip).status === 'allowed');
    return allowed.length === 0 ? { status: 'failed', error: 'blocked_address' } : { status: 'ok', ips: allowed };
  }

  /** `timeout` is the fetch's own timer, which `signal` includes: when it ends the dial, the proxy took the time. */
  async #get(host: string, ip: string, signal: AbortSignal, timeout: AbortSignal): Promise<StsFetch> {
    const { dialer } = this.#options;
    if (dialer === undefined) return this.#request(host, ip, signal, null);
    const dialed = await dialer.dial({
      host: ip,
      port: this.#options.port ?? HTTPS_PORT,
      timeoutMs: this.#options.bounds.mtaStsFetchTimeoutMs,
      signal,
    });
    // The proxy did not finish its handshake (or its CONNECT onwards) within the fetch's time: a stalled
    // proxy, named as such (its host probes say proxy_timeout), not the policy host's fetch_timeout.
    if (dialed.status === 'timeout' || (dialed.status === 'aborted' && timeout.aborted))
      return { status: 'failed', error: 'fetch_proxy_timeout' };
    if (dialed.status === 'aborted') return { status: 'failed', error: 'fetch_timeout' };
    if (dialed.status === 'failed') return { status: 'failed', error: classifyPolicyFetchError(dialed.error) };
    return this.#request(host, ip, signal, dialed.socket);
  }

  /** One GET, on a new direct connection, or inside TLS over `socket` (the dialer's connection, through a proxy). */
  #request(host: string, ip: string, signal: AbortSignal, socket: Socket | null): Promise<StsFetch> {
    const { bounds } = this.#options;
    const tlsOptions = {
      // The certificate is checked against servername (Node's checkServerIdentity), not against the address.
      servername: host,
      rejectUnauthorized: true,
      ciphers: POLICY_FETCH_CIPHERS,
      checkServerIdentity: checkPolicyHostName,
      ...(this.#ca ? { ca: this.#ca } : {}),
    };
    const options: RequestOptions = {
      host: ip,
      port: this.#options.port ?? HTTPS_PORT,
      path: STS_POLICY_PATH,
      method: 'GET',
      // As senders' HTTP clients ask (aiohttp for postfix-mta-sts-resolver: "gzip, deflate"; Go: "gzip"): a host
      // that keeps only mta-sts.txt.gz (nginx gzip_static, Apache MultiViews) serves them, and refuses identity.
      headers: { Host: host, Accept: 'text/plain', 'Accept-Encoding': 'gzip, deflate', 'User-Agent': 'mxv' },
      maxHeaderSize: bounds.mtaStsMaxHeaderBytes,
      signal,
      ...tlsOptions,
      // No agent with createConnection (Node's ClientRequest then calls it): TLS starts on the proxied socket.
      ...(socket === null ? { agent: false } : { createConnection: () => tlsConnect({ ...tlsOptions, socket }) }),
    };
    return new Promise<StsFetch>((resolve) => {
      let settled = false;
      const finish = (outcome: StsFetch): void => {
        if (settled) return;
        settled = true;
        req.destroy();
        socket?.destroy();
        resolve(outcome);
      };
      const req = request(options, (res) => readBody(res, bounds.mtaStsMaxPolicyBytes, finish));
      req.on('error', (error) =>
        finish({ status: 'failed', error: signal.aborted ? 'fetch_timeout' : classifyPolicyFetchError(error) }),
      );
      req.end();
    });
  }
}

/** RFC 8461 3.3: only a 200 with media type text/plain is a policy; redirects are not followed. */
function readBody(res: IncomingMessage, maxBytes: number, finish: (outcome: StsFetch) => void): void {
  const code = res.statusCode ?? 0;
  if (code >= 300 && code < 400) return finish({ status: 'failed', error: 'fetch_redirect' });
  if (code !== 200) return finish({ status: 'failed', error: `fetch_http_${code}` });
  const mediaType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'text/plain') return finish({ status: 'failed', error: 'fetch_content_type' });
  const coding = contentCoding(res.headers['content-encoding']);
  if (coding === 'unsupported') return finish({ status: 'failed', error: 'fetch_content_encoding' });
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > maxBytes) return finish({ status: 'failed', error: 'fetch_too_large' });
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) return finish({ status: 'failed', error: 'fetch_too_large' });
    chunks.push(chunk);
  });
  res.on('end', () => {
    const decoded = decodeContent(Buffer.concat(chunks), coding, maxBytes);
    if (decoded.status === 'failed') return finish(decoded);
    try {
      // A policy is text; bytes that are not UTF-8 are a broken policy, not something to guess at. A byte order
      // mark is kept, so the policy fails its ABNF (RFC 8461 3.2) as it fails postfix-mta-sts-resolver's reading.
      finish({ status: 'ok', body: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(decoded.bytes) });
    } catch {
      finish({ status: 'failed', error: 'policy_syntax' });
    }
  });
  res.on('error', (error) => finish({ status: 'failed', error: classifyPolicyFetchError(error) }));
  // Closed before the end of the body (a no-op once 'end' has finished it).
  res.on('close', () => finish({ status: 'failed', error: 'fetch_connection_reset' }));
}

/**
 * The content coding of the body (RFC 9110 8.4): we ask for gzip or deflate, and
 * senders' HTTP clients (aiohttp, Go's net/http) decode those, whether asked for
 * or not (S3 serves an object stored with `Content-Encoding: gzip` whatever the
 * request said), so such a policy is in force. gzip (and its alias x-gzip,
 * 8.4.1.3) and deflate are decoded; any other coding (br, zstd, two codings) is
 * not the policy text.
 */
function contentCoding(header: string | undefined): 'identity' | 'gzip' | 'deflate' | 'unsupported' {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length !== 1) return 'unsupported';
  if (codings[0] === 'gzip' || codings[0] === 'x-gzip') return 'gzip';
  return codings[0] === 'deflate' ? 'deflate' : 'unsupported';
}

/** The body without its content coding, the decoded size held to the same cap as the body (a gzip bomb). */
function decodeContent(
  raw: Buffer,
  coding: 'identity' | 'gzip' | 'deflate',
  maxBytes: number,
): { status: 'ok'; bytes: Buffer } | { status: 'failed'; error: string } {
  if (coding === 'identity') return { status: 'ok', bytes: raw };
  try {
    if (coding === 'gzip') return { status: 'ok', bytes: gunzipSync(raw, { maxOutputLength: maxBytes }) };
    // "deflate" is the zlib format (RFC 9110 8.4.1.2); some servers send the raw stream, which clients take too.
    return { status: 'ok', bytes: inflateOrRaw(raw, maxBytes) };
  } catch (error) {
    // zlib throws a RangeError past maxOutputLength, a plain Error (Z_DATA_ERROR, ...) for a broken stream.
    return { status: 'failed', error: error instanceof RangeError ? 'fetch_too_large' : 'fetch_content_encoding' };
  }
}

function inflateOrRaw(raw: Buffer, maxBytes: number): Buffer {
  try {
    return inflateSync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return inflateRawSync(raw, { maxOutputLength: maxBytes });
  }
}
