import { html, type SafeHtml } from './html.js';

/** A table of the page that a phone shows one block per row, each cell under its column's name. */
export interface StackedTable {
  id: string;
  columns: readonly string[];
}

// Defined here rather than beside their renderers: the stylesheet names the columns too, and
// render-domain-page imports the stylesheet (through the layout), which would make a cycle.
export const MX_TABLE: StackedTable = { id: 'mx-table', columns: ['Priority', 'Exchange', 'Addresses', 'Problems'] };
export const SECURITY_TABLE: StackedTable = { id: 'security-table', columns: ['Mechanism', 'Status', 'Details'] };

/** Below this width a stacked table's rows become blocks: at 320 px its last column was off-screen. */
export const STACK_BELOW_PX = 560;

/** The header row, from the same names the phone layout shows beside each cell. */
export function tableHead(table: StackedTable): SafeHtml {
  return html`<thead>
    <tr>
      ${table.columns.map((column) => html`<th scope="col">${column}</th>`)}
    </tr>
  </thead>`;
}

/**
 * A table in a box that scrolls sideways when the table is wider than the screen. Focusable, so that a
 * keyboard can scroll it too (WCAG 2.1.1, axe's scrollable-region-focusable), and so named: a focusable
 * box is announced, and "region" says what it is.
 */
export function scrollRegion(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="scroll" tabindex="0" role="region" aria-label="${label}">${table}</div>`;
}

/**
 * The phone layout of the stacked tables: rows as blocks, each cell on its own line under its column's
 * name (the labels come from the stylesheet by position, so a cell's markup stays plain `<td>`), the
 * header row kept for screen readers only, and long names wrapped rather than kept on one line.
 */
export function stackedTableCss(tables: readonly StackedTable[]): string {
  const each = (part: string): string => tables.map((table) => `#${table.id} ${part}`).join(',');
  const labels = tables.flatMap((table) =>
    table.columns.map((column, index) => `#${table.id} td:nth-child(${index + 1})::before{content:${JSON.stringify(column)}}`),
  );
  return [
    `@media (max-width:${STACK_BELOW_PX}px){`,
    `${tables.map((table) => `#${table.id}`).join(',')},${each('tbody')},${each('tr')},${each('td')}{display:block}`,
    `${each('thead')}{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`,
    `${each('tr')}{padding:8px 0;border-bottom:1px solid var(--line)}`,
    `${each('tr:last-child')}{border-bottom:0}`,
    `${each('td')}{padding:2px 12px;border-bottom:0}`,
    `${each('td.mono')}{white-space:normal}`,
    `${each('td::before')}{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-family:system-ui,sans-serif;font-weight:600}`,
    ...labels,
    '}',
  ].join('\n');
}
