import type { CheckResult, Dmarc, MtaSts, Spf, TlsRpt } from '@mxv/schema';
import { explainPolicyError } from './explain-policy-error.js';
import { html, type SafeHtml } from './html.js';

/**
 * The "Mail security" section of the lookup page: one row per mechanism that
 * was checked (one function each), its status as a tag, what it says, and a
 * failure in plain words. Every value is escaped by `html` (records come from DNS).
 */
export function renderSecurity(result: Pick<CheckResult, 'security'>): SafeHtml | '' {
  const { security } = result;
  const rows = [mtaStsRow(security.mtaSts), tlsRptRow(security.tlsRpt), spfRow(security.spf), dmarcRow(security.dmarc)].filter(
    (row): row is SafeHtml => row !== null,
  );
  if (rows.length === 0) return '';
  return html`<h2>Mail security</h2>
    <div class="scroll">
      <table id="security-table">
        <thead>
          <tr>
            <th>Mechanism</th>
            <th>Status</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>`;
}

type Tone = 'ok' | 'warn' | 'bad' | '';

function row(
  mechanism: string,
  key: string,
  status: string,
  tone: Tone,
  details: SafeHtml | string,
  error: string | null,
): SafeHtml {
  const words = error === null ? null : explainPolicyError(error);
  return html`<tr data-security="${key}" data-status="${status}">
    <td>${mechanism}</td>
    <td><span class="tag ${tone}">${status}</span></td>
    <td>${details}${error === null ? '' : html`<br /><code>${error}</code>${words === null ? '' : html` ${words}`}`}</td>
  </tr>`;
}

function record(text: string | null): SafeHtml | string {
  return text === null ? '' : html`<span class="mono">${text}</span>`;
}

export function mtaStsRow(mtaSts: MtaSts | null): SafeHtml | null {
  if (mtaSts === null) return null;
  if (mtaSts.status === 'none')
    return row('MTA-STS', 'mta-sts', 'none', 'warn', 'No _mta-sts TXT record: senders may deliver without verified TLS.', null);
  if (mtaSts.status === 'invalid') {
    return row('MTA-STS', 'mta-sts', 'invalid', 'bad', mtaSts.id ? html`policy id <code>${mtaSts.id}</code>` : '', mtaSts.error);
  }
  const tone: Tone = mtaSts.mode === 'enforce' ? 'ok' : 'warn';
  return row(
    'MTA-STS',
    'mta-sts',
    `valid, ${mtaSts.mode ?? '?'}`,
    tone,
    html`mx ${mtaSts.mx.map((m, i) => html`${i > 0 ? ', ' : ''}<code>${m}</code>`)} · max_age ${mtaSts.maxAge ?? '?'} s · id
      <code>${mtaSts.id ?? ''}</code>`,
    null,
  );
}

export function tlsRptRow(tlsRpt: TlsRpt | null): SafeHtml | null {
  if (tlsRpt === null) return null;
  if (tlsRpt.status === 'none')
    return row('TLS-RPT', 'tls-rpt', 'none', '', 'No _smtp._tls record: nobody receives TLS failure reports.', null);
  if (tlsRpt.status === 'invalid') return row('TLS-RPT', 'tls-rpt', 'invalid', 'bad', '', tlsRpt.error);
  return row(
    'TLS-RPT',
    'tls-rpt',
    'valid',
    'ok',
    html`reports to ${tlsRpt.rua.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r}</code>`)}`,
    null,
  );
}

export function spfRow(spf: Spf | null): SafeHtml | null {
  if (spf === null) return null;
  if (spf.status === 'none')
    return row(
      'SPF',
      'spf',
      'none',
      'warn',
      'No v=spf1 record: receivers cannot tell which hosts may send for this domain.',
      null,
    );
  const lookups = spf.lookups === null || spf.lookups === undefined ? '' : html`<br />${spf.lookups} of 10 DNS lookups`;
  const tone: Tone = spf.status === 'valid' ? 'ok' : spf.status === 'temperror' ? 'warn' : 'bad';
  return row('SPF', 'spf', spf.status, tone, html`${record(spf.record)}${lookups}`, spf.error);
}

export function dmarcRow(dmarc: Dmarc | null): SafeHtml | null {
  if (dmarc === null) return null;
  if (dmarc.status === 'none')
    return row('DMARC', 'dmarc', 'none', 'warn', 'No _dmarc record, here or at the organizational domain.', null);
  const where = dmarc.foundAt ? html`<br /><span class="legend">found at ${dmarc.foundAt}</span>` : '';
  if (dmarc.status === 'invalid')
    return row('DMARC', 'dmarc', 'invalid', 'bad', html`${record(dmarc.record)}${where}`, dmarc.error);
  const extras = [
    dmarc.subdomainPolicy ? `sp=${dmarc.subdomainPolicy}` : null,
    dmarc.pct !== null && dmarc.pct !== undefined ? `pct=${dmarc.pct}` : null,
  ].filter((x): x is string => x !== null);
  return row(
    'DMARC',
    'dmarc',
    `valid, p=${dmarc.policy ?? '?'}`,
    dmarc.policy === 'none' ? 'warn' : 'ok',
    html`${record(dmarc.record)}${extras.length > 0 ? html`<br />${extras.join(' · ')}` : ''}${where}`,
    null,
  );
}
