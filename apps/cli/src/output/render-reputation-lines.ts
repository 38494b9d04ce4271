import type { CheckResult, DnsblEntry, HostPtr } from '@mxv/schema';
import { greetingNameUnlikePtr } from '@mxv/schema/values';
import type pc from 'picocolors';

export type ReputationColors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'dim'>;

/**
 * The `check` table's reputation block: one compact line per distinct mail
 * host address (PTR and block lists are facts of the address, not of the port
 * or the exchange name), e.g. `127.1.0.2  PTR mx.example.test ✓ FCrDNS · bl.test listed 127.0.0.2`,
 * and the name the address greets with when it is none of its PTR names (dim: a fact, no fault).
 * Nothing when neither check ran.
 */
export function renderReputationLines(result: CheckResult, colors: ReputationColors): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const host of result.hosts) {
    if (seen.has(host.ip) || (host.ptr === null && host.dnsbl === null)) continue;
    seen.add(host.ip);
    const greetsAs = greetingNameUnlikePtr(host);
    const parts = [
      ...(host.ptr ? [ptrText(host.ptr, colors)] : []),
      ...(greetsAs === null ? [] : [colors.dim(`greets as ${greetsAs}`)]),
      ...(host.dnsbl ?? []).map((entry) => dnsblText(entry, colors)),
    ];
    if (parts.length > 0) lines.push(`  ${colors.dim(host.ip)}  ${parts.join(colors.dim(' · '))}`);
  }
  return lines;
}

function ptrText(ptr: HostPtr, colors: ReputationColors): string {
  if (ptr.fcrdns === 'none') return colors.yellow('no PTR');
  const names = ptr.names.length > 0 ? `PTR ${ptr.names[0]}${ptr.names.length > 1 ? ` +${ptr.names.length - 1}` : ''} ` : 'PTR ';
  if (ptr.fcrdns === 'pass') return `${names}${colors.green('FCrDNS pass')}`;
  if (ptr.fcrdns === 'fail') return `${names}${colors.red('FCrDNS fail')}`;
  return `${names}${colors.yellow('FCrDNS dns_error')}`;
}

function dnsblText(entry: DnsblEntry, colors: ReputationColors): string {
  if (entry.status === 'not_listed') return colors.green(`${entry.zone} not listed`);
  if (entry.status === 'listed') return colors.red(`${entry.zone} LISTED ${entry.codes.join(',')}`);
  return colors.yellow(`${entry.zone} error${entry.reason ? ` (${entry.reason})` : ''}`);
}
