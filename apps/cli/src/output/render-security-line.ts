import { describeExtendedDnsError, type CheckResult } from '@mxv/schema';
import type pc from 'picocolors';

export type SecurityColors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'dim'>;

/** One mechanism's part of the line, or null when it was not checked (--checks) and says nothing. */
type Part = (result: CheckResult, colors: SecurityColors) => string | null;

/** DNSSEC of the MX answer: secure (AD), insecure, bogus (with the resolver's reason), unknown. */
export const dnssecPart: Part = (result, colors) => {
  const state = result.mx.dnssec;
  if (state === null) return null;
  const word = `DNSSEC ${state}`;
  if (state === 'secure') return colors.green(word);
  if (state === 'bogus')
    return colors.red(result.mx.dnssecEde ? `${word} (${describeExtendedDnsError(result.mx.dnssecEde)})` : word);
  return state === 'insecure' ? word : colors.dim(word);
};

/** DANE over the hosts, with the first failing host's reason. */
export const danePart: Part = (result, colors) => {
  const state = result.security.dane;
  if (state === null) return null;
  const word = `DANE ${state === 'not_applicable' ? 'n/a (TLSA not DNSSEC-secure)' : state}`;
  if (state === 'pass') return colors.green(word);
  if (state === 'fail') {
    const failed = result.hosts.find((host) => host.dane?.status === 'fail' || host.dane?.status === 'dns_error');
    const reason = failed?.dane?.reason;
    return colors.red(reason ? `${word} (${failed.exchange}: ${reason})` : word);
  }
  return colors.dim(word);
};

/** The mechanisms in the order the line shows them; a new one is one more function here. */
const PARTS: readonly Part[] = [dnssecPart, danePart];

/** The compact per-domain security line of the `mxv check` table, or null when no security check ran. */
export function renderSecurityLine(result: CheckResult, colors: SecurityColors): string | null {
  const parts = PARTS.map((part) => part(result, colors)).filter((part): part is string => part !== null);
  return parts.length > 0 ? `  ${parts.join(colors.dim(' · '))}` : null;
}
