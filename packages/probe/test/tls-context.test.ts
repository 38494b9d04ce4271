import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createProbeSecureContext, starttlsOptions } from '@mxv/probe';

describe('starttlsOptions', () => {
  const context = createProbeSecureContext(undefined);
  // RFC 6066 3: SNI names a host, never an address literal; the root's trailing dot is not part of it.
  const cases: Array<[string, string | undefined]> = [
    ['mx.example.test', 'mx.example.test'],
    ['mx.example.test.', 'mx.example.test'],
    ['192.0.2.1', undefined],
    ['2001:db8::1', undefined],
    ['.', undefined],
  ];
  it.each(cases)('%s → servername %s', (exchange, servername) => {
    const options = starttlsOptions(exchange, context);
    expect(options.servername).toBe(servername);
    expect('servername' in options).toBe(servername !== undefined);
  });

  it('enforces nothing, and hands over the shared context as is', () => {
    const options = starttlsOptions('mx.example.test', context);
    expect(options.secureContext).toBe(context);
    expect(options.rejectUnauthorized).toBe(false);
    expect(options.checkServerIdentity?.('mx.example.test', {} as tls.PeerCertificate)).toBeUndefined();
    // Protocol and ciphers live in the context: a per-connection setting would make Node build a new one each time.
    expect(options.ca).toBeUndefined();
    expect(options.minVersion).toBeUndefined();
    expect(options.ciphers).toBeUndefined();
  });
});
