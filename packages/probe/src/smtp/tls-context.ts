import { constants as cryptoConstants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';

/**
 * Passing `ca` replaces Node's default store, and with it both the bundled roots
 * (added back from tls.rootCertificates) and the NODE_EXTRA_CA_CERTS file, which
 * Node loads only into the default store. CONTRACT promises that variable works,
 * so its file is read here the way Node reads it; unreadable means absent, as in
 * Node (which only warns).
 */
export function extraCaFromEnvironment(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return [];
  }
}

/**
 * The secure context every handshake of one prober shares. Build it once per
 * prober, never per connection: handing `ca` (or protocol and cipher settings)
 * to every tls.connect makes Node parse the whole root store again for each
 * handshake, which measured ~100 ms of CPU per probe (bench/probe.mjs).
 *
 * Protocol and ciphers are those of an opportunistic-TLS sender (RFC 7435): it
 * encrypts with whatever the server offers and delivers anyway, so old versions
 * and weak ciphers are accepted in order to report what such a sender actually
 * gets instead of a failure. A server without RFC 5746 secure renegotiation
 * (TLS stacks from before 2010) is refused at its ServerHello, as OpenSSL 3
 * and senders on it (Postfix on current distributions) refuse it: the prober
 * then asks again on a second connection with `legacyServerConnect`
 * (SSL_OP_LEGACY_SERVER_CONNECT), to report what senders on GnuTLS or OpenSSL
 * 1.1, which go on, get. The probe never renegotiates, so the attack that
 * option guards against does not apply.
 *
 * @param extraCaPem PEM CAs trusted besides Node's bundled roots and NODE_EXTRA_CA_CERTS;
 *   none (or empty) leaves Node's default store alone.
 */
export function createProbeSecureContext(
  extraCaPem: readonly string[] | undefined,
  options: { legacyServerConnect?: boolean } = {},
): tls.SecureContext {
  const ca =
    extraCaPem && extraCaPem.length > 0 ? [...tls.rootCertificates, ...extraCaFromEnvironment(), ...extraCaPem] : undefined;
  return tls.createSecureContext({
    minVersion: 'TLSv1',
    ciphers: 'DEFAULT:@SECLEVEL=0',
    ...(options.legacyServerConnect === true ? { secureOptions: cryptoConstants.SSL_OP_LEGACY_SERVER_CONNECT } : {}),
    ...(ca ? { ca } : {}),
  });
}

/**
 * The options of one STARTTLS handshake towards `exchange`. Nothing is enforced
 * here: rejectUnauthorized is off and checkServerIdentity accepts everything, so
 * socket.authorized speaks of the chain and dates alone and the name is judged
 * apart (inspectTls).
 */
export function starttlsOptions(exchange: string, secureContext: tls.SecureContext): tls.ConnectionOptions {
  const name = exchange.replace(/\.$/, '');
  return {
    // RFC 6066 3: SNI carries host names only, never an address literal.
    ...(net.isIP(name) === 0 && name !== '' ? { servername: name } : {}),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    // minVersion 'TLSv1' and ciphers 'DEFAULT:@SECLEVEL=0' live in the shared context.
    secureContext,
  };
}
