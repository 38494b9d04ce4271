import type { CheckResult, HostResult, MxRecord } from '@mxv/schema';
import pc from 'picocolors';
import { renderSecurityLine } from './render-security-line.js';

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

/** The readable terminal form of one result: a headline, the checks, then one row per host. */
export function renderResultTable(result: CheckResult, colors: Colors): string {
  const good = result.verdict === 'ok';
  const soft = result.verdict === 'null_mx';
  const paint = good ? colors.green : soft ? colors.yellow : colors.red;
  const lines: string[] = [];
  const why = result.error ? ` (${result.error})` : '';
  lines.push(
    `${colors.bold(result.domain || JSON.stringify(result.input))}  ${paint(result.verdict)}  ${colors.dim(VERDICT_WORDS[result.verdict] + why)}  ${colors.dim(`${result.durationMs} ms`)}`,
  );
  if (result.verdict === 'invalid') return lines.join('\n');

  const mark = (ok: boolean, label: string): string => (ok ? colors.green(`✓ ${label}`) : colors.red(`✗ ${label}`));
  const c = result.checks;
  lines.push(
    `  ${mark(c.mxExists, 'MX exists')}  ${mark(c.mxResolves, 'resolves')}  ${mark(c.smtpReachable, 'SMTP reachable')}  ${mark(c.bannerValid, 'banner 220')}  ${mark(c.tlsSupported, 'STARTTLS')}`,
  );
  const source =
    result.mx.source === 'implicit'
      ? ' (implicit MX: A/AAAA fallback, RFC 5321 5.1)'
      : result.mx.source === 'null'
        ? ' (null MX)'
        : '';
  lines.push(
    colors.dim(
      `  MX ${result.mx.dns}${source}${result.mx.truncated ? `, ${result.mx.totalRecords} records, first ${result.mx.records.length} shown` : ''}`,
    ),
  );

  const securityLine = renderSecurityLine(result, colors);
  if (securityLine !== null) lines.push(securityLine);

  const rows: string[][] = [['PRI', 'EXCHANGE', 'ADDRESS', 'CONNECT', 'BANNER', 'STARTTLS', 'TLS', 'ms']];
  for (const record of result.mx.records) {
    const hosts = result.hosts.filter((host) => host.exchange === record.exchange && host.priority === record.priority);
    if (hosts.length === 0) {
      rows.push([String(record.priority), record.exchange, colors.red(problemText(record)), '', '', '', '', '']);
      continue;
    }
    for (const host of hosts) rows.push(hostRow(host, record, colors));
  }
  if (rows.length > 1) lines.push(...formatColumns(rows).map((row, i) => (i === 0 ? colors.dim(`  ${row}`) : `  ${row}`)));
  return lines.join('\n');
}

function problemText(record: MxRecord): string {
  return record.problems.length > 0 ? record.problems.join(', ') : 'not probed';
}

function hostRow(host: HostResult, record: MxRecord, colors: Colors): string[] {
  const connect =
    host.connect === 'ok' ? colors.green('ok') : host.connect === 'blocked' ? colors.yellow('blocked') : colors.red(host.connect);
  const banner = host.banner ? (host.banner.code === 220 ? colors.green('220') : colors.red(String(host.banner.code))) : '';
  const starttls =
    host.starttls === 'ok' ? colors.green('ok') : host.starttls === 'not_tried' ? colors.dim('-') : colors.yellow(host.starttls);
  const exchange =
    record.problems.length > 0 ? `${host.exchange} ${colors.yellow(`(${record.problems.join(',')})`)}` : host.exchange;
  return [
    String(host.priority),
    exchange,
    host.ip,
    connect,
    banner,
    starttls,
    tlsText(host, colors),
    String(host.timingsMs.total),
  ];
}

function tlsText(host: HostResult, colors: Colors): string {
  const tls = host.tls;
  if (!tls) return host.error ? colors.red(host.error) : '';
  const parts = [tls.version ?? '?'];
  parts.push(tls.certValid ? colors.green('cert ok') : colors.red(`cert ${tls.error ?? 'invalid'}`));
  parts.push(tls.hostnameMatch ? colors.green('name ok') : colors.red('name mismatch'));
  // RFC 8461 4: the exchange is in the domain's MTA-STS policy and its certificate is valid for it.
  if (host.mtaSts !== null) parts.push(host.mtaSts === 'pass' ? colors.green('sts ok') : colors.red('sts fail'));
  if (tls.notAfter) {
    const days = Math.floor((Date.parse(tls.notAfter) - Date.now()) / 86_400_000);
    parts.push(days < 0 ? colors.red(`expired ${-days}d ago`) : days < 14 ? colors.yellow(`${days}d left`) : `${days}d left`);
  }
  const suffix = host.error ? ` ${colors.red(host.error)}` : '';
  return parts.join(' ') + suffix;
}

const ANSI = /\u001b\[[0-9;]*m/g;

function formatColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.replace(ANSI, '').length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - cell.replace(ANSI, '').length)))
      .join('  ')
      .trimEnd(),
  );
}
