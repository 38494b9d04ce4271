import { verdictSchema, type CheckResult, type HostResult, type Verdict } from '@mxv/schema';
import {
  certificateNamesText,
  describeCertificateError,
  addressLookupsFailed,
  describeSmtpInspection,
  noMailHostTookEhlo,
  parkedDomainGaps,
  repeatedOriginName,
  SILENT_GREETING_WORDS,
  silentGreetingWaitMs,
  smtpInspectionSigns,
  unmatchedNamesWords,
} from '@mxv/schema/values';
import { explainTlsError } from './explain-tls-error.js';
import { html, type SafeHtml } from './html.js';
import { PAGE_NAMES_SHOWN } from './render-host-card.js';

export type Tone = 'good' | 'warn' | 'bad';

/** Each verdict in words; an `ok` result's words say whether its mail goes encrypted (verdictWords). */
const VERDICT_WORDS: Record<Verdict, string> = {
  ok: 'Mail can be delivered',
  invalid: 'Not a domain name',
  nxdomain: 'This domain does not exist',
  dns_error: 'DNS did not answer the MX question',
  null_mx: 'This domain accepts no mail (null MX)',
  no_mail_host: 'No mail host: no MX and no address',
  unresolvable: 'The mail hosts have no address',
  unreachable: 'No mail host accepts connections',
  bad_banner: 'The mail hosts do not greet with 220',
};

/** The verdict in words, and its tone: what the domain's owner reads first. */
export function verdictWords(result: CheckResult): { words: string; tone: Tone } {
  const encryption = result.checks.tlsSupported ? 'encrypted with STARTTLS' : 'but without encryption';
  const words = result.verdict === 'ok' ? `${VERDICT_WORDS.ok}, ${encryption}` : VERDICT_WORDS[result.verdict];
  const tone: Tone =
    result.verdict === 'ok' ? (result.checks.tlsSupported ? 'good' : 'warn') : result.verdict === 'null_mx' ? 'warn' : 'bad';
  return { words, tone };
}

/** A verdict as an event carries it (a string from the stream) in words; one this page does not know, as it came. */
export function eventVerdictWords(verdict: string): string {
  const known = verdictSchema.safeParse(verdict);
  return known.success ? VERDICT_WORDS[known.data] : verdict;
}

export interface Note {
  title: string;
  body: SafeHtml;
  kind: 'warn' | 'info';
}

/**
 * What a domain administrator should know and fix, in plain words. Every
 * interpolated value is escaped by `html` (exchange names come from DNS).
 */
