import {
  describeExtendedDnsError,
  type CheckResult,
  type Dmarc,
  type HostDane,
  type MtaSts,
  type Spf,
  type TlsRpt,
} from '@mxv/schema';
import { describeSpfOtherSenders } from '@mxv/schema/values';
import { explainPolicyError } from './explain-policy-error.js';
import { html, type SafeHtml } from './html.js';
import { scrollRegion, SECURITY_TABLE, tableHead } from './table-layout.js';
import { toneTag, type TagTone } from './tone-tag.js';

/** A row's status: the tag's word, its tone, and short visible words where the word alone misleads (toneTag). */
interface StatusTag {
  text: string;
  tone: TagTone;
  aside?: string;
}

/** One row of the "Mail security" card: the mechanism, its state as a tag, and what it means in plain words. */
interface SecurityRow {
  label: string;
  tag: StatusTag;
  words: SafeHtml;
}

/** A row's renderer; null when the check did not run (--checks) and so has nothing to say. */
type RowRenderer = (result: CheckResult) => SecurityRow | null;

/** DNSSEC of the MX answer, as the validating resolver judged it. */
export const dnssecRow: RowRenderer = (result) => {
  const state = result.mx.dnssec;
  if (state === null) return null;
  const label = 'DNSSEC (MX answer)';
  switch (state) {
    case 'secure':
      return { label, tag: { text: 'secure', tone: 'ok' }, words: html`The MX answer is signed and the signatures check out.` };
    case 'insecure':
      return {
        label,
        tag: { text: 'insecure', tone: '' },
        words: html`The domain is not signed (or sits under an unsigned delegation): the MX answer cannot be authenticated, so
        DANE cannot apply.`,
      };
    case 'bogus': {
      const ede = result.mx.dnssecEde;
      return {
        label,
        tag: { text: 'bogus', tone: 'bad' },
        words: html`The domain is signed, but its signatures do not
        validate${ede ? html` (the resolver says: <em>${describeExtendedDnsError(ede)}</em>)` : ''}. Validating resolvers refuse
        the answer, so senders that validate cannot find the mail hosts at all. Re-sign the zone, or check that the DS record at
        the parent matches a current key.`,
      };
    }
    case 'unknown':
      return {
        label,
        tag: { text: 'unknown', tone: 'warn' },
        words: html`The resolver mxv asked gave no sign of validating DNSSEC, so whether this answer is signed cannot be told.`,
      };
  }
};

const DANE_TAGS: Record<HostDane['status'], SecurityRow['tag']> = {
  pass: { text: 'pass', tone: 'ok' },
  fail: { text: 'fail', tone: 'bad' },
  none: { text: 'no TLSA', tone: '' },
  not_applicable: { text: 'not applicable', tone: 'warn' },
  dns_error: { text: 'TLSA lookup failed', tone: 'bad' },
};

/** A pass whose trust anchor the server leaves out of its chain, only a `2 x 0` record supplying it. */
const UNSENT_ANCHOR_WORDS = html`the trust anchor that matched is not in the chain the host sends; its DANE-TA record carries it
whole, which senders using OpenSSL's DANE (Postfix among them) accept, but RFC 7672 3.1.2 asks SMTP servers to send it. Add it to
the host's chain file, so that every DANE sender can authenticate the host.`;

/**
 * Under an insecure MX answer whose host has secure addresses and TLSA records (`dane.insecureMx`): what
 * Postfix 3.6 and later make of the records, which they apply anyway by default. Null otherwise.
 */
function insecureMxWords(dane: HostDane): SafeHtml | null {
  const applied = dane.insecureMx;
  if (dane.reason !== 'mx_not_secure' || applied === undefined) return null;
  const outcome =
    applied.status === 'pass'
      ? html`they match, so those senders authenticate this host.`
      : html`${daneReasonWords(applied.reason, applied.hint)} Those senders defer mail to this host until it is fixed.`;
  return html`The MX answer is not DNSSEC-signed, so by RFC 7672 (2.2.1) DANE does not apply; but this host's addresses and TLSA
    records are signed, and Postfix 3.6 and later use such records anyway at their DANE level (<code
      >smtp_tls_dane_insecure_mx_policy = dane</code
    >, their default): ${outcome}`;
}

