/**
 * Why a TLS handshake with a mail host did not complete (`tls.error` of a
 * host whose `tls.version` is null: OpenSSL's reason, shortened), in plain
 * words for the lookup page. An error not listed here is shown as its code alone.
 */
const WORDS: Record<string, string> = {
  wrong_version_number: 'The server answered STARTTLS with 220 and then did not speak TLS.',
  unsafe_legacy_renegotiation_disabled:
    'The server lacks RFC 5746 secure renegotiation, which OpenSSL 3 requires, and the handshake that allows it failed too.',
  no_protocols_available: 'The server offers only TLS versions that neither mxv nor current senders speak.',
  unsupported_protocol: 'The server offers only TLS versions that neither mxv nor current senders speak.',
  no_shared_cipher: 'The server and mxv share no cipher.',
  unexpected_eof_while_reading: 'The server closed the connection in the middle of the handshake.',
  econnreset: 'The server reset the connection in the middle of the handshake.',
};

/** TLS alerts a server sends to end a handshake (RFC 8446 6.2, RFC 5246 7.2.2), by OpenSSL's name. */
const ALERT_WORDS: Record<string, string> = {
  internal_error:
    'its own TLS failed (alert 80): often a key or certificate it cannot use, or a TLS library it was not built for. Its TLS log says which.',
  handshake_failure:
    'it found nothing it could agree on (alert 40): no shared protocol version, cipher or signature algorithm, or a certificate it cannot use.',
  protocol_version:
    'it does not speak the TLS versions offered (alert 70): only older ones, which current senders no longer offer.',
  insufficient_security: 'it wants stronger ciphers than were offered (alert 71).',
  unrecognized_name: 'it has no certificate for the MX name that was asked for (alert 112, SNI).',
  decode_error: 'it could not read the handshake (alert 50).',
  illegal_parameter: 'it found a parameter of the handshake wrong (alert 47).',
  bad_certificate: 'it objected to a certificate (alert 42); mxv sends none, as most senders do.',
  certificate_required: 'it wants a client certificate (alert 116), which senders do not send.',
  access_denied: 'it refused this client (alert 49).',
};

export function explainTlsError(error: string): string | null {
  if (WORDS[error] !== undefined) return WORDS[error];
  const alert = /^(?:sslv3|tlsv1|tlsv13)_alert_([a-z_]+)$/.exec(error)?.[1];
  if (alert !== undefined && ALERT_WORDS[alert] !== undefined) return `The server ended the handshake: ${ALERT_WORDS[alert]}`;
  if (alert !== undefined) return `The server ended the handshake with the TLS alert "${alert.replace(/_/g, ' ')}".`;
  return null;
}
