import { describe, expect, it } from 'vitest';
import { PROBER_REFUSAL_WORDS, proberRefusal } from '../src/values.js';

describe('proberRefusal: words about the client, not about mail to the domain', () => {
  it.each([
    // Postfix smtpd_helo_restrictions (seen at stop 34's audit), Haraka helo.checks.
    ['4.7.1 <mxv.invalid>: Helo command rejected: Host not found', 'helo_name'],
    ['5.5.2 <mx>: Helo command rejected: need fully-qualified hostname', 'helo_name'],
    ['HELO host name invalid', 'helo_name'],
    // Postfix reject_unknown_client_hostname.
    ['4.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]', 'reverse_dns'],
    // Postfix anvil (smtpd_client_connection_rate_limit / count limit).
    ['4.7.0 mx.rate.test Error: too many connections from 127.0.0.1', 'rate'],
    // postscreen's 521 and an smtpd block-list reject.
    ['mx.ps.test ESMTP 5.7.1 Service unavailable; client [127.0.0.1] blocked using dnsbl.test', 'block_list'],
    ['5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'block_list'],
    ['5.7.1 Your IP is listed at bl.example.net', 'block_list'],
  ] as const)('%j → %s', (text, kind) => {
    expect(proberRefusal(text)).toBe(kind);
    expect(PROBER_REFUSAL_WORDS[kind]).toMatch(/not the mail/);
  });

  it.each([
    'mx.example.com ESMTP Postfix',
    '4.3.2 Service currently unavailable',
    '5.5.2 Error: command not recognized',
    '4.7.0 TLS not available due to local problem',
    '5.7.1 Relay access denied',
  ])('%j says nothing of the prober', (text) => {
    expect(proberRefusal(text)).toBeNull();
  });
});
