import { describe, expect, it } from 'vitest';
import { explainTlsError } from '../src/page/explain-tls-error.js';

describe('explainTlsError', () => {
  it('says what the alert a server ended its handshake with means, whichever TLS version named it', () => {
    // Debian 12's OpenSMTPD on OpenSSL 3 (apps/cli/test/interop-mta.test.ts).
    expect(explainTlsError('tlsv1_alert_internal_error')).toMatch(
      /^The server ended the handshake: its own TLS failed \(alert 80\)/,
    );
    expect(explainTlsError('sslv3_alert_handshake_failure')).toMatch(/alert 40/);
    expect(explainTlsError('tlsv1_alert_protocol_version')).toMatch(/alert 70/);
    expect(explainTlsError('tlsv13_alert_certificate_required')).toMatch(/alert 116/);
  });

  it('names an alert it has no words for by its name', () => {
    expect(explainTlsError('tlsv1_alert_decrypt_error')).toBe(
      'The server ended the handshake with the TLS alert "decrypt error".',
    );
  });

  it('has words for the failures that are not alerts', () => {
    expect(explainTlsError('wrong_version_number')).toMatch(/did not speak TLS/);
    expect(explainTlsError('econnreset')).toMatch(/reset the connection/);
  });

  it('leaves an unknown code to be shown as it is', () => {
    expect(explainTlsError('some_future_error')).toBeNull();
    expect(explainTlsError('tlsv1_alert_')).toBeNull();
  });
});
