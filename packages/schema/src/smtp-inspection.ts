import type { HostResult } from './result.js';

/**
 * Signs, in what a mail host said, that a firewall between the internet and it rewrites the SMTP
 * conversation: Cisco ASA's "inspect esmtp" at its defaults (`_default_esmtp_map`: `mask-banner`,
 * `no allow-tls`, `match ehlo-reply-parameter others mask`), and PIX's older `fixup smtp`. Such a box
 * overwrites what it will not pass instead of removing it, keeping the length: the greeting becomes
 * asterisks, and an EHLO keyword becomes Xs with a letter at the end, STARTTLS (8 letters) typically
 * `XXXXXXXA`. Every sender meets the same box, so what mxv sees is what they get: no STARTTLS.
 *
 * And what Postfix's SMTP client makes of such a greeting (smtp_proto.c): a 220 whose text holds nothing
 * but "2", "0", "*" and blanks is taken for a PIX's, and `smtp_pix_workarounds` (default `disable_esmtp,
 * delay_dotcrlf`) has it send HELO instead of EHLO, so it never sees STARTTLS, even where the box lets
 * TLS through.
 */
export interface SmtpInspectionSigns {
  /** The greeting's text is (almost) all asterisks. */
  bannerMasked: boolean;
  /** EHLO keywords overwritten with Xs (`XXXXXXXA`), as the server sent them. */
  maskedExtensions: string[];
  /**
   * STARTTLS is not advertised and a keyword of its length (8) was overwritten: most likely the
   * firewall hid it (the table and the page say "most likely": CHUNKING has 8 letters too).
   */
  starttlsHidden: boolean;
  /**
   * Behind a masked greeting, EHLO was refused and HELO answered: PIX's `fixup smtp` (and ASA's plain
   * `inspect smtp`) pass only RFC 821's commands, so there are no extensions and no STARTTLS.
   */
  ehloRefused: boolean;
  /** The EHLO reply advertised STARTTLS: the box lets TLS through. */
  starttlsAdvertised: boolean;
  /** Postfix takes the 220 greeting for a PIX's (its text only "2", "0", "*" and blanks, or none) and sends HELO, not EHLO. */
  postfixSendsHelo: boolean;
}

/** The least number of non-blank characters a masked greeting has: "220 **" is too short to tell. */
const MASKED_BANNER_MIN_CHARS = 8;
/** Share of asterisks among them: PIX's mailguard kept the greeting's 2s and 0s in place. */
const MASKED_BANNER_MIN_SHARE = 0.75;
/** Xs, then at most one letter: no real extension looks like this (RFC 5321 2.2.2's registry has none). */
const MASKED_KEYWORD = /^X{3,}[A-Z]?$/;
const STARTTLS_LENGTH = 'STARTTLS'.length;
/** Postfix's test: `resp->str[strspn(resp->str, "20 *\t\n")] == 0`. */
const POSTFIX_PIX_GREETING = /^[20 *\t\n]*$/;

function isMaskedBanner(text: string): boolean {
  const shown = text.replace(/\s+/g, '');
  if (shown.length < MASKED_BANNER_MIN_CHARS) return false;
  let stars = 0;
  for (const c of shown) if (c === '*') stars++;
  return stars / shown.length >= MASKED_BANNER_MIN_SHARE;
}

/**
 * The signs of an inspecting firewall in one host's greeting and EHLO reply, or null when there are none
 * worth saying (a bare "220" that Postfix takes for a PIX's counts only where it costs STARTTLS).
 */