export function explainResult(result: CheckResult): Note[] {
  const notes: Note[] = [];
  const add = (kind: Note['kind'], title: string, body: SafeHtml): void => {
    notes.push({ kind, title, body });
  };
  switch (result.verdict) {
    case 'nxdomain':
      add(
        'warn',
        'The domain does not exist',
        html`The DNS answers NXDOMAIN for this name. Check the spelling, or whether the registration has lapsed.`,
      );
      break;
    case 'dns_error':
      add(
        'warn',
        'DNS failed',
        html`The name servers of this domain did not answer the MX question (${result.mx.dns}). Senders retry for a while and then
        bounce. Check that every name server of the domain answers, and that DNSSEC signatures are valid.`,
      );
      break;
    case 'null_mx':
      add(
        'info',
        'Null MX: no mail on purpose',
        html`The domain publishes a null MX (<code>MX 0 .</code>, RFC 7505): it declares that it receives no mail, so senders
          bounce at once instead of retrying for days. If this domain should receive mail, replace the null MX with MX records
          that name your mail servers.`,
      );
      break;
    case 'no_mail_host':
      add(
        'warn',
        'Nowhere to deliver',
        result.error === 'implicit_lookup_failed'
          ? html`There are no MX records, and the lookup of the domain's own A/AAAA address failed (SERVFAIL, a timeout or a
            refusal), so senders defer and retry. If the domain receives mail, publish MX records naming your mail servers; either
            way, check the domain's name servers.`
          : html`There are no MX records and no A/AAAA address to fall back to. Publish MX records naming your mail servers (or a
            null MX if the domain never receives mail).`,
      );
      break;
    case 'unresolvable':
      add(
        'warn',
        addressLookupsFailed(result.mx) ? 'Address lookups failed' : 'Dangling MX',
        addressLookupsFailed(result.mx)
          ? html`The address lookups of the MX hosts failed (SERVFAIL, a timeout or a refusal), so nobody knows where to connect:
            senders defer and retry, and bounce only if it lasts for days. Check the name servers that answer for these hosts.`
          : html`The MX records name hosts that have no A/AAAA address, so senders cannot connect anywhere. Fix the names in the
            MX records or add address records for them.`,
      );
      break;
    case 'unreachable':
      add(
        'warn',
        'No host accepted a connection',
        html`Every mail host has an address, but none accepted a TCP connection on port ${result.hosts[0]?.port ?? 25} (refused,
        timed out, or not tried because the address is not public). Check that the mail server runs, that port 25 is open in its
        firewall, and that the hosting provider does not block it.`,
      );
      break;
    case 'bad_banner': {
      const silent = result.hosts.find((host) => silentGreetingWaitMs(host) !== null);
      const waited = silent ? ((silentGreetingWaitMs(silent) ?? 0) / 1000).toFixed(1) : '';
      add(
        'warn',
        'No proper greeting',
        html`Hosts accepted the connection but none greeted with <code>220</code>: a 554 means the server refuses to talk, a 421
          that it is too busy or closing, and anything else that port 25 is not an SMTP server. See each host
          below.${
            silent
              ? html` ${silent.exchange} sent no greeting within ${waited} s: ${SILENT_GREETING_WORDS}. A server that never greets
                is down or not a mail server.`
              : ''
          }`,
      );
      break;
    }
    default:
      break;
  }
  const parked = parkedDomainAdvice(result);
  if (parked !== null) add('info', 'Forged mail in its name', parked);
  if (result.mx.source === 'implicit') {
    add(
      'info',
      'Implicit MX',
      html`There are no MX records, so senders fall back to the domain's own A/AAAA address (RFC 5321 section 5.1). That works,
      but it is usually an accident: publish an MX record that names the mail host.`,
    );
  }
  const blocked = result.hosts.filter(
    (h) => h.connect === 'blocked' && h.error !== 'ip_family_not_probed' && h.error !== 'own_address',
  );
  if (blocked.length > 0) {
    add(
      'warn',
      'Addresses that are not public',
      html`${blocked.map((h) => h.ip).join(', ')} ${blocked.length === 1 ? 'is' : 'are'} in a private, loopback or reserved range
      (10/8, 127/8, 192.168/16, fc00::/7, …). Nobody on the internet can deliver there, so mxv does not connect either. Point the
      MX at a public address.`,
    );
  }
  const ownAddresses = [...new Set(result.hosts.filter((h) => h.error === 'own_address').map((h) => h.ip))];
  if (ownAddresses.length > 0) {
    add(
      'info',
      'Addresses of this checker',
      html`${ownAddresses.join(', ')} ${ownAddresses.length === 1 ? 'is an address' : 'are addresses'} of the machine this check
      runs on, so mxv did not connect: a connection to itself would reach services that its firewall hides from the internet, and
      would say nothing of what senders reach. Check the domain from another machine.`,
    );
  }
  const otherFamily = result.hosts.filter((h) => h.error === 'ip_family_not_probed');
  if (otherFamily.length > 0) {
    add(
      'info',
      'Addresses not probed',
      html`${[...new Set(otherFamily.map((h) => h.ip))].join(', ')}: this checker probes over
      ${otherFamily.some((h) => h.ip.includes(':')) ? 'IPv4' : 'IPv6'} only (<code>--ip-families</code>), so these addresses were
      listed and not tried. That says nothing about them.`,
    );
  }
  // Issue 11: a failing egress proxy is mxv's problem, not the domain's; say so before anyone blames the mail host.
  const viaProxy = result.hosts.filter((h) => h.error?.startsWith('proxy_') === true);
  if (viaProxy.length > 0) {
    add(
      'info',
      'The probe’s proxy failed',
      html`This check went out through a SOCKS5 proxy, and the proxy failed for
      ${viaProxy.length === 1 ? 'one host' : `${viaProxy.length} hosts`}
      (${[...new Set(viaProxy.map((h) => h.error))].join(', ')}). That says nothing about the mail host itself; the check is
      retried.`,
    );
  }
  for (const record of result.mx.records) {
    for (const problem of record.problems) {
      const text = mxProblemText(problem, record.exchange, record.cnameTarget ?? null);
      if (text) add('warn', `MX ${record.exchange}`, text);
    }
  }
  for (const exchange of new Set(result.mx.records.map((record) => record.exchange))) {
    const repeated = repeatedOriginName(exchange);
    if (repeated === null) continue;
    add(
      'warn',
      `MX ${exchange}`,
      html`This name ends in ${repeated.origin} twice. It was probably meant as ${repeated.intended}: in a zone file, a name
        without a final dot gets the zone's own name appended. Write it as <code>${repeated.intended}.</code> (with the dot).`,
    );
  }
  const reachable = result.hosts.filter((h) => h.banner?.code === 220);
  if (noMailHostTookEhlo(result)) {
    add(
      'warn',
      'No host took EHLO or HELO',
      html`A mail host greeted with 220, but every one then hung up or refused both EHLO and HELO (see the host cards), so mxv got
      no further, and senders may not either. A refusal of the EHLO name may be about mxv's own (<code>--helo-name</code>).`,
    );
  }
  if (result.verdict === 'ok' && !result.checks.tlsSupported) {
    add(
      'warn',
      'No encryption',
      html`No mail host completed STARTTLS (RFC 3207), so mail to this domain travels in clear text. Enable STARTTLS with a
      certificate for the MX name.`,
    );
  }
  // Under bad_banner the verdict's note says it. Under ok another host greeted, and mail gets through meanwhile.
  const silent = result.verdict === 'bad_banner' ? [] : result.hosts.filter((host) => silentGreetingWaitMs(host) !== null);
  if (silent.length > 0) {
    add(
      'info',
      'Hosts that did not greet',
      html`${silent.map(
        (host) =>
          html`<div>
            ${host.exchange} (${host.ip}${host.port === 25 ? '' : `:${host.port}`}) sent no greeting within
            ${((silentGreetingWaitMs(host) ?? 0) / 1000).toFixed(1)} s: ${SILENT_GREETING_WORDS}.
          </div>`,
      )}${result.verdict === 'ok' ? html`Another host greeted: a sender that gives up waiting tries the next MX host.` : ''}
      A server that never greets is down or not a mail server.`,
    );
  }
  const inspected = firewallNote(result.hosts);
  if (inspected !== null) add(inspected.kind, 'A firewall rewrites the SMTP conversation', inspected.body);
  // A handshake that never completed (no version) offered no certificate to judge: it is a note of its own.
  const failedHandshakes = reachable.filter((h) => h.tls && h.tls.version === null);
  if (failedHandshakes.length > 0) {
    const alerts = [...new Set(failedHandshakes.map((h) => h.tls?.error).filter((e) => e !== null && e !== undefined))];
    const why = alerts.map(explainTlsError).filter((words) => words !== null);
    add(
      'warn',
      'TLS handshake fails',
      html`${[...new Set(failedHandshakes.map((h) => h.exchange))].join(', ')}: the server offers TLS, then the handshake does not
      complete${alerts.length > 0 ? html` (<code>${alerts.join(', ')}</code>)` : ''}. ${why.join(' ')} Senders that try TLS and
      fall back, as Postfix does, deliver in clear text; senders that require TLS (DANE, MTA-STS in enforce mode) cannot deliver.`,
    );
  }
  const badCerts = reachable.filter((h) => h.tls && h.tls.version !== null && (!h.tls.certValid || !h.tls.hostnameMatch));
  // A DANE pass vouches for the certificate (RFC 7672): DANE senders deliver whatever public-CA checks say of it.
  const vouched = badCerts.filter((h) => h.dane?.status === 'pass');
  const unvouched = badCerts.filter((h) => h.dane?.status !== 'pass');
  // Only a policy in enforce mode makes MTA-STS senders refuse a host (RFC 8461 5); testing mode only reports.
  const enforced = result.security.mtaSts?.status === 'valid' && result.security.mtaSts.mode === 'enforce';
  if (unvouched.length > 0) {
    add(
      'warn',
      'Certificate problems',
      html`${certificateProblemList(unvouched, true)}<br />Senders that encrypt opportunistically (most) deliver anyway;
        ${
          enforced
            ? "but this domain's MTA-STS policy is in enforce mode, so senders that apply it will not deliver to these hosts."
            : 'senders that verify certificates (an MTA-STS policy in enforce mode, DANE) would not.'
        }`,
    );
  }
  if (vouched.length > 0) {
    add(
      enforced ? 'warn' : 'info',
      'Certificates vouched for by DANE',
      html`${certificateProblemList(vouched, false)}<br />Each host's DNSSEC-signed TLSA record matches its certificate, so
        senders that use DANE deliver (RFC 7672). Senders that check certificates against public CAs instead would not:
        ${
          enforced
            ? "this domain's MTA-STS policy is in enforce mode, so senders that use MTA-STS without DANE will not deliver."
            : result.security.mtaSts === null
              ? 'that matters to senders that enforce MTA-STS (not checked here).'
              : 'that matters only to MTA-STS, which this domain does not enforce.'
        }`,
    );
  }
  return notes;
}

