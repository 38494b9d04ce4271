import type { CheckResult } from '@mxv/schema';
import { html, type SafeHtml } from './html.js';
import { renderHostCard } from './render-host-card.js';
import { scrollRegion } from './table-layout.js';

/**
 * The "Submission" block: the RFC 6186 services the domain advertises (SRV
 * `_submission._tcp`, STARTTLS; `_submissions._tcp`, implicit TLS, RFC 8314)
 * and a card for each of their probed hosts. Nothing when the check was not run.
 */
export function renderSubmission(result: CheckResult, now: number): SafeHtml | string {
  const services = result.submission;
  if (services === null) return '';
  if (services.length === 0) {
    return html`<h2>Submission</h2>
      <p class="sub" id="submission">
        No mail submission service advertised (no <code>_submission._tcp</code> or <code>_submissions._tcp</code> SRV record).
      </p>`;
  }
  const hosts = result.hosts.filter((host) => host.service !== undefined);
  return html`<h2>Submission</h2>
    <p class="sub">Where this domain’s users send mail from (RFC 6186 SRV); not part of the verdict.</p>
    ${scrollRegion(
      'Submission services',
      html`<table id="submission">
        <thead>
          <tr>
            <th>Service</th>
            <th>Target</th>
            <th>Port</th>
            <th>TLS</th>
            <th>Priority</th>
            <th>Weight</th>
          </tr>
        </thead>
        <tbody>
          ${services.map(
            (s) =>
              html`<tr>
                <td><code>${s.service}</code></td>
                <td class="mono">${s.target}</td>
                <td>${s.port}</td>
                <td>${s.service === 'submissions' ? 'implicit TLS' : 'STARTTLS'}</td>
                <td>${s.priority}</td>
                <td>${s.weight}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
    )}
    ${hosts.length > 0 ? html`<div class="hosts">${hosts.map((h) => renderHostCard(h, now))}</div>` : ''}`;
}
