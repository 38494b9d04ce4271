import type { CheckResult, HostResult, MxRecord } from '@mxv/schema';
import {
  addressLookupsFailed,
  certificateNamesText,
  DANE_VOUCHES_WORDS,
  describeCertificateError,
  describeSmtpInspection,
  describeTlsKeyWeakness,
  describeWeakCertSignature,
  EHLO_NAME_MAYBE_WORDS,
  EHLO_REFUSED_HELO_ACCEPTED_WORDS,
  ehloRefusedHeloAccepted,
  isDeprecatedTlsVersion,
  noMailHostTookEhlo,
  PROBER_REFUSAL_WORDS,
  proberRefusal,
  parkedDomainGaps,
  repeatedOriginName,
  SILENT_GREETING_WORDS,
  silentGreetingWaitMs,
  smtpInspectionSigns,
  tlsKeyWeaknesses,
  weakCertSignatures,
  unmatchedNamesWords,
} from '@mxv/schema/values';
import { createAddressPolicy, refusalHint, unicodeForm, type AddressPolicy } from '@mxv/probe';
import pc from 'picocolors';
import { renderReputationLines } from './render-reputation-lines.js';
import { renderSecurityLine } from './render-security-line.js';
import { terminalSafeJson } from './terminal-safe-json.js';
import { noteIndent, visibleLength, wrapLine } from './wrap-line.js';

type Colors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan'>;

const VERDICT_WORDS: Record<CheckResult['verdict'], string> = {
  invalid: 'not a domain name',
  nxdomain: 'the domain does not exist',
  dns_error: 'the MX question could not be answered',
  null_mx: 'null MX: the domain accepts no mail (RFC 7505)',
  no_mail_host: 'no MX and no A/AAAA to fall back to',
  unresolvable: 'MX hosts have no address',
  unreachable: 'no mail host accepted a connection',
  bad_banner: 'connected, but no host greeted with 220',
  ok: 'mail hosts answer',
};

/** Why an input was refused, past its reason code (see refusalHint): a web address, an IDNA rule. */
function refusalOf(result: CheckResult): string | null {
  return result.verdict === 'invalid' && result.error ? refusalHint(result.input, result.error) : null;
}

/** The verdict in words; a failed lookup is told apart from an answer of "no address", since senders retry the former. */
function verdictWords(result: CheckResult): string {
  if (result.verdict === 'no_mail_host' && result.error === 'implicit_lookup_failed') {
    return "no MX, and the lookup of the domain's own A/AAAA failed: senders retry";
  }
  if (result.verdict === 'unresolvable' && addressLookupsFailed(result.mx)) {
    return 'the address lookups of the MX hosts failed: senders retry';
  }
  if (noMailHostTookEhlo(result)) {
    return 'a host greets with 220, but none accepted EHLO or HELO from mxv (see the hosts below): senders may not get further';
  }
  if (result.verdict === 'bad_banner') {
    // 4xx: senders keep the mail and retry (RFC 5321 4.2.5); 5xx: they return it at once.
    const codes = result.hosts.map((host) => host.banner?.code ?? 0).filter((code) => code >= 400);
    if (codes.length > 0 && codes.every((code) => code < 500)) return `${VERDICT_WORDS.bad_banner}: 4xx, senders retry later`;
    if (codes.length > 0 && codes.every((code) => code >= 500))
      return `${VERDICT_WORDS.bad_banner}: 5xx, senders bounce the mail`;
  }
  const degraded = deliveryCaveat(result);
  return degraded === null ? VERDICT_WORDS[result.verdict] : `${VERDICT_WORDS[result.verdict]}, but ${degraded}`;
}

/**
 * What keeps an `ok` domain from taking mail from some senders (the verdict is about greeting, CONTRACT):
 * DANE records that nothing matches, or an enforced MTA-STS policy no host passes. Null when nothing does.
 */
function deliveryCaveat(result: CheckResult): string | null {
  if (result.verdict !== 'ok') return null;
  if (result.security.dane === 'fail') return 'DANE fails: senders that check DANE (Postfix, Exchange Online) hold the mail';
  const delivery = result.hosts.filter((host) => host.service === undefined && host.connect !== 'blocked');
  const enforced = result.security.mtaSts?.status === 'valid' && result.security.mtaSts.mode === 'enforce';
  if (enforced && delivery.length > 0 && delivery.every((host) => host.mtaSts === 'fail'))
    return 'no host passes its enforced MTA-STS policy: senders that apply MTA-STS hold the mail';
  return null;
}