/** What a DANE reason means for the people who run the mail host. */
function daneReasonWords(reason: string | null, hint?: string): SafeHtml {
  if (reason === 'no_match' && hint === 'weak_signature') {
    return html`A DANE-TA (2) record names a certificate of the host's chain, but a certificate below it is signed with SHA-1 (or
    MD5), which senders refuse when they verify the chain (OpenSSL 3, and Postfix with it: "CA signature digest algorithm too
    weak"). Have the certificate issued again, signed with SHA-256.`;
  }
  if (reason === 'no_match' && hint === 'ta_not_sent') {
    return html`A DANE-TA (2) record names a certificate authority the host does not send in its chain: senders only match
    certificates the server presents (RFC 7671 5.2.2). Add that certificate to the host's chain file, or publish a record for a
    certificate it does send.`;
  }
  switch (reason) {
    case 'no_starttls':
      return html`The host publishes TLSA records but does not offer STARTTLS: DANE senders will not deliver in clear.`;
    case 'tls_failed':
      return html`The host publishes TLSA records but the TLS handshake failed: DANE senders will not deliver.`;
    case 'no_match':
      return html`No TLSA record matches the certificate the host presents (a key rolled without updating TLSA?). DANE senders
      will not deliver until a record matches.`;
    case 'unusable_records':
      return html`The TLSA records use only usages 0 or 1 (PKIX), which SMTP cannot use (RFC 7672 3.1.3): publish 3 1 1 or 2 1 1
      records.`;
    case 'mx_not_secure':
      return html`TLSA records exist, but the MX answer is not DNSSEC-signed, so senders ignore them.`;
    case 'address_not_secure':
      return html`TLSA records exist, but the host's address records are not DNSSEC-signed, so senders ignore them.`;
    case 'tlsa_not_secure':
      return html`TLSA records exist, but they are not DNSSEC-signed, so senders ignore them.`;
    default:
      return reason === null ? html`` : html`<code>${reason}</code>`;
  }
}

/** DANE over the hosts (RFC 7672): the summary, with the first host that explains it. */
export const daneRow: RowRenderer = (result) => {
  const state = result.security.dane;
  if (state === null) return null;
  const label = 'DANE (TLSA)';
  // A host that Postfix's insecure-MX policy fails is the one to explain first: those senders defer mail to it.
  const explaining =
    result.hosts.find((host) => host.dane?.insecureMx?.status === 'fail') ??
    result.hosts.find((host) => host.dane !== null && host.dane.status !== 'pass' && host.dane.status !== 'none');
  switch (state) {
    case 'pass': {
      const unsent = result.hosts.find((host) => host.dane?.status === 'pass' && host.dane.hint === 'ta_not_sent');
      return {
        label,
        tag: DANE_TAGS.pass,
        words: html`Every host with DNSSEC-signed TLSA records presents a certificate they match: DANE senders authenticate
        it.${unsent ? html` <span class="mono">${unsent.exchange}</span>: ${UNSENT_ANCHOR_WORDS}` : ''}`,
      };
    }
    case 'none':
      return { label, tag: DANE_TAGS.none, words: html`No host publishes TLSA records: DANE is not in use.` };
    case 'not_applicable':
    case 'fail':
      return {
        label,
        tag:
          state === 'not_applicable' && explaining?.dane?.insecureMx?.status === 'fail'
            ? { text: 'not applicable, Postfix fails it', tone: 'bad' }
            : { ...DANE_TAGS[state === 'fail' ? 'fail' : 'not_applicable'] },
        words: explaining?.dane
          ? html`<span class="mono">${explaining.exchange}</span>:
              ${explaining.dane.status === 'dns_error' ? html`the TLSA question failed (<code>${explaining.dane.reason ?? ''}</code>); a sender must not deliver to a host whose TLSA it cannot read.` : (insecureMxWords(explaining.dane) ?? daneReasonWords(explaining.dane.reason, explaining.dane.hint))}`
          : html``,
      };
  }
};

/** DANE of one host, for its card: the status, the reason in words, and the TLSA records. */
export function renderHostDane(dane: HostDane): SafeHtml {
  const tag = DANE_TAGS[dane.status];
  const records = dane.tlsa.map((record) => {
    const data = record.data.length > 24 ? `${record.data.slice(0, 24)}…` : record.data;
    return html`<br /><span class="mono">${`${record.usage} ${record.selector} ${record.matchingType} ${data}`}</span>`;
  });
  return html`${toneTag(tag.text, tag.tone)} ${hostDaneWords(dane)}${records}`;
}