/**
 * Hosts whose greeting or EHLO reply shows a firewall rewriting SMTP (smtpInspectionSigns), one entry per
 * address and port: a warning when it hides STARTTLS or extensions, information for a masked greeting alone.
 */
function firewallNote(hosts: readonly HostResult[]): { kind: Note['kind']; body: SafeHtml } | null {
  const seen = new Set<string>();
  const entries: SafeHtml[] = [];
  let harmful = false;
  for (const host of hosts) {
    const signs = smtpInspectionSigns(host);
    const key = `${host.ip} ${host.port}`;
    if (signs === null || seen.has(key)) continue;
    seen.add(key);
    const words = describeSmtpInspection(signs);
    if (words.fix !== null) harmful = true;
    entries.push(
      html`<div>
        ${host.exchange} (${host.ip}${host.port === 25 ? '' : `:${host.port}`}): ${words.seen}:
        ${words.meaning}.${words.fix === null ? '' : html` Fix: ${words.fix}.`}
      </div>`,
    );
  }
  if (entries.length === 0) return null;
  return {
    kind: harmful ? 'warn' : 'info',
    body: html`${entries}Every sender meets the same firewall, so what is shown here is what they get. The fix is in the firewall,
    not in the mail server.`,
  };
}

/** For a null MX domain without `v=spf1 -all` or DMARC `p=reject` (parkedDomainGaps): what to publish if it sends no mail. */
function parkedDomainAdvice(result: CheckResult): SafeHtml | null {
  const gaps = parkedDomainGaps(result);
  if (gaps.length === 0) return null;
  const parts = gaps
    .map((gap) =>
      gap === 'SPF'
        ? html`an SPF record <code>v=spf1 -all</code>`
        : html`<code>_dmarc</code> with <code>v=DMARC1; p=reject</code>`,
    )
    .map((part, i) => (i === 0 ? part : html` and ${part}`));
  return html`A null MX says nothing about sending. If this domain sends no mail either, say so too, so that mail forged in its
  name fails: ${parts} (M3AAWG's advice for parked domains).`;
}

