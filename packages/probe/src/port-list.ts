/**
 * `--ports` (CONTRACT.md): which ports of each mail host are probed, and how
 * TLS starts on each. No imports, on purpose: the CLI parses the flag with this
 * module alone (`@mxv/probe/ports`), as it does bounds with `@mxv/probe/bounds`.
 */

/** How TLS starts on a port: STARTTLS after EHLO (RFC 3207), or a handshake first (RFC 8314 implicit TLS). */
export type PortTlsMode = 'starttls' | 'implicit';

export interface ProbePort {
  readonly port: number;
  readonly tlsMode: PortTlsMode;
}

/** The port RFC 8314 3.3 assigns to submission over implicit TLS. */
export const IMPLICIT_TLS_PORT = 465;
/** The relay port (RFC 5321): MTA-to-MTA mail, where TLS only ever starts with STARTTLS. */
export const RELAY_PORT = 25;

/**
 * Ports probed per host at most. Each port is one more connection to every
 * address of every exchange; 25, 587 and 465 are the ones that matter, and a
 * few more leave room for an odd setup without letting one domain fan out.
 */
export const MAX_PORTS = 8;

export const DEFAULT_PORTS: readonly ProbePort[] = [{ port: RELAY_PORT, tlsMode: 'starttls' }];

/** The mode a bare port number means: 465 is implicit TLS (RFC 8314), any other port plain SMTP + STARTTLS. */
export function defaultTlsMode(port: number): PortTlsMode {
  return port === IMPLICIT_TLS_PORT ? 'implicit' : 'starttls';
}

/**
 * How a port is written: "25", "465", "2465/tls", or "465/starttls" for the one
 * combination `--ports` cannot ask for but an RFC 6186 `_submission` SRV record
 * can point at. Also the port part of a host cache key, so a probe made with
 * one TLS mode is never served for the other.
 */
export function portLabel(p: ProbePort): string {
  if (p.tlsMode === defaultTlsMode(p.port)) return String(p.port);
  return p.tlsMode === 'implicit' ? `${p.port}/tls` : `${p.port}/starttls`;
}

export type PortListParse = { status: 'ok'; ports: ProbePort[] } | { status: 'invalid'; reason: string };

const ENTRY = /^(\d{1,5})(\/tls)?$/i;

/**
 * Parses "25,587,465" or "25,2465/tls". The first port is the delivery port:
 * the verdict and the five checks are computed over it. Refused, each with a
 * reason a person can act on: an empty list, ports outside 1-65535, the same
 * port twice (in whatever mode: one probe per (address, port)), more than
 * MAX_PORTS, and `25/tls`: port 25 is relay, where TLS is only ever STARTTLS
 * (RFC 8314 defines implicit TLS for submission, not for relay).
 */
export function parsePortList(raw: string): PortListParse {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) return { status: 'invalid', reason: 'an empty list' };
  if (entries.length > MAX_PORTS) return { status: 'invalid', reason: `${entries.length} ports (at most ${MAX_PORTS})` };
  const ports: ProbePort[] = [];
  const seen = new Set<number>();
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    if (!match?.[1]) return { status: 'invalid', reason: `"${entry.slice(0, 40)}" is not a port (N or N/tls)` };
    const port = Number(match[1]);
    if (port < 1 || port > 65_535) return { status: 'invalid', reason: `port ${port} is out of range (1 to 65535)` };
    if (seen.has(port)) return { status: 'invalid', reason: `port ${port} is listed twice` };
    const tlsMode: PortTlsMode = match[2] ? 'implicit' : defaultTlsMode(port);
    if (port === RELAY_PORT && tlsMode === 'implicit')
      return {
        status: 'invalid',
        reason: 'port 25 is relay: TLS there is STARTTLS only (RFC 8314 implicit TLS is for submission)',
      };
    seen.add(port);
    ports.push({ port, tlsMode });
  }
  return { status: 'ok', ports };
}