/** A host's DANE in words: why it failed, or, for a pass, what still wants fixing. */
function hostDaneWords(dane: HostDane): SafeHtml | '' {
  if (dane.status === 'none') return '';
  if (dane.status === 'pass') return dane.hint === 'ta_not_sent' ? UNSENT_ANCHOR_WORDS : '';
  return insecureMxWords(dane) ?? daneReasonWords(dane.reason, dane.hint);
}

/**
 * The "Mail security" section of the lookup page: one row per mechanism that
 * was checked (one function each), its status as a tag, what it says, and a
 * failure in plain words. Every value is escaped by `html` (records come from DNS).
 */
export function renderSecurity(result: CheckResult): SafeHtml | '' {
  const { security } = result;
  const rows = [
    explainedRow('dnssec', dnssecRow(result)),
    explainedRow('dane', daneRow(result)),
    mtaStsRow(security.mtaSts),
    tlsRptRow(security.tlsRpt),
    spfRow(security.spf),
    dmarcRow(security.dmarc),
  ].filter((row): row is SafeHtml => row !== null);
  if (rows.length === 0) return '';
  return html`<h2>Mail security</h2>
    ${scrollRegion(
      'Mail security',
      html`<table id="${SECURITY_TABLE.id}">
        ${tableHead(SECURITY_TABLE)}
        <tbody>
          ${rows}
        </tbody>
      </table>`,
    )}`;
}

/** One line of a details cell; null (or empty) lines are left out. */
type DetailLine = SafeHtml | string | null;

/** The details lines one under the other, the empty ones left out (no blank line where a field is missing). */
function stacked(lines: readonly DetailLine[]): SafeHtml {
  const shown = lines.filter((line): line is SafeHtml | string => line !== null && String(line) !== '');
  return html`${shown.map((line, index) => html`${index > 0 ? html`<br />` : ''}${line}`)}`;
}

function row(mechanism: string, key: string, status: StatusTag, details: readonly DetailLine[], error: string | null): SafeHtml {
  const words = error === null ? null : explainPolicyError(error);
  const errorLine = error === null ? null : html`<code>${error}</code>${words === null ? '' : html` ${words}`}`;
  return html`<tr data-security="${key}" data-status="${status.text}">
    <td>${mechanism}</td>
    <td>${toneTag(status.text, status.tone, status.aside)}</td>
    <td>${stacked([...details, errorLine])}</td>
  </tr>`;
}

function record(text: string | null): DetailLine {
  return text === null ? null : html`<span class="mono">${text}</span>`;
}

export function mtaStsRow(mtaSts: MtaSts | null): SafeHtml | null {
  if (mtaSts === null) return null;
  if (mtaSts.status === 'none')
    return row(
      'MTA-STS',
      'mta-sts',
      { text: 'none', tone: 'warn' },
      ['No _mta-sts TXT record: senders may deliver without verified TLS.'],
      null,
    );
  if (mtaSts.status === 'invalid') {
    return row(
      'MTA-STS',
      'mta-sts',
      { text: 'invalid', tone: 'bad' },
      [mtaSts.id ? html`policy id <code>${mtaSts.id}</code>` : null],
      mtaSts.error,
    );
  }
  return row(
    'MTA-STS',
    'mta-sts',
    { text: `valid, ${mtaSts.mode ?? '?'}`, tone: mtaSts.mode === 'enforce' ? 'ok' : 'warn' },
    [
      html`mx ${mtaSts.mx.map((m, i) => html`${i > 0 ? ', ' : ''}<code>${m}</code>`)} · max_age ${mtaSts.maxAge ?? '?'} s · id
        <code>${mtaSts.id ?? ''}</code>`,
    ],
    null,
  );
}

