import { describe, expect, it } from 'vitest';
import type { SecuritySection } from '@mxv/schema';
import {
  certificateDnsNames,
  certificateNamesText,
  describeCertificateError,
  isPartialWildcard,
  NO_SECURITY,
  parkedDomainGaps,
  repeatedOriginName,
  unmatchedNamesWords,
} from '@mxv/schema/values';

describe('describeCertificateError', () => {
  it.each([
    ['CERT_HAS_EXPIRED', /^the certificate has expired$/, /renew it/],
    ['CERT_NOT_YET_VALID', /not valid yet/, /before its start date/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed/, /DANE TLSA 3 1 1/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /sends its certificate alone/, /intermediate certificate is missing/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /does not lead to a CA that senders trust/, /private CA/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /root certificate that senders do not trust/, /DANE TLSA 2 record/],
    ['CERT_SIGNATURE_FAILURE', /signature in the chain does not verify/, /intermediate that issued it/],
    ['INVALID_PURPOSE', /not meant for TLS servers/, /server authentication/],
    ['NO_PEER_CERTIFICATE', /no certificate/, /configure a certificate/],
  ])('%s: what is wrong and the usual fix', (code, what, fix) => {
    const words = describeCertificateError(code);
    expect(words?.what).toMatch(what);
    expect(words?.fix).toMatch(fix);
  });

  it('a code without words, no code, and names of Object.prototype give null (shown as the code itself)', () => {
    for (const code of [
      'SOME_FUTURE_CODE',
      'tlsv1_alert_internal_error',
      '',
      null,
      undefined,
      'constructor',
      '__proto__',
      'toString',
    ]) {
      expect(describeCertificateError(code)).toBeNull();
    }
  });
});

describe("describeCertificateError: a date error above the server's own certificate", () => {
  const signed = (selfIssued: boolean) => ({ algorithm: 'sha256WithRSAEncryption', hash: 'SHA-256', selfIssued });
  it('an expired intermediate: which one, since when, and to replace it rather than renew', () => {
    const words = describeCertificateError('CERT_HAS_EXPIRED', {
      failedCertificate: { depth: 1, subject: "CN=R3, O=Let's Encrypt", notBefore: null, notAfter: '2025-09-15T16:00:00.000Z' },
      chainSignatures: [signed(false), signed(false), signed(true)],
    });
    expect(words?.what).toBe("the chain's intermediate certificate 1 (CN=R3, O=Let's Encrypt) expired on 2025-09-15");
    expect(words?.fix).toMatch(/out-of-date intermediate: replace it with the one the CA issues now/);
  });
  it('an expired root the chain leads to', () => {
    const words = describeCertificateError('CERT_HAS_EXPIRED', {
      failedCertificate: { depth: 2, subject: 'CN=DST Root CA X3', notBefore: null, notAfter: '2021-09-30T14:01:15.000Z' },
      chainSignatures: [signed(false), signed(false), signed(true)],
    });
    expect(words?.what).toBe("the chain's root certificate 2 (CN=DST Root CA X3) expired on 2021-09-30");
    expect(words?.fix).toMatch(/root past its date/);
  });
  it("the server's own certificate, or no depth known: the words for the certificate itself", () => {
    const own = { depth: 0, subject: 'CN=mx', notBefore: null, notAfter: '2025-01-01T00:00:00.000Z' };
    expect(describeCertificateError('CERT_HAS_EXPIRED', { failedCertificate: own })?.what).toBe('the certificate has expired');
    expect(describeCertificateError('CERT_HAS_EXPIRED', {})?.what).toBe('the certificate has expired');
  });
});

describe('isPartialWildcard (RFC 9525 6.3: a wildcard only as the whole left-most label)', () => {
  it.each([
    ['*.example.com', false],
    ['mx.example.com', false],
    ['mx*.example.com', true],
    ['*mx.example.com', true],
    ['m*x.example.com', true],
    ['mx.*.example.com', true],
    ['*.*.example.com', true],
    ['*', true],
    ['*.', false],
  ])('%s → %s', (name, partial) => {
    expect(isPartialWildcard(name)).toBe(partial);
  });
});

describe('certificateDnsNames', () => {
  it('keeps the DNS names of the subject alternative names, in order, and nothing else', () => {
    expect(
      certificateDnsNames({ subjectAltNames: ['DNS:a.example', 'IP Address:192.0.2.1', 'DNS:*.b.example', 'email:x@y.example'] }),
    ).toEqual(['a.example', '*.b.example']);
    expect(certificateDnsNames({})).toEqual([]);
    expect(certificateDnsNames(null)).toEqual([]);
  });
});