export function smtpInspectionSigns(host: Pick<HostResult, 'banner' | 'ehlo'>): SmtpInspectionSigns | null {
  const greeting = host.banner?.code === 220 ? host.banner.text : null;
  const bannerMasked = greeting !== null && isMaskedBanner(greeting);
  const keywords = (host.ehlo?.extensions ?? []).map((extension) => extension.split(' ', 1)[0] ?? '');
  const maskedExtensions = keywords.filter((keyword) => MASKED_KEYWORD.test(keyword));
  const starttlsAdvertised = keywords.includes('STARTTLS');
  const postfixSendsHelo = greeting !== null && POSTFIX_PIX_GREETING.test(greeting);
  if (!bannerMasked && maskedExtensions.length === 0 && !(postfixSendsHelo && starttlsAdvertised)) return null;
  const starttlsHidden = !starttlsAdvertised && maskedExtensions.some((keyword) => keyword.length === STARTTLS_LENGTH);
  const ehloRefused = bannerMasked && host.ehlo?.command === 'HELO';
  return { bannerMasked, maskedExtensions, starttlsHidden, ehloRefused, starttlsAdvertised, postfixSendsHelo };
}

/** What Postfix senders do where STARTTLS would otherwise get through. */
const POSTFIX_HELO_WORDS =
  "Postfix senders take this greeting for a Cisco PIX firewall's and send HELO instead of EHLO (their smtp_pix_workarounds), so they never start TLS and send in clear";

/**
 * The signs in words, for the table and the page alike: what was seen, what it means for senders, and the
 * fix, which is the firewall's (or the greeting's) and not the mail server's; null for a masked greeting
 * that costs nobody anything.
 */
export function describeSmtpInspection(signs: SmtpInspectionSigns): { seen: string; meaning: string; fix: string | null } {
  const seenParts: string[] = [];
  if (signs.bannerMasked) seenParts.push('the greeting is masked with asterisks');
  else if (signs.postfixSendsHelo) seenParts.push('the greeting has no text but 2s, 0s and asterisks');
  if (signs.ehloRefused) seenParts.push('EHLO is refused, HELO answered');
  if (signs.maskedExtensions.length > 0) {
    const listed = signs.maskedExtensions.join(', ');
    seenParts.push(
      signs.starttlsHidden
        ? `the EHLO reply has ${listed} where STARTTLS would be`
        : `the EHLO reply has ${listed} in place of extensions`,
    );
  }
  const seen = seenParts.join(' and ');
  // Where STARTTLS does get through, Postfix's PIX workaround still costs its senders TLS.
  const postfix = signs.postfixSendsHelo && signs.starttlsAdvertised ? `; but ${POSTFIX_HELO_WORDS}` : '';
  if (signs.starttlsHidden) {
    return {
      seen,
      meaning:
        'a firewall inspecting SMTP (Cisco ASA "inspect esmtp" at its defaults) most likely hides STARTTLS, so no sender can encrypt mail to this host',
      fix: 'let TLS through ("allow-tls" in its ESMTP policy) or stop inspecting SMTP to this server',
    };
  }
  if (signs.ehloRefused) {
    return {
      seen,
      meaning:
        'a firewall inspecting SMTP (Cisco PIX "fixup smtp", ASA "inspect smtp") most likely passes only the commands of RFC 821, so senders get no extensions and no STARTTLS',
      fix: 'stop inspecting SMTP to this server (or inspect it as ESMTP, letting TLS through)',
    };
  }
  if (signs.maskedExtensions.length > 0) {
    return {
      seen,
      meaning: `a firewall inspecting SMTP (Cisco ASA "inspect esmtp", PIX "fixup smtp") overwrites the extensions it does not know, so senders cannot use them${postfix}`,
      fix: `stop inspecting SMTP to this server, or let its extensions through${postfix === '' ? '' : ' and its greeting unmasked ("no mask-banner")'}`,
    };
  }
  if (postfix !== '') {
    return signs.bannerMasked
      ? {
          seen,
          meaning: `most likely a firewall inspecting SMTP (Cisco ASA "mask-banner"): STARTTLS gets through${postfix}`,
          fix: 'let the server\'s own greeting through ("no mask-banner" in the firewall\'s ESMTP policy)',
        }
      : {
          seen,
          meaning: POSTFIX_HELO_WORDS,
          fix: 'greet with the server\'s name (RFC 5321 4.2: "220 mx.example.com ESMTP")',
        };
  }
  return {
    seen,
    meaning: 'most likely a firewall inspecting SMTP (Cisco ASA "mask-banner"): harmless by itself',
    fix: null,
  };
}