export function tlsRptRow(tlsRpt: TlsRpt | null): SafeHtml | null {
  if (tlsRpt === null) return null;
  if (tlsRpt.status === 'none')
    return row(
      'TLS-RPT',
      'tls-rpt',
      { text: 'none', tone: '' },
      ['No _smtp._tls record: nobody receives TLS failure reports.'],
      null,
    );
  if (tlsRpt.status === 'invalid') return row('TLS-RPT', 'tls-rpt', { text: 'invalid', tone: 'bad' }, [], tlsRpt.error);
  return row(
    'TLS-RPT',
    'tls-rpt',
    { text: 'valid', tone: 'ok' },
    [html`reports to ${tlsRpt.rua.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r}</code>`)}`],
    null,
  );
}

export function spfRow(spf: Spf | null): SafeHtml | null {
  if (spf === null) return null;
  if (spf.status === 'none')
    return row(
      'SPF',
      'spf',
      { text: 'none', tone: 'warn' },
      ['No v=spf1 record: receivers cannot tell which hosts may send for this domain.'],
      null,
    );
  const lookups = spf.lookups === null || spf.lookups === undefined ? null : `${spf.lookups} of 10 DNS lookups`;
  const others = spf.status === 'valid' && spf.otherSenders ? describeSpfOtherSenders(spf.otherSenders) : null;
  return row('SPF', 'spf', spfStatus(spf), [record(spf.record), others?.words ?? null, lookups], spf.error);
}

/**
 * A valid record that lets every host pass protects nothing (bad), one neutral about the hosts it does not list
 * little (warn): said beside "valid" in words too, which reads as good whatever its colour.
 */
function spfStatus(spf: Spf): StatusTag {
  if (spf.status === 'temperror') return { text: spf.status, tone: 'warn' };
  if (spf.status !== 'valid') return { text: spf.status, tone: 'bad' };
  if (spf.otherSenders === 'pass') return { text: spf.status, tone: 'bad', aside: 'anyone passes' };
  if (spf.otherSenders === 'neutral') return { text: spf.status, tone: 'warn', aside: 'others neutral' };
  return { text: spf.status, tone: 'ok' };
}

export function dmarcRow(dmarc: Dmarc | null): SafeHtml | null {
  if (dmarc === null) return null;
  if (dmarc.status === 'none')
    return row(
      'DMARC',
      'dmarc',
      { text: 'none', tone: 'warn' },
      ['No _dmarc record, here or at the organizational domain.'],
      null,
    );
  const where = dmarc.foundAt ? html`<span class="legend">found at ${dmarc.foundAt}</span>` : null;
  if (dmarc.status === 'invalid') {
    // RFC 7489 6.6.3 step 6: a record with a valid rua but no usable p is still applied, as p=none.
    const applied = dmarc.policy ? `receivers apply it as p=${dmarc.policy}` : null;
    return row('DMARC', 'dmarc', { text: 'invalid', tone: 'bad' }, [record(dmarc.record), applied, where], dmarc.error);
  }
  const extras = [
    dmarc.subdomainPolicy ? `sp=${dmarc.subdomainPolicy}` : null,
    dmarc.pct !== null && dmarc.pct !== undefined ? `pct=${dmarc.pct}` : null,
  ].filter((x): x is string => x !== null);
  return row(
    'DMARC',
    'dmarc',
    { text: `valid, p=${dmarc.policy ?? '?'}`, tone: dmarc.policy === 'none' ? 'warn' : 'ok' },
    [record(dmarc.record), extras.length > 0 ? extras.join(' · ') : null, where, unauthorizedReports(dmarc)],
    null,
  );
}

/** RFC 7489 7.1: report destinations outside the domain's organization that did not say they take its reports. */
function unauthorizedReports(dmarc: Dmarc): DetailLine {
  const uris = dmarc.ruaUnauthorized ?? [];
  if (uris.length === 0) return null;
  const policyDomain = dmarc.foundAt?.replace(/^_dmarc\./, '') ?? 'this domain';
  return html`<span class="tag warn">reports go nowhere</span> ${uris.map(
      (uri, i) => html`${i > 0 ? ', ' : ''}<span class="mono">${uri}</span>`,
    )}:
    outside the domain's organization, and the destination publishes no <code>v=DMARC1</code> record at
    <span class="mono">${policyDomain}._report._dmarc.&lt;its domain&gt;</span> to take them (RFC 7489 7.1), so receivers send
    nothing there.`;
}

/** A row whose words were written for its mechanism (DNSSEC, DANE), in the table's shape. */
function explainedRow(key: string, row: SecurityRow | null): SafeHtml | null {
  if (row === null) return null;
  return html`<tr data-security="${key}" data-status="${row.tag.text}">
    <td>${row.label}</td>
    <td>${toneTag(row.tag.text, row.tag.tone)}</td>
    <td>${row.words}</td>
  </tr>`;
}
