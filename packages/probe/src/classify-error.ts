import type { ConnectStatus } from '@mxv/schema';
import { ProxyError } from './net/proxy-error.js';

export type ProbePhase = 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'tls' | 'quit';

/** Why one DNS exchange (a UDP or TCP try) failed at the socket level. */
export type DnsSocketFailure = 'connection_refused' | 'unreachable' | 'socket_error';

export interface ClassifiedError {
  /** Set only for the connect phase: after connecting, `connect` stays 'ok' and the error goes in `reason`. */
  connect?: ConnectStatus;
  /** Short machine-readable reason for the host's `error` field. */
  reason: string;
  /** The underlying code, shortened (e.g. "wrong_version_number", "econnreset"), when there is one. */
  detail?: string;
}

/** Code given to the timeouts this engine enforces itself, so they classify like the kernel's ETIMEDOUT. */
export const OWN_TIMEOUT_CODE = 'ETIMEDOUT';

/** An error standing for one of our own phase timeouts (connect, TLS handshake). */
export function ownTimeoutError(phase: ProbePhase): Error {
  return Object.assign(new Error(`${phase} timed out`), { code: OWN_TIMEOUT_CODE });
}

const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL', 'ENETDOWN', 'EAFNOSUPPORT']);
const MAX_DETAIL_CHARS = 48;

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return '';
}

/** "ERR_SSL_WRONG_VERSION_NUMBER" → "wrong_version_number": enough to tell failures apart, short enough to store. */
function shorten(code: string): string {
  return code
    .replace(/^ERR_(SSL|TLS)_/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, MAX_DETAIL_CHARS);
}

/**
 * OpenSSL failures reach Node as ERR_SSL_* codes (alerts included:
 * ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION),
 * Node's own TLS checks as ERR_TLS_*; older Node versions used EPROTO with the
 * OpenSSL text in the message.
 */
function isTlsError(code: string, message: string): boolean {
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || (code === 'EPROTO' && /ssl|tls|alert/i.test(message));
}

function isAbort(error: unknown, code: string): boolean {
  return code === 'ABORT_ERR' || (error instanceof Error && error.name === 'AbortError');
}

/**
 * RFC 1928 6: the REP field of a SOCKS5 reply, by the name the `socks` package
 * puts in its rejection message ("Socks5 proxy rejected connection - HostUnreachable").
 */
const SOCKS5_REPLY_CODES: Readonly<Record<string, number>> = {
  Failure: 1,
  NotAllowed: 2,
  NetworkUnreachable: 3,
  HostUnreachable: 4,
  ConnectionRefused: 5,
  TTLExpired: 6,
  CommandNotSupported: 7,
  AddressNotSupported: 8,
};

/**
 * A proxy failure, never the mail host's: `connect` is always "error" (not
 * refused/timeout/unreachable, which would say the host is down) and the
 * reason names the proxy: `proxy_unreachable`, `proxy_auth_failed`,
 * `proxy_refused:N` (N the SOCKS5 reply code), `proxy_timeout`, `proxy_error`.
 */
function classifyProxyError(error: ProxyError): ClassifiedError {
  const causeCode = errorCode(error.cause);
  const detail = causeCode ? { detail: shorten(causeCode) } : {};
  if (error.stage === 'reach') return { connect: 'error', reason: 'proxy_unreachable', ...detail };
  const message = errorMessage(error.cause);
  const rejected = /^Socks5 proxy rejected connection - (\w+)/.exec(message);
  if (rejected?.[1]) {
    const code = SOCKS5_REPLY_CODES[rejected[1]];
    return { connect: 'error', reason: code === undefined ? 'proxy_refused' : `proxy_refused:${code}` };
  }
  // "Authentication failed": wrong credentials; "no accepted authentication type": the
  // proxy wants a method we do not offer (it demands credentials we were not given).
  if (/Authentication failed|no accepted authentication type|unknown authentication type/i.test(message))
    return { connect: 'error', reason: 'proxy_auth_failed' };
  if (/timed out/i.test(message)) return { connect: 'error', reason: 'proxy_timeout' };
  // Closed mid-handshake, an answer that is not SOCKS5: the proxy is broken, the host unknown.
  return { connect: 'error', reason: 'proxy_error', ...detail };
}

/**
 * A socket error of a DNS exchange. ECONNREFUSED on a connected UDP socket is
 * the ICMP port-unreachable the kernel reports back (nothing listens there); on
 * TCP it is a reset to the SYN, as is an ECONNRESET before any answer.
 */
