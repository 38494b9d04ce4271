import type { CheckResult, Dmarc, MtaSts, Spf, TlsRpt } from '@mxv/schema';
import { describeExtendedDnsError, describeSpfOtherSenders } from '@mxv/schema/values';
import type pc from 'picocolors';

export type SecurityColors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'dim'>;

/** One mechanism's part of the line, or null when it was not checked (--checks) and says nothing. */
type Part = (result: CheckResult, colors: SecurityColors) => string | null;

/** DNSSEC of the MX answer: secure (AD), insecure, bogus (with the resolver's reason), unknown. */
export const dnssecPart: Part = (result, colors) => {
  const state = result.mx.dnssec;
  // undefined: a result stored by an mxv that had no DNSSEC check.
  if (state === null || state === undefined) return null;
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
  if (state === 'pass') {
    // Authenticated only through an anchor the server leaves out (RFC 7672 3.1.2 asks that it be sent).
    const unsent = result.hosts.find((host) => host.dane?.status === 'pass' && host.dane.hint !== undefined);
    return unsent ? colors.yellow(`${word} (${unsent.exchange}: ${unsent.dane?.hint})`) : colors.green(word);
  }
  if (state === 'fail') {
    const failed = result.hosts.find((host) => host.dane?.status === 'fail' || host.dane?.status === 'dns_error');
    const reason = failed?.dane?.reason;
    // ta_not_sent: the TLSA's trust anchor is missing from the chain the server sends (RFC 7671 5.2.2);
    // weak_signature: it is sent, but a certificate below it is signed over SHA-1 or MD5.
    const hint = failed?.dane?.hint ? `, ${failed.dane.hint}` : '';
    return colors.red(reason ? `${word} (${failed.exchange}: ${reason}${hint})` : word);
  }
  // Not applicable by RFC 7672, but Postfix 3.6+ applies a host's secure TLSA records under an insecure MX anyway.
  const applied =
    result.hosts.find((host) => host.dane?.insecureMx?.status === 'fail') ?? result.hosts.find((host) => host.dane?.insecureMx);
  const anyway = applied?.dane?.insecureMx;
  if (applied && anyway) {
    const said = `DANE n/a (MX not DNSSEC-secure); Postfix 3.6+ uses the TLSA anyway: ${anyway.status}`;
    return anyway.status === 'fail'
      ? colors.red(`${said} (${applied.exchange}: ${anyway.reason ?? ''}${anyway.hint ? `, ${anyway.hint}` : ''})`)
      : colors.dim(said);
  }
  return colors.dim(word);
};

/** The mechanisms in the order the line shows them; a new one is one more function here. */
const PARTS: readonly Part[] = [
  dnssecPart,
  danePart,
  (result, colors) => mtaStsPart(result.security.mtaSts ?? null, colors),
  (result, colors) => tlsRptPart(result.security.tlsRpt ?? null, colors),
  (result, colors) => spfPart(result.security.spf ?? null, colors),
  (result, colors) => dmarcPart(result.security.dmarc ?? null, colors),
];

/** The compact per-domain security line of the `mxv check` table, or null when no security check ran. */
export function renderSecurityLine(result: CheckResult, colors: SecurityColors): string | null {
  const parts = PARTS.map((part) => part(result, colors)).filter((part): part is string => part !== null);
  return parts.length > 0 ? `  ${colors.dim('security')}  ${parts.join(colors.dim(' · '))}` : null;
}

/**
 * A record that could not be looked up (`dns_servfail`, `dns_timeout`) is no invalid record: the words say the
 * lookup failed, so that nobody goes to fix a record that may be fine. Null for any other error.
 */
function lookupFailed(mechanism: string, error: string | null | undefined, colors: SecurityColors): string | null {
  // MTA-STS names its TXT lookup's failure txt_dns_<status>; the other records dns_<status>.
  const failed = /^(?:txt_)?dns_([a-z]+)$/.exec(error ?? '');
  if (failed === null) return null;
  return colors.yellow(`${mechanism} lookup failed (${(failed[1] ?? '').toUpperCase()})`);
}

export function mtaStsPart(mtaSts: MtaSts | null, colors: SecurityColors): string | null {
  if (mtaSts === null) return null;
  if (mtaSts.status === 'none') return colors.dim('MTA-STS none');
  if (mtaSts.status === 'invalid')
    return lookupFailed('MTA-STS', mtaSts.error, colors) ?? colors.red(`MTA-STS invalid (${mtaSts.error ?? '?'})`);
  const mode = mtaSts.mode ?? '?';
  return mode === 'enforce' ? colors.green('MTA-STS enforce') : colors.yellow(`MTA-STS ${mode}`);
}

export function tlsRptPart(tlsRpt: TlsRpt | null, colors: SecurityColors): string | null {
  if (tlsRpt === null) return null;
  if (tlsRpt.status === 'none') return colors.dim('TLS-RPT none');
  if (tlsRpt.status === 'invalid')
    return lookupFailed('TLS-RPT', tlsRpt.error, colors) ?? colors.red(`TLS-RPT invalid (${tlsRpt.error ?? '?'})`);
  return colors.green('TLS-RPT ok');
}

export function spfPart(spf: Spf | null, colors: SecurityColors): string | null {
  if (spf === null) return null;
  if (spf.status === 'none') return colors.yellow('SPF none');
  const lookups =
    spf.lookups === null || spf.lookups === undefined ? null : `${spf.lookups} lookup${spf.lookups === 1 ? '' : 's'}`;
  if (spf.status === 'valid') {
    // What a host the record does not list gets: +all lets forgers pass, neutral says nothing of them.
    const others = spf.otherSenders ? describeSpfOtherSenders(spf.otherSenders) : null;
    const details = [lookups, others?.short].filter((part) => part !== null && part !== undefined);
    // "valid" (the record parses), not "ok": a valid record may still let anyone pass (+all).
    const text = `SPF valid${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    if (spf.otherSenders === 'pass') return colors.red(`${text}: anyone passes`);
    return others !== null && !others.protects ? colors.yellow(text) : colors.green(text);
  }
  // too_many_lookups with its count: how far over the limit of 10 (RFC 7208 4.6.4) says how much to flatten.
  return colors.red(
    `SPF ${spf.status} (${spf.error ?? '?'}${lookups !== null && spf.status === 'permerror' ? `, ${lookups}` : ''})`,
  );
}

export function dmarcPart(dmarc: Dmarc | null, colors: SecurityColors): string | null {
  if (dmarc === null) return null;
  if (dmarc.status === 'none') return colors.yellow('DMARC none');
  if (dmarc.status === 'invalid') {
    const failed = lookupFailed('DMARC', dmarc.error, colors);
    if (failed !== null) return failed;
    const applied = dmarc.policy ? `, applied as p=${dmarc.policy}` : '';
    return colors.red(`DMARC invalid (${dmarc.error ?? '?'}${applied})`);
  }
  const policy = dmarc.policy ?? '?';
  const shown = policy === 'none' ? colors.yellow('DMARC p=none') : colors.green(`DMARC ${policy}`);
  // RFC 7489 7.1: reports to a destination that did not authorize them are never sent.
  const unauthorized = dmarc.ruaUnauthorized?.length ?? 0;
  return unauthorized > 0 ? `${shown} ${colors.yellow(`(${unauthorized} rua not authorized)`)}` : shown;
}
