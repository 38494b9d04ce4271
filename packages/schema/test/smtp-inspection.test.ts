import { describe, expect, it } from 'vitest';
import type { HostResult } from '@mxv/schema';
import { describeSmtpInspection, smtpInspectionSigns } from '@mxv/schema/values';

type Said = Pick<HostResult, 'banner' | 'ehlo'>;

const said = (bannerText: string, extensions: string[] | null, command: 'EHLO' | 'HELO' = 'EHLO'): Said => ({
  banner: { code: 220, text: bannerText },
  ehlo: extensions === null ? null : { code: 250, command, extensions },
});

const EXCHANGE_EHLO = ['SIZE 37748736', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', 'AUTH NTLM', '8BITMIME', 'BINARYMIME'];

describe('smtpInspectionSigns', () => {
  it('an ordinary server shows none, Exchange and Postfix alike (X-ANONYMOUSTLS, XEXCH50, XCLIENT are real extensions)', () => {
    expect(smtpInspectionSigns(said('mx.example.com ESMTP Postfix', ['PIPELINING', 'STARTTLS', 'CHUNKING']))).toBeNull();
    expect(
      smtpInspectionSigns(
        said('mail.contoso.example Microsoft ESMTP MAIL Service ready', [
          ...EXCHANGE_EHLO,
          'STARTTLS',
          'X-ANONYMOUSTLS',
          'XEXCH50',
          'XRDST',
          'XSHADOWREQUEST',
          'XCLIENT ADDR',
          'XFORWARD NAME',
        ]),
      ),
    ).toBeNull();
    expect(smtpInspectionSigns({ banner: null, ehlo: null })).toBeNull();
  });

  it("Cisco ASA's default ESMTP inspection: masked greeting, STARTTLS overwritten as XXXXXXXA, CHUNKING as XXXXXXXB", () => {
    const signs = smtpInspectionSigns(
      said('*******************************************', [...EXCHANGE_EHLO.slice(0, 4), 'XXXXXXXA', 'AUTH NTLM', 'XXXXXXXB']),
    );
    expect(signs).toEqual({
      bannerMasked: true,
      maskedExtensions: ['XXXXXXXA', 'XXXXXXXB'],
      starttlsHidden: true,
      ehloRefused: false,
      starttlsAdvertised: false,
      postfixSendsHelo: true,
    });
    const words = describeSmtpInspection(signs!);
    expect(words.seen).toBe(
      'the greeting is masked with asterisks and the EHLO reply has XXXXXXXA, XXXXXXXB where STARTTLS would be',
    );
    expect(words.meaning).toMatch(/hides STARTTLS, so no sender can encrypt/);
    expect(words.fix).toMatch(/allow-tls/);
  });

  it('the masked keyword alone tells, greeting untouched; with STARTTLS still advertised it is not hidden', () => {
    expect(smtpInspectionSigns(said('mx.example.com ESMTP', ['PIPELINING', 'XXXXXXXA']))?.starttlsHidden).toBe(true);
    const kept = smtpInspectionSigns(said('mx.example.com ESMTP', ['STARTTLS', 'XXXXXXXB']));
    expect(kept).toMatchObject({ bannerMasked: false, starttlsHidden: false, starttlsAdvertised: true });
    expect(describeSmtpInspection(kept!).meaning).toMatch(/overwrites the extensions it does not know/);
    // A masked keyword of another length is not STARTTLS.
    expect(smtpInspectionSigns(said('mx.example.com ESMTP', ['XXXA']))?.starttlsHidden).toBe(false);
  });

  it("PIX's mailguard greeting keeps its 2s and 0s; EHLO refused behind it is the firewall passing RFC 821 only", () => {
    const signs = smtpInspectionSigns(said('****************************2*0*0***2******0*0**0****', [], 'HELO'));
    expect(signs).toMatchObject({ bannerMasked: true, ehloRefused: true, starttlsHidden: false });
    expect(describeSmtpInspection(signs!).meaning).toMatch(/only the commands of RFC 821/);
  });

  it("a greeting of asterisks with STARTTLS let through: Postfix takes it for a PIX's and sends HELO (smtp_pix_workarounds), so no TLS from it", () => {
    const through = describeSmtpInspection(smtpInspectionSigns(said('**********************', ['PIPELINING', 'STARTTLS']))!);
    expect(through.meaning).toBe(
      'most likely a firewall inspecting SMTP (Cisco ASA "mask-banner"): STARTTLS gets through; but Postfix senders take this greeting for a Cisco PIX firewall\'s and send HELO instead of EHLO (their smtp_pix_workarounds), so they never start TLS and send in clear',
    );
    expect(through.fix).toMatch(/no mask-banner/);
    // Postfix's test is the text holding only "2", "0", "*" and blanks: an empty one too, or PIX's 2s and 0s.
    for (const text of ['', '2', '****', '  **2*0**0  ']) {
      const signs = smtpInspectionSigns(said(text, ['STARTTLS']));
      expect(signs?.postfixSendsHelo, JSON.stringify(text)).toBe(true);
    }
    expect(describeSmtpInspection(smtpInspectionSigns(said('', ['STARTTLS']))!)).toMatchObject({
      seen: 'the greeting has no text but 2s, 0s and asterisks',
      fix: 'greet with the server\'s name (RFC 5321 4.2: "220 mx.example.com ESMTP")',
    });
  });

  it('a masked greeting that costs nothing: without STARTTLS at all, or with other characters Postfix does not take for a PIX', () => {
    const without = describeSmtpInspection(smtpInspectionSigns(said('**********************', ['PIPELINING']))!);
    expect(without).toMatchObject({
      fix: null,
      meaning: 'most likely a firewall inspecting SMTP (Cisco ASA "mask-banner"): harmless by itself',
    });
    const mixed = smtpInspectionSigns(said('*****************mx.example*****************', ['STARTTLS']));
    expect(mixed).toMatchObject({ bannerMasked: true, postfixSendsHelo: false });
    expect(describeSmtpInspection(mixed!).fix).toBeNull();
    // A short greeting without STARTTLS is no sign of anything worth saying.
    expect(smtpInspectionSigns(said('', ['PIPELINING']))).toBeNull();
  });

  it('a few asterisks in a real greeting, or a short one, are not a mask; X alone or lower case is no masked keyword', () => {
    expect(smtpInspectionSigns(said('mx.example.com ESMTP *** no UCE ***', ['STARTTLS']))).toBeNull();
    expect(smtpInspectionSigns(said('****', ['PIPELINING']))).toBeNull();
    expect(smtpInspectionSigns(said('mx.example.com', ['X', 'XX', 'XA', 'X-LINK2STATE', 'XXXXXXXAB']))).toBeNull();
  });
});
