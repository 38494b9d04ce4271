import type { HostResult } from '@mxv/schema';
import {
  certificateNamesText,
  DANE_VOUCHES_WORDS,
  describeCertificateError,
  describeTlsKeyWeakness,
  describeWeakCertSignature,
  EHLO_NAME_MAYBE_WORDS,
  EHLO_REFUSED_HELO_ACCEPTED_WORDS,
  ehloRefusedHeloAccepted,
  isDeprecatedTlsVersion,
  PROBER_REFUSAL_WORDS,
  proberRefusal,
  tlsKeyWeaknesses,
  weakCertSignatures,
  unmatchedNamesWords,
} from '@mxv/schema/values';
import { explainTlsError } from './explain-tls-error.js';
import { utcMinute } from './utc-minute.js';
import { html, type SafeHtml } from './html.js';
import { renderHostDane } from './render-security.js';
import { renderHostDnsbl, renderHostPtr } from './render-host-reputation.js';
import { renderTimings } from './render-timings.js';

const CONNECT_WORDS: Record<HostResult['connect'], { text: string; tone: string }> = {
  ok: { text: 'connected', tone: 'ok' },
  refused: { text: 'refused', tone: 'bad' },
  timeout: { text: 'timed out', tone: 'bad' },
  unreachable: { text: 'unreachable', tone: 'bad' },
  blocked: { text: 'not public, not tried', tone: 'warn' },
  error: { text: 'error', tone: 'bad' },
};

const STARTTLS_WORDS: Record<HostResult['starttls'], { text: string; tone: string }> = {
  ok: { text: 'STARTTLS ok', tone: 'ok' },
  failed: { text: 'STARTTLS failed', tone: 'bad' },
  not_offered: { text: 'no STARTTLS', tone: 'warn' },
  not_tried: { text: 'STARTTLS not tried', tone: '' },
};

/** With implicit TLS (RFC 8314) no STARTTLS is sent: the same field says whether the handshake made first completed. */
const IMPLICIT_TLS_WORDS: Record<HostResult['starttls'], { text: string; tone: string }> = {
  ok: { text: 'implicit TLS ok', tone: 'ok' },
  failed: { text: 'implicit TLS failed', tone: 'bad' },
  not_offered: { text: 'no TLS', tone: 'warn' },
  not_tried: { text: 'TLS not tried', tone: '' },
};

/** The reason, and when the server refused a command, its own words: what a person debugging a bounce reads. */
function problem(host: HostResult): SafeHtml {
  const refusal = host.refusal;
  if (!refusal) return html`<code>${host.error}</code>`;
  const command = `${refusal.command}${refusal.overTls ? ' (inside TLS)' : ''}`;
  return html`<code>${host.error}</code>: the server answered ${command} with <code>${refusal.code}</code>
    <span class="mono">${refusal.text}</span>${aimedAtProber(refusal.text)}`;
}

