/**
 * The one place that turns a socket error of a DNS exchange into a short reason.
 * ECONNREFUSED on a connected UDP socket is the ICMP port-unreachable the kernel
 * reports back (nothing listens there); on TCP it is a reset to the SYN.
 */
export type DnsSocketFailure = 'connection_refused' | 'unreachable' | 'socket_error';

export function classifySocketError(error: unknown): DnsSocketFailure {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return 'connection_refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return 'unreachable';
    default:
      return 'socket_error';
  }
}