/** The resolver's own failure at the socket (dns-query's `:connection_refused` suffix), not a slow answer. */
const RESOLVER_SOCKET_FAILURE = /^mx_[a-z]+:(connection_refused|unreachable|socket_error)$/;

/** The MX answer's status; a resolver that refused the connection is not said to have timed out. */
function mxStatusWords(result: CheckResult): string {
  const socket = RESOLVER_SOCKET_FAILURE.exec(result.error ?? '')?.[1];
  if (socket === undefined) return result.mx.dns;
  const what =
    socket === 'connection_refused' ? 'refused the connection' : socket === 'unreachable' ? 'is unreachable' : 'failed';
  return `no answer: the resolver (--dns) ${what}, so nothing answers DNS there (a wrong port?)`;
}

/**
 * How the table is laid out: `width`, the terminal's columns, wraps the note lines under the hosts to it,
 * and stacks each host row on two lines when the columns would not fit.
 */
export interface TableLayout {
  width?: number;
}

/** The readable terminal form of one result: a headline, the checks, then one row per host. */
export function renderResultTable(result: CheckResult, colors: Colors, layout: TableLayout = {}): string {
  const good = result.verdict === 'ok';
  const soft = result.verdict === 'null_mx';
  // An ok that some senders cannot deliver to is not painted as all good.
  const paint = good
    ? deliveryCaveat(result) === null && !noMailHostTookEhlo(result)
      ? colors.green
      : colors.yellow
    : soft
      ? colors.yellow
      : colors.red;
  const lines: string[] = [];
  const refusal = refusalOf(result);
  const why = (result.error ? ` (${result.error})` : '') + (refusal === null ? '' : `: ${refusal}`);
  // An input refused by a named IDNA rule too: its A-label alone (xn--ab---3ra) is not what the person typed. Not an
  // A-label Node's conversion refused: its decoding may hold what no name may (a lone surrogate, an invisible filler).
  const unicode =
    result.verdict !== 'invalid' || (result.error === 'idna_error' && refusal !== null) ? unicodeForm(result.domain) : null;
  lines.push(
    `${colors.bold(result.domain || terminalSafeJson(result.input))}${unicode ? colors.dim(` (${unicode})`) : ''}  ${paint(result.verdict)}  ${colors.dim(verdictWords(result) + why)}  ${colors.dim(`${result.durationMs} ms`)}`,
  );
  if (result.verdict === 'invalid')
    return layout.width === undefined ? (lines[0] ?? '') : wrapLine(lines[0] ?? '', layout.width, 4);

  // Under a null MX (RFC 7505) nothing past the MX record is meant to exist: not a failure.
  const mark = (ok: boolean, label: string): string =>
    ok ? colors.green(`✓ ${label}`) : soft && label !== 'MX exists' ? colors.dim(`– ${label}`) : colors.red(`✗ ${label}`);
  const c = result.checks;
  lines.push(
    packed(
      [
        mark(c.mxExists, 'MX exists'),
        mark(c.mxResolves, 'resolves'),
        mark(c.smtpReachable, 'SMTP reachable'),
        mark(c.bannerValid, 'banner 220'),
        mark(c.tlsSupported, 'STARTTLS'),
      ],
      layout.width,
    ),
  );
  const source =
    result.mx.source === 'implicit'
      ? ' (implicit MX: A/AAAA fallback, RFC 5321 5.1)'
      : result.mx.source === 'null'
        ? ' (null MX)'
        : '';
  lines.push(
    colors.dim(
      `  MX ${mxStatusWords(result)}${source}${result.mx.truncated ? `, ${result.mx.totalRecords} records, first ${result.mx.records.length} shown` : ''}`,
    ),
  );

  // The PORT column only when it says something: more than one port, or not the usual 25.
  const showPort = result.hosts.some((host) => host.port !== 25 || host.tlsMode === 'implicit' || host.service !== undefined);
  const rows: string[][] = [
    ['PRI', 'EXCHANGE', 'ADDRESS', ...(showPort ? ['PORT'] : []), 'CONNECT', 'BANNER', 'STARTTLS', 'TLS', 'ms'],
  ];
  for (const record of result.mx.records) {
    const hosts = result.hosts.filter(
      (host) => host.service === undefined && host.exchange === record.exchange && host.priority === record.priority,
    );
    if (hosts.length === 0) {
      rows.push([
        String(record.priority),
        record.exchange,
        colors.red(problemText(record)),
        ...(showPort ? [''] : []),
        '',
        '',
        '',
        '',
        '',
      ]);
      continue;
    }
    for (const host of hosts)
      rows.push(hostRow(host, String(host.priority), hostExchange(host, record, colors), showPort, colors));
  }
  // Submission servers (RFC 6186) in the same columns, their service where the MX priority goes.
  for (const host of result.hosts) {
    if (host.service !== undefined) rows.push(hostRow(host, host.service, host.exchange, showPort, colors));
  }
  if (rows.length > 1) lines.push(...hostLines(rows, showPort, colors, layout.width));
  // What follows is notes, a sentence or a paragraph each: wrapped to the terminal, the host rows above are not.
  const notesFrom = lines.length;
  lines.push(...repeatedOriginLines(result.mx.records, colors));
  lines.push(...serverWordsLines(result.hosts, colors));
  lines.push(...renderReputationLines(result, colors));
  const security = renderSecurityLine(result, colors);
  if (security !== null) lines.push(security);
  if (result.submission) lines.push(submissionLine(result.submission, colors));
  const gaps = parkedDomainGaps(result);
  if (gaps.length > 0) {
    const wanted = gaps.map((gap) => (gap === 'SPF' ? '"v=spf1 -all"' : '_dmarc "v=DMARC1; p=reject"')).join(' and ');
    lines.push(
      `  ${colors.yellow(`receives no mail; if it sends none either, publish ${wanted} so that mail forged in its name fails`)}`,
    );
  }
  const width = layout.width;
  if (width !== undefined) {
    // The headline (continued 4 columns in), then the notes under their labels.
    lines[0] = wrapLine(lines[0] ?? '', width, 4);
    for (let i = notesFrom; i < lines.length; i++) lines[i] = wrapLine(lines[i] ?? '', width, noteIndent(lines[i] ?? ''));
  }
  return lines.join('\n');
}