describe('certificateNamesText', () => {
  it('lists at most the names asked for and counts the rest; null without names', () => {
    const tls = { subjectAltNames: ['DNS:a.example', 'DNS:b.example', 'DNS:c.example'] };
    expect(certificateNamesText(tls, 3)).toBe('a.example, b.example, c.example');
    expect(certificateNamesText(tls, 2)).toBe('a.example, b.example and 1 more');
    expect(certificateNamesText({ subjectAltNames: ['IP Address:192.0.2.1'] }, 3)).toBeNull();
  });
});

describe('repeatedOriginName', () => {
  it.each([
    ['mail.example.com.example.com', { intended: 'mail.example.com', origin: 'example.com' }],
    ['example.com.example.com', { intended: 'example.com', origin: 'example.com' }],
    ['mx.example.co.uk.example.co.uk', { intended: 'mx.example.co.uk', origin: 'example.co.uk' }],
    ['Mail.Example.COM.example.com.', { intended: 'mail.example.com', origin: 'example.com' }],
  ])('%s: the zone name appended to a name without its final dot', (exchange, expected) => {
    expect(repeatedOriginName(exchange)).toEqual(expected);
  });

  it.each(['mail.example.com', 'mx.com.com', 'x.example.example', 'example.com', 'a.example.com.b.example.com', ''])(
    '%s: repeats no zone name of two labels or more',
    (exchange) => {
      expect(repeatedOriginName(exchange)).toBeNull();
    },
  );
});

describe('parkedDomainGaps', () => {
  const spf = (otherSenders: 'fail' | 'softfail' | null) =>
    ({ status: 'valid', record: 'v=spf1 -all', error: null, lookups: 0, otherSenders }) as const;
  const dmarc = (policy: string) => ({ status: 'valid', record: `v=DMARC1; p=${policy}`, policy, error: null }) as const;
  const security = (s: Partial<SecuritySection>): SecuritySection => ({ ...NO_SECURITY, ...s });

  it('a null MX domain without v=spf1 -all and DMARC p=reject lacks them; with both, nothing', () => {
    expect(parkedDomainGaps({ verdict: 'null_mx', security: security({ spf: spf('fail'), dmarc: dmarc('reject') }) })).toEqual(
      [],
    );
    expect(
      parkedDomainGaps({ verdict: 'null_mx', security: security({ spf: spf('softfail'), dmarc: dmarc('reject') }) }),
    ).toEqual(['SPF']);
    expect(parkedDomainGaps({ verdict: 'null_mx', security: security({ spf: spf('fail'), dmarc: dmarc('none') }) })).toEqual([
      'DMARC',
    ]);
    const none = { status: 'none', record: null, error: null } as const;
    expect(
      parkedDomainGaps({
        verdict: 'null_mx',
        security: security({ spf: { ...none, lookups: null }, dmarc: { ...none, policy: null } }),
      }),
    ).toEqual(['SPF', 'DMARC']);
  });

  it('says nothing for a domain that receives mail, or when SPF or DMARC was not checked', () => {
    expect(parkedDomainGaps({ verdict: 'ok', security: security({ spf: spf(null), dmarc: dmarc('none') }) })).toEqual([]);
    expect(parkedDomainGaps({ verdict: 'null_mx', security: security({ dmarc: dmarc('none') }) })).toEqual([]);
    expect(parkedDomainGaps({ verdict: 'null_mx', security: security({ spf: spf(null) }) })).toEqual([]);
  });
});

describe('unmatchedNamesWords', () => {
  it('says why names a certificate carries do not count: a partial wildcard, a final dot, both, or null', () => {
    const san = (...names: string[]) => ({ subjectAltNames: names.map((name) => `DNS:${name}`) });
    expect(unmatchedNamesWords(san('mx.example.test'))).toBeNull();
    expect(unmatchedNamesWords(null)).toBeNull();
    expect(unmatchedNamesWords(san('mx*.example.test'))).toMatch(/^a wildcard matches only as the whole first label/);
    expect(unmatchedNamesWords(san('mx.example.test.'))).toBe(
      'a name written with a final dot matches nothing: senders (OpenSSL, Postfix, GnuTLS) compare it as written',
    );
    expect(unmatchedNamesWords(san('mx*.example.test', 'mx.example.test.'))?.split('; ')).toHaveLength(2);
  });
});
