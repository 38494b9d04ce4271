import { describeExtendedDnsError, type CheckResult, type HostDane } from '@mxv/schema';
import { html, type SafeHtml } from './html.js';

/** One row of the "Mail security" card: the mechanism, its state as a tag, and what it means in plain words. */
interface SecurityRow {
  label: string;
  tag: { text: string; tone: 'ok' | 'bad' | 'warn' | '' };
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

/** What a DANE reason means for the people who run the mail host. */
function daneReasonWords(reason: string | null): SafeHtml {
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
  const explaining = result.hosts.find(
    (host) => host.dane !== null && host.dane.status !== 'pass' && host.dane.status !== 'none',
  );
  switch (state) {
    case 'pass':
      return {
        label,
        tag: DANE_TAGS.pass,
        words: html`Every host with DNSSEC-signed TLSA records presents a certificate they match: DANE senders authenticate it.`,
      };
    case 'none':
      return { label, tag: DANE_TAGS.none, words: html`No host publishes TLSA records: DANE is not in use.` };
    case 'not_applicable':
    case 'fail':
      return {
        label,
        tag: { ...DANE_TAGS[state === 'fail' ? 'fail' : 'not_applicable'] },
        words: explaining?.dane
          ? html`<span class="mono">${explaining.exchange}</span>:
              ${explaining.dane.status === 'dns_error' ? html`the TLSA question failed (<code>${explaining.dane.reason ?? ''}</code>); a sender must not deliver to a host whose TLSA it cannot read.` : daneReasonWords(explaining.dane.reason)}`
          : html``,
      };
  }
};

/** The rows in the order the card shows them; another mechanism is one more renderer here. */
const ROWS: readonly RowRenderer[] = [dnssecRow, daneRow];

/** The "Mail security" section of the lookup page, or nothing when no security check ran. */
export function renderSecurity(result: CheckResult): SafeHtml | '' {
  const rows = ROWS.map((render) => render(result)).filter((row): row is SecurityRow => row !== null);
  if (rows.length === 0) return '';
  return html`<h2>Mail security</h2>
    <section class="card" aria-label="mail security">
      <dl class="kv">
        ${rows.map(
          (row) =>
            html`<dt>${row.label}</dt>
              <dd data-security="${row.label}"><span class="tag ${row.tag.tone}">${row.tag.text}</span> ${row.words}</dd>`,
        )}
      </dl>
    </section>`;
}

/** DANE of one host, for its card: the status, the reason in words, and the TLSA records. */
export function renderHostDane(dane: HostDane): SafeHtml {
  const tag = DANE_TAGS[dane.status];
  const records = dane.tlsa.map((record) => {
    const data = record.data.length > 24 ? `${record.data.slice(0, 24)}…` : record.data;
    return html`<br /><span class="mono">${`${record.usage} ${record.selector} ${record.matchingType} ${data}`}</span>`;
  });
  return html`<span class="tag ${tag.tone}">${tag.text}</span>
    ${dane.status === 'pass' || dane.status === 'none' ? '' : daneReasonWords(dane.reason)}${records}`;
}