/** When a server's words are about the prober (its EHLO name, address, rate), what that means: a sentence, else nothing. */
function aimedAtProber(text: string): SafeHtml | '' {
  const kind = proberRefusal(text);
  return kind === null ? '' : html`<div class="legend">${capitalized(PROBER_REFUSAL_WORDS[kind])}.</div>`;
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

type TlsFacts = NonNullable<HostResult['tls']>;

/** A certificate's names listed on the page before the rest is counted (a CDN's may carry hundreds). */
export const PAGE_NAMES_SHOWN = 10;

/** "RSA 2048-bit" / "EC 256-bit (prime256v1)" / "Ed25519": a key as people name it. */
function keyName(key: { type: string; bits: number | null }, detail: string | null): string {
  return `${key.type}${key.bits !== null ? ` ${key.bits}-bit` : ''}${detail !== null ? ` (${detail})` : ''}`;
}

/**
 * The certificate's key, the key exchange and the certificate's signature, with what any key too small
 * (tlsKeyWeaknesses) or any signature over SHA-1 or MD5 (weakCertSignatures) costs senders; a weak
 * signature that is the chain's verify error is explained in the Chain row instead.
 */
function renderKeys(tls: TlsFacts): SafeHtml | null {
  // null (not absent): the handshake was described and had no ephemeral key, TLS 1.2's RSA key transport.
  const noEphemeralKey = tls.keyExchange === null && tls.version !== null;
  const parts = [
    tls.certKey ? `certificate ${keyName(tls.certKey, tls.certKey.curve)}` : null,
    tls.keyExchange ? `exchange ${keyName(tls.keyExchange, tls.keyExchange.group)}` : null,
    noEphemeralKey ? 'exchange RSA key transport (no forward secrecy)' : null,
    tls.chainSignatures?.[0] ? `signature ${tls.chainSignatures[0].algorithm}` : null,
  ].filter((part): part is string => part !== null);
  if (parts.length === 0) return null;
  const weak = tlsKeyWeaknesses(tls).map((weakness) => {
    const { what, effect } = describeTlsKeyWeakness(weakness);
    return html`<br /><span class="tag warn">${what}</span> ${effect}`;
  });
  const weakSignatures = (tls.error === 'CA_MD_TOO_WEAK' ? [] : weakCertSignatures(tls)).map((signature) => {
    const { what, effect } = describeWeakCertSignature(signature);
    return html`<br /><span class="tag warn">${what}</span> ${effect}`;
  });
  return html`<span class="mono">${parts.join(' · ')}</span>${weak}${weakSignatures}`;
}

/** One probed host as a card: what it said at each step, its certificate, and its timings. `now` dates the expiry. */
export function renderHostCard(host: HostResult, now: number): SafeHtml {
  const connect =
    host.error === 'ip_family_not_probed'
      ? { text: `IPv${host.ip.includes(':') ? 6 : 4} not probed`, tone: '' }
      : host.error === 'own_address'
        ? { text: "this checker's own address, not tried", tone: 'warn' }
        : CONNECT_WORDS[host.connect];
  const implicit = host.tlsMode === 'implicit';
  const starttls = (implicit ? IMPLICIT_TLS_WORDS : STARTTLS_WORDS)[host.starttls];
  const tls = host.tls;
  const rows: SafeHtml[] = [];
  const row = (label: string, value: SafeHtml | string): void => {
    rows.push(
      html`<dt>${label}</dt>
        <dd>${value}</dd>`,
    );
  };
  if (host.banner)
    row(
      'Greeting',
      html`<code>${host.banner.code}</code> <span class="mono">${host.banner.text}</span>${
          host.banner.code === 220 ? '' : aimedAtProber(host.banner.text)
        }`,
    );
  if (host.ehlo) {
    row(
      host.ehlo.command ?? 'EHLO',
      html`<code>${host.ehlo.code}</code> ${host.ehlo.extensions.map((e) => html`<span class="tag">${e}</span>`)}`,
    );
  }
  row(implicit ? 'TLS first' : 'STARTTLS', html`<span class="tag ${starttls.tone}">${starttls.text}</span>`);
  if (tls && tls.version === null) {
    // No version: the handshake never completed, so no certificate was judged; saying it is untrusted would mislead.
    row(
      'TLS',
      html`<span class="tag bad">handshake failed</span>${tls.error ? html` <code>${tls.error}</code>` : ''}
        ${implicit ? 'The TLS handshake' : 'The server accepted STARTTLS, then the TLS handshake'} did not complete, so no
        certificate could be checked. ${tls.error ? (explainTlsError(tls.error) ?? '') : ''}`,
    );
    // Its Certificate message came before the failure (the probe keeps what the server sent): which one, unjudged.
    if (tls.subject || tls.fingerprintSha256) {
      row(
        'Certificate sent',
        html`<span class="mono">${tls.subject ?? tls.fingerprintSha256}</span>${
            tls.issuer ? html`, issued by <span class="mono">${tls.issuer}</span>` : ''
          }${tls.notAfter ? `, valid until ${tls.notAfter.slice(0, 10)}` : ''}:
          sent before the failure, and not checked`,
      );
    }
  } else if (tls) {
    row('TLS', html`${tls.version} · <span class="mono">${tls.cipher ?? '?'}</span>`);
    if (isDeprecatedTlsVersion(tls.version)) {
      row(
        'Protocol',
        html`<span class="tag warn">${tls.version} at most</span> RFC 8996 deprecates TLS 1.0 and 1.1; senders that require TLS
          1.2, as OpenSSL 3 does by default, send in clear (Postfix 3.7 and GnuTLS 3.7 still negotiate it); senders that verify
          certificates on OpenSSL 3 (MTA-STS, DANE: Postfix at its secure level) cannot complete the handshake and defer the mail`,
      );
    }
    if (tls.secureRenegotiation === false) {
      row(
        'Renegotiation',
        html`<span class="tag warn">not secure (RFC 5746)</span> senders on OpenSSL 3 (Postfix on current systems) refuse this
          handshake and send in clear; what is shown is what senders that allow it get`,
      );
    }
    const keys = renderKeys(tls);
    if (keys) row('Keys', keys);
    if (tls.subject) row('Certificate subject', html`<span class="mono">${tls.subject}</span>`);
    if (tls.issuer) row('Issuer', html`<span class="mono">${tls.issuer}</span>`);
    if (tls.notAfter) row('Expires', expiry(tls.notAfter, now));
    // A DANE pass vouches for the certificate (RFC 7672): what public-CA checks say of it is then a warning.
    const daneVouches = host.dane?.status === 'pass';
    const problemTone = daneVouches ? 'warn' : 'bad';
    const names = certificateNamesText(tls, PAGE_NAMES_SHOWN);
    const unmatched = tls.hostnameMatch ? null : unmatchedNamesWords(tls);
    row(
      'Name match',
      html`<span class="tag ${tls.hostnameMatch ? 'ok' : problemTone}"
          >${tls.hostnameMatch ? `covers ${host.exchange}` : `does not cover ${host.exchange}`}</span
        >${!tls.hostnameMatch && names !== null ? html` it names <span class="mono">${names}</span>` : ''}${
          unmatched !== null ? `: ${unmatched}` : ''
        }`,
    );
    const words = tls.certValid ? null : describeCertificateError(tls.error, tls);
    row(
      'Chain',
      html`<span class="tag ${tls.certValid ? 'ok' : problemTone}">${tls.certValid ? 'trusted' : 'not trusted'}</span
        >${tls.error ? html` <code>${tls.error}</code>` : ''}${tls.errorText !== undefined ? ` ${tls.errorText}` : ''}${
          words ? html` ${words.what}. ${daneVouches ? '' : `Fix: ${words.fix}.`}` : ''
        }`,
    );
    if (daneVouches && (!tls.certValid || !tls.hostnameMatch)) {
      row('Vouched for', html`<span class="tag ok">by DANE</span> ${DANE_VOUCHES_WORDS}`);
    }
  }
  if (host.dane) row('DANE', renderHostDane(host.dane));
  if (host.mtaSts !== null && host.mtaSts !== undefined) {
    row(
      'MTA-STS',
      html`<span class="tag ${host.mtaSts === 'pass' ? 'ok' : 'bad'}"
        >${host.mtaSts === 'pass' ? 'in the policy, certificate valid' : 'not in the policy, or certificate not valid for it'}</span
      >`,
    );
  }
  if (host.ptr) row('Reverse DNS', renderHostPtr({ banner: host.banner, ptr: host.ptr }));
  if (host.dnsbl) row('Block lists', renderHostDnsbl(host.dnsbl));
  if (host.error) row('Problem', problem(host));
  else if (host.refusal && ehloRefusedHeloAccepted(host)) {
    row(
      'EHLO refused',
      html`The server answered EHLO with <code>${host.refusal.code}</code> <span class="mono">${host.refusal.text}</span>.
        ${EHLO_REFUSED_HELO_ACCEPTED_WORDS}${proberRefusal(host.refusal.text) === null ? `; ${EHLO_NAME_MAYBE_WORDS}.` : '.'}
        ${aimedAtProber(host.refusal.text)}`,
    );
  }
  row('Timings', renderTimings(host.timingsMs));
  const role = host.service ? `${host.service} service` : `priority ${host.priority}`;
  const mode = implicit ? 'implicit TLS' : 'STARTTLS';
  const where = `${role} · ${host.ip.includes(':') ? `[${host.ip}]` : host.ip}:${host.port} · ${mode}`;
  return html`<article
    class="card host"
    data-exchange="${host.exchange}"
    data-ip="${host.ip}"
    data-port="${host.port}"
    data-tls-mode="${host.tlsMode}"
  >
    <h3>
      ${host.exchange}
      <span class="tag ${connect.tone}">${connect.text}</span>${host.cached ? html`<span class="tag">shared probe</span>` : ''}
    </h3>
    <p class="where">${where}${host.cached ? sharedProbeWords(host.probedAt) : ''}</p>
    <dl class="kv">${rows}</dl>
  </article>`;
}

/** What "shared probe" means, in text (a title tooltip reaches neither a keyboard nor a phone). */
function sharedProbeWords(probedAt: string | null | undefined): SafeHtml {
  return html` · probed once for every domain on this host${probedAt ? `, at ${utcMinute(probedAt)}` : ''}`;
}

function expiry(notAfter: string, now: number): SafeHtml {
  const leftMs = Date.parse(notAfter) - now;
  if (!Number.isFinite(leftMs)) return html`<span class="mono">${notAfter}</span>`;
  // Whole days, counted away from the expiry in both directions.
  const days = Math.floor(Math.abs(leftMs) / 86_400_000);
  const tone = leftMs < 0 ? 'bad' : days < 14 ? 'warn' : 'ok';
  const words = leftMs < 0 ? `expired ${days} days ago` : `${days} days left`;
  return html`<span class="tag ${tone}">${words}</span> <span class="legend">${notAfter.slice(0, 10)}</span>`;
}