export function classifyDnsSocketError(error: unknown): DnsSocketFailure {
  const code = errorCode(error);
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return 'connection_refused';
  if (UNREACHABLE.has(code)) return 'unreachable';
  return 'socket_error';
}

/**
 * The one place that turns a socket, TLS or timeout error of an SMTP
 * conversation (and, through classifyDnsSocketError, of a DNS exchange) into data (STYLE: one classifier). A refused connection (RST to
 * the SYN), a timeout (no answer) and an unreachable network (ICMP, no route)
 * are kept apart because a sending MTA treats them differently.
 */
export function classifyError(error: unknown, phase: ProbePhase): ClassifiedError {
  const code = errorCode(error);
  const detail = code ? shorten(code) : undefined;
  const withDetail = (c: Omit<ClassifiedError, 'detail'>): ClassifiedError => (detail ? { ...c, detail } : c);

  if (isAbort(error, code))
    return withDetail(phase === 'connect' ? { connect: 'error', reason: 'aborted' } : { reason: 'aborted' });

  if (phase === 'connect') {
    if (error instanceof ProxyError) return classifyProxyError(error);
    if (code === 'ECONNREFUSED') return withDetail({ connect: 'refused', reason: 'connect_refused' });
    if (code === OWN_TIMEOUT_CODE) return withDetail({ connect: 'timeout', reason: 'connect_timeout' });
    if (UNREACHABLE.has(code)) return withDetail({ connect: 'unreachable', reason: 'connect_unreachable' });
    if (code === 'ECONNRESET') return withDetail({ connect: 'error', reason: 'connection_reset' });
    return withDetail({ connect: 'error', reason: 'connect_error' });
  }

  if (phase === 'tls') {
    // During the handshake every failure, a reset included (the server hung up on
    // our ClientHello), is a failed handshake; the detail says which.
    if (code === OWN_TIMEOUT_CODE) return withDetail({ reason: 'tls_timeout' });
    return withDetail({ reason: 'tls_handshake_failed' });
  }

  if (code === OWN_TIMEOUT_CODE) return withDetail({ reason: `${phase}_timeout` });
  if (code === 'ECONNRESET') return withDetail({ reason: 'connection_reset' });
  if (code === 'EPIPE') return withDetail({ reason: 'broken_pipe' });
  if (isTlsError(code, errorMessage(error))) return withDetail({ reason: 'tls_error' });
  return withDetail({ reason: `${phase}_error` });
}

/** Certificate verification codes of OpenSSL/Node that mean "no chain to a trusted root". */
const UNTRUSTED_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/**
 * The error of an MTA-STS policy fetch (HTTPS, RFC 8461 3.3) as the policy's
 * `error`: the certificate problems a sender must refuse kept apart (untrusted,
 * wrong name, expired), then the socket failures as for SMTP.
 */
export function classifyPolicyFetchError(error: unknown): string {
  // Through --proxy: the proxy's failure keeps its own name (fetch_proxy_unreachable, fetch_proxy_refused:5, ...).
  if (error instanceof ProxyError) return `fetch_${classifyProxyError(error).reason}`;
  const code = errorCode(error);
  if (isAbort(error, code) || code === OWN_TIMEOUT_CODE) return 'fetch_timeout';
  if (UNTRUSTED_CERT.has(code)) return 'fetch_tls_untrusted';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'fetch_tls_name_mismatch';
  if (code === 'CERT_HAS_EXPIRED') return 'fetch_tls_expired';
  if (code === 'CERT_NOT_YET_VALID') return 'fetch_tls_not_yet_valid';
  // Verify errors 66 to 68, which Node has no names for (its code is UNSPECIFIED): only OpenSSL's text says which.
  if (code === 'UNSPECIFIED' && /digest algorithm too weak/i.test(errorMessage(error))) return 'fetch_tls_weak_signature';
  if (code === 'UNSPECIFIED' && /certificate key too weak/i.test(errorMessage(error))) return 'fetch_tls_weak_key';
  if (code === 'ECONNREFUSED') return 'fetch_connect_refused';
  if (UNREACHABLE.has(code)) return 'fetch_connect_unreachable';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'fetch_connection_reset';
  if (code === 'HPE_HEADER_OVERFLOW') return 'fetch_headers_too_large';
  if (code.startsWith('HPE_')) return 'fetch_http_malformed';
  if (isTlsError(code, errorMessage(error))) return 'fetch_tls_failed';
  return 'fetch_failed';
}