/** An exchange that repeats its zone's name (repeatedOriginName): what it was probably meant to be, once per name. */
function repeatedOriginLines(records: readonly MxRecord[], colors: Colors): string[] {
  const lines: string[] = [];
  for (const exchange of new Set(records.map((record) => record.exchange))) {
    const repeated = repeatedOriginName(exchange);
    if (repeated === null) continue;
    lines.push(
      `  ${colors.dim(exchange)}  ${colors.yellow(
        `ends in ${repeated.origin} twice: probably ${repeated.intended} written without its final dot in the zone file, which appends the zone's name`,
      )}`,
    );
  }
  return lines;
}

/** The "Submission" block: the RFC 6186 services the domain advertises, in one line. */
function submissionLine(services: NonNullable<CheckResult['submission']>, colors: Colors): string {
  if (services.length === 0) return colors.dim('  Submission: none advertised (no _submission/_submissions SRV)');
  const listed = services.map((s) => `${s.service} ${s.target}:${s.port}${s.service === 'submissions' ? ' (implicit TLS)' : ''}`);
  return `  ${colors.dim('Submission:')} ${listed.join(', ')}`;
}

/**
 * What a server said when it would not go on, in its own words (the table's
 * columns hold only codes): a greeting other than 220, or a refused EHLO,
 * HELO or STARTTLS; signs of a firewall rewriting the conversation; a TLS that some senders refuse (no RFC 5746, TLS
 * below 1.2, keys below an OpenSSL security level); and a certificate that
 * fails verification or names another host, with the usual fix. Per
 * probed (address, port), where a bounce is debugged from.
 */
/**
 * The special-purpose range a blocked address is in, named as the guard names it ("this-network
 * 0.0.0.0/8"): the guard's own table without --allow-net, built on first need.
 */
let guardTable: AddressPolicy | null = null;
function blockedRangeOf(ip: string): string | null {
  if (guardTable === null) {
    const setup = createAddressPolicy([]);
    if (setup.status !== 'ok') return null;
    guardTable = setup.policy;
  }
  const check = guardTable.check(ip);
  return check.status === 'blocked' ? check.range : null;
}

/** A host that took HELO after EHLO was not recognised (500/502, so no refusal is kept): an RFC 821 server. */
function plainSmtpOnly(host: HostResult): boolean {
  return host.error === null && (host.refusal ?? null) === null && host.ehlo?.command === 'HELO';
}

function serverWordsLines(hosts: readonly HostResult[], colors: Colors): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const host of hosts) {
    const key = `${host.ip} ${portText(host)}`;
    if (seen.has(key)) continue;
    const said =
      host.banner !== null && host.banner.code !== 220
        ? { what: 'greeting', code: host.banner.code, text: host.banner.text }
        : host.refusal
          ? { what: `${host.refusal.command}${host.refusal.overTls ? ' over TLS' : ''} refused`, ...host.refusal }
          : null;
    const legacyTls = host.tls?.secureRenegotiation === false;
    const oldVersion = isDeprecatedTlsVersion(host.tls?.version);
    const weakKeys = tlsKeyWeaknesses(host.tls);
    const certificate = certificateWords(host);
    const silentMs = silentGreetingWaitMs(host);
    const inspection = smtpInspectionSigns(host);
    // A verify error of CA_MD_TOO_WEAK already says which signature (certificateWords).
    const weakSignatures = host.tls?.error === 'CA_MD_TOO_WEAK' ? [] : weakCertSignatures(host.tls);
    const plainSmtp = plainSmtpOnly(host);
    const blockedRange = host.error === 'blocked_address' ? blockedRangeOf(host.ip) : null;
    if (
      said === null &&
      !plainSmtp &&
      blockedRange === null &&
      silentMs === null &&
      inspection === null &&
      !legacyTls &&
      !oldVersion &&
      weakKeys.length === 0 &&
      weakSignatures.length === 0 &&
      certificate === null
    ) {
      continue;
    }
    seen.add(key);
    const where = host.port === 25 && host.tlsMode !== 'implicit' ? host.ip : `${host.ip}:${portText(host)}`;
    if (said !== null) {
      const paint = said.code >= 400 && said.code < 500 ? colors.yellow : colors.red;
      lines.push(`  ${colors.dim(where)}  ${said.what}: ${paint(String(said.code))} ${said.text}`);
      const aimedAtProber = proberRefusal(said.text);
      if (ehloRefusedHeloAccepted(host)) {
        const maybeName = aimedAtProber === null ? `; ${EHLO_NAME_MAYBE_WORDS}` : '';
        lines.push(`  ${colors.dim(where)}  ${colors.yellow(`${EHLO_REFUSED_HELO_ACCEPTED_WORDS}${maybeName}`)}`);
      }
      if (aimedAtProber !== null) lines.push(`  ${colors.dim(where)}  ${colors.yellow(PROBER_REFUSAL_WORDS[aimedAtProber])}`);
    }
    if (plainSmtp)
      lines.push(
        `  ${colors.dim(where)}  EHLO: ${colors.yellow('not recognised, HELO accepted: a plain SMTP server (RFC 821), so it offers no STARTTLS and senders deliver in clear')}`,
      );
    if (blockedRange !== null)
      lines.push(
        `  ${colors.dim(where)}  not probed: ${colors.yellow(`${host.ip} is in ${blockedRange}, which no sender on the internet reaches; --allow-net probes such a range in a lab`)}`,
      );
    if (silentMs !== null) {
      const waited = `no greeting within ${(silentMs / 1000).toFixed(1)} s`;
      lines.push(
        `  ${colors.dim(where)}  greeting: ${colors.yellow(`${waited}: ${SILENT_GREETING_WORDS} (--greeting-timeout-ms and --timeout-ms wait longer); a server that never greets is down or not a mail server (a web server on port 25 waits silently too)`)}`,
      );
    }
    if (inspection !== null) {
      const { seen, meaning, fix } = describeSmtpInspection(inspection);
      const paint = fix === null ? colors.dim : colors.yellow;
      lines.push(`  ${colors.dim(where)}  firewall: ${paint(`${seen}: ${meaning}${fix === null ? '' : `; ${fix}`}`)}`);
    }
    if (legacyTls) lines.push(`  ${colors.dim(where)}  TLS: ${colors.yellow(LEGACY_TLS_WORDS)}`);
    if (oldVersion) lines.push(`  ${colors.dim(where)}  TLS: ${colors.yellow(`${host.tls?.version ?? ''} ${OLD_TLS_WORDS}`)}`);
    for (const weak of weakKeys) {
      const { what, effect } = describeTlsKeyWeakness(weak);
      lines.push(`  ${colors.dim(where)}  TLS: ${colors.yellow(`${what}, ${effect}`)}`);
    }
    if (certificate !== null) lines.push(`  ${colors.dim(where)}  certificate: ${colors.yellow(certificate)}`);
    for (const weak of weakSignatures) {
      const { what, effect } = describeWeakCertSignature(weak);
      lines.push(`  ${colors.dim(where)}  certificate: ${colors.yellow(`${what}: ${effect}`)}`);
    }
  }
  return lines;
}

/** Names listed after "it names" before the rest is counted. */
const NAMES_SHOWN = 3;

/**
 * What is wrong with the certificate of a completed handshake (the column holds only OpenSSL's code), in
 * the page's words (describeCertificateError), or null when it is trusted and names the exchange. With a
 * DANE pass the fix is left out: the TLSA record vouches for the certificate, and DANE senders deliver.
 */
function certificateWords(host: HostResult): string | null {
  const tls = host.tls;
  if (!tls || tls.version === null || (tls.certValid && tls.hostnameMatch)) return null;
  const dane = host.dane?.status === 'pass';
  const parts: string[] = [];
  if (!tls.certValid) {
    const words = describeCertificateError(tls.error, tls);
    // A code neither Node nor mxv names (UNSPECIFIED) comes with OpenSSL's own words.
    const code = `${tls.error ?? 'not trusted'}${tls.errorText !== undefined ? ` (${tls.errorText})` : ''}`;
    parts.push(words === null ? code : dane ? `${words.what} (${code})` : `${words.what} (${code}): ${words.fix}`);
  }
  if (!tls.hostnameMatch) {
    const names = certificateNamesText(tls, NAMES_SHOWN);
    const unmatched = unmatchedNamesWords(tls);
    const partial = unmatched !== null ? `: ${unmatched}` : '';
    parts.push(`it does not name ${host.exchange}${names !== null ? ` (it names ${names}${partial})` : ''}`);
  }
  if (dane) parts.push(DANE_VOUCHES_WORDS);
  return parts.join('; ');
}

/** What a server without RFC 5746 means to the senders that refuse it. */
const LEGACY_TLS_WORDS =
  'no secure renegotiation (RFC 5746): senders on OpenSSL 3 (Postfix on current systems) refuse this handshake and send in clear';

/** The host error of an address of an IP version this run does not probe (--ip-families): not a failure of the host. */
const IP_FAMILY_OFF = 'ip_family_not_probed';
/** The host error of an address of the machine mxv runs on: the guard's choice, not a failure of the host either. */
const OWN_ADDRESS = 'own_address';

/** What a server whose best TLS is 1.0 or 1.1 means to senders (isDeprecatedTlsVersion). */
const OLD_TLS_WORDS =
  'at most (RFC 8996 deprecates TLS 1.0 and 1.1): senders that require TLS 1.2, as OpenSSL 3 does by default, send in clear; senders that verify certificates on OpenSSL 3 (MTA-STS, DANE: Postfix at its secure level) cannot complete the handshake and defer';

/** "465/tls" for implicit TLS (RFC 8314), the bare number for plain SMTP + STARTTLS. */
function portText(host: HostResult): string {
  return host.tlsMode === 'implicit' ? `${host.port}/tls` : String(host.port);
}

function problemText(record: MxRecord): string {
  return record.problems.length > 0 ? record.problems.join(', ') : 'not probed';
}

function hostExchange(host: HostResult, record: MxRecord, colors: Colors): string {
  return record.problems.length > 0 ? `${host.exchange} ${colors.yellow(`(${record.problems.join(',')})`)}` : host.exchange;
}

function hostRow(host: HostResult, first: string, exchange: string, showPort: boolean, colors: Colors): string[] {
  const connect =
    host.connect === 'ok'
      ? colors.green('ok')
      : host.error === IP_FAMILY_OFF
        ? colors.dim('not probed')
        : host.connect === 'blocked'
          ? colors.yellow('blocked')
          : colors.red(host.connect);
  const banner = host.banner ? (host.banner.code === 220 ? colors.green('220') : colors.red(String(host.banner.code))) : '';
  const starttls =
    host.starttls === 'ok' ? colors.green('ok') : host.starttls === 'not_tried' ? colors.dim('-') : colors.yellow(host.starttls);
  return [
    first,
    exchange,
    host.ip,
    ...(showPort ? [portText(host)] : []),
    connect,
    banner,
    starttls,
    tlsText(host, colors),
    String(host.timingsMs.total),
  ];
}

function tlsText(host: HostResult, colors: Colors): string {
  const tls = host.tls;
  if (host.error === IP_FAMILY_OFF) return colors.dim(`IPv${host.ip.includes(':') ? 6 : 4} not probed (--ip-families)`);
  if (host.error === OWN_ADDRESS) return colors.yellow("this machine's own address, not probed (--allow-net)");
  if (!tls) return host.error ? colors.red(host.error) : '';
  // No version: the handshake never completed, so there is no certificate to judge (not a bad one).
  if (tls.version === null) {
    const reason = colors.red(`handshake failed${tls.error ? `: ${tls.error}` : ''}`);
    return host.error && host.error !== 'tls_handshake_failed' ? `${reason} ${colors.red(host.error)}` : reason;
  }
  const parts = [tls.version];
  // A DANE pass vouches for the certificate (RFC 7672): what PKIX says of it is then a warning, not a failure.
  const problem = host.dane?.status === 'pass' ? colors.yellow : colors.red;
  parts.push(tls.certValid ? colors.green('cert ok') : problem(`cert ${tls.error ?? 'invalid'}`));
  parts.push(tls.hostnameMatch ? colors.green('name ok') : problem('name mismatch'));
  if (host.dane?.status === 'pass' || host.dane?.status === 'fail') {
    parts.push(host.dane.status === 'pass' ? colors.green('dane ok') : colors.red('dane fail'));
  }
  // RFC 8461 4: the exchange is in the domain's MTA-STS policy and its certificate is valid for it.
  if (host.mtaSts !== null) parts.push(host.mtaSts === 'pass' ? colors.green('sts ok') : colors.red('sts fail'));
  if (tls.notAfter) {
    const days = Math.floor((Date.parse(tls.notAfter) - Date.now()) / 86_400_000);
    // The server's own certificate's dates; when a date error is about a certificate above it, say whose these are.
    const whose = tls.failedCertificate !== undefined && tls.failedCertificate.depth > 0 ? 'leaf ' : '';
    parts.push(
      days < 0
        ? colors.red(`${whose}expired ${-days}d ago`)
        : days < 14
          ? colors.yellow(`${whose}${days}d left`)
          : `${whose}${days}d left`,
    );
  }
  const suffix = host.error ? ` ${colors.red(host.error)}` : '';
  return parts.join(' ') + suffix;
}

/** The checks, two spaces apart, on as many lines as `width` needs; a check is never split. */
function packed(items: readonly string[], width: number | undefined): string {
  const lines: string[] = [];
  let current = '';
  for (const item of items) {
    const next = current === '' ? `  ${item}` : `${current}  ${item}`;
    if (current !== '' && width !== undefined && visibleLength(next) > width) {
      lines.push(current);
      current = `  ${item}`;
    } else {
      current = next;
    }
  }
  lines.push(current);
  return lines.join('\n');
}

/**
 * The host rows: in columns under a header when they fit the terminal; else each host on a line of its own
 * (priority, exchange, address, port) with what the probe found on the next, labelled and wrapped, since a
 * terminal wrapping a 110-column row (an IPv6 address, a long exchange, a certificate's days left) scatters
 * its cells across the next line's columns.
 */
function hostLines(rows: string[][], showPort: boolean, colors: Colors, width: number | undefined): string[] {
  const columns = formatColumns(rows).map((row, i) => (i === 0 ? colors.dim(`  ${row}`) : `  ${row}`));
  if (width === undefined || columns.every((line) => visibleLength(line) <= width)) return columns;
  const firstWidth = Math.max(...rows.slice(1).map((row) => visibleLength(row[0] ?? '')));
  const lines: string[] = [];
  for (const row of rows.slice(1)) {
    const [first = '', exchange = '', address = '', ...rest] = row;
    const port = showPort ? rest.shift() : undefined;
    const [connect = '', banner = '', starttls = '', tls = '', ms = ''] = rest;
    // Wrapped too: a long exchange beside an IPv6 address is wider than a narrow terminal on its own.
    const identity = `  ${first}${' '.repeat(firstWidth - visibleLength(first))}  ${exchange}  ${address}${port ? `  ${colors.dim('port')} ${port}` : ''}`;
    lines.push(wrapLine(identity, width, 4 + firstWidth));
    // A row with no probe (a dangling MX) has its problem where the address goes and nothing more.
    if (connect === '') continue;
    const indent = 4 + firstWidth;
    const facts = [
      `${colors.dim('connect')} ${connect}`,
      ...(banner ? [`${colors.dim('banner')} ${banner}`] : []),
      `${colors.dim('STARTTLS')} ${starttls}`,
      ...(tls ? [tls] : []),
      `${ms} ms`,
    ];
    lines.push(wrapLine(`${' '.repeat(indent)}${facts.join(colors.dim(' · '))}`, width, indent + 2));
  }
  return lines;
}

function formatColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  );
}
