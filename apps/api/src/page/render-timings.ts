import type { HostTimings } from '@mxv/schema';
import { html, type SafeHtml } from './html.js';

/** The phases of a probe in conversation order: the bar's CSS class, the legend's word, the timing it shows. */
const PHASES: ReadonlyArray<{ cls: string; label: string; field: Exclude<keyof HostTimings, 'total'> }> = [
  { cls: 'c', label: 'connect', field: 'connect' },
  { cls: 'b', label: 'greeting', field: 'banner' },
  { cls: 'e', label: 'EHLO', field: 'ehlo' },
  { cls: 't', label: 'TLS', field: 'tls' },
];

/** One host's timings: the total, the phases as one stacked bar, and a legend with each phase's ms. */
export function renderTimings(timings: HostTimings): SafeHtml {
  const total = Math.max(timings.total, 1);
  // SVG geometry rather than style="width:…": the page's CSP allows no inline style attributes.
  let x = 0;
  const rects = PHASES.map(({ cls, field }) => {
    const ms = timings[field];
    if (!ms) return '';
    const width = Math.min(100 - x, (ms / total) * 100);
    const rect = html`<rect class="${cls}" x="${x.toFixed(2)}" y="0" width="${width.toFixed(2)}" height="8"></rect>`;
    x += width;
    return rect;
  });
  return html`<span class="mono">${Math.round(timings.total)} ms total</span>
    <svg class="bars" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">${rects}</svg>
    <div class="legend">
      ${PHASES.map(({ cls, label, field }) => {
        const ms = timings[field];
        return ms !== null && ms !== undefined ? html`<i class="${cls}"></i>${label} ${Math.round(ms)} ms` : '';
      })}
    </div>`;
}