/** One entry per distinct (exchange, problem): what is wrong with each certificate, and the fix unless DANE vouches for it. */
function certificateProblemList(hosts: readonly HostResult[], withFix: boolean): SafeHtml[] {
  const seen = new Set<string>();
  const entries: SafeHtml[] = [];
  for (const host of hosts) {
    const tls = host.tls;
    if (!tls) continue;
    const key = `${host.exchange} ${tls.certValid ? '' : (tls.error ?? '')} ${tls.hostnameMatch ? '' : 'name'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const words = tls.certValid ? null : describeCertificateError(tls.error, tls);
    const names = certificateNamesText(tls, PAGE_NAMES_SHOWN);
    const unmatched = unmatchedNamesWords(tls);
    const trust = tls.certValid
      ? null
      : words
        ? html`${words.what} (<code>${tls.error}</code>)${withFix ? `; fix: ${words.fix}` : ''}`
        : html`the certificate is not
          trusted${tls.error ? html` (<code>${tls.error}</code>${tls.errorText !== undefined ? `: ${tls.errorText}` : ''})` : ''}`;
    const name = tls.hostnameMatch
      ? null
      : html`the certificate does not cover
        ${host.exchange}${names !== null ? html` (it names ${names}${unmatched !== null ? `: ${unmatched}` : ''})` : ''}${
          withFix ? '; fix: use one that names the MX host' : ''
        }`;
    const parts = [trust, name].filter((part) => part !== null).map((part, i) => (i === 0 ? part : html`; ${part}`));
    entries.push(html`${entries.length > 0 ? html`<br />` : ''}${host.exchange}: ${parts}.`);
  }
  return entries;
}

function mxProblemText(problem: string, exchange: string, cnameTarget: string | null): SafeHtml | null {
  switch (problem) {
    case 'cname':
      return html`${exchange} is an alias${cnameTarget ? html` for ${cnameTarget}` : ''}. RFC 2181 section 10.3 says an MX must
      name a host directly; most senders follow the alias anyway, some do not.`;
    case 'ip_literal':
      return html`The MX names an IP address (${exchange}), not a host name (RFC 5321 section 5.1). Senders disagree about it:
      Postfix connects to the address anyway, Exim refuses it, so some mail bounces; mxv does not probe it. Publish a host name
      with an A/AAAA record.`;
    case 'malformed_name':
      return html`${exchange} is not a host name: it holds characters no host name has (a space, an octet outside ASCII, a dot
        inside a label, ...; written as dig writes them, <code>\\DDD</code>). Senders skip this MX (Postfix: "malformed domain
        name") and use the others, if any. Correct the name in the zone.`;
    case 'no_address':
      return html`${exchange} has no A/AAAA address: this MX leads nowhere.`;
    case 'localhost':
      return html`The MX points at localhost: senders would deliver to themselves.`;
    case 'null_mx_mixed':
      return html`A null MX is published next to other MX records; RFC 7505 forbids the mix, so the domain is treated as accepting
      no mail.`;
    case 'dns_error':
      return html`The address lookup of ${exchange} failed (SERVFAIL, a timeout or a refusal): senders defer and retry, so this
      may pass; if it lasts, the name servers that answer for ${exchange} are broken.`;
    default:
      return null;
  }
}
