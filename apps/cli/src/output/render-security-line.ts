import type { CheckResult, Dmarc, MtaSts, Spf, TlsRpt } from '@mxv/schema';
import type pc from 'picocolors';

type Colors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'dim'>;

/**
 * The compact security line of the `mxv check` table: one short part per
 * mechanism that ran (a check not asked for is left out), e.g.
 * `MTA-STS enforce · TLS-RPT ok · SPF ok (4 lookups) · DMARC reject`.
 * One function per mechanism, so each reads its own part of the result.
 */
export function renderSecurityLine(result: Pick<CheckResult, 'security'>, colors: Colors): string | null {
  const { security } = result;
  const parts = [
    mtaStsPart(security.mtaSts, colors),
    tlsRptPart(security.tlsRpt, colors),
    spfPart(security.spf, colors),
    dmarcPart(security.dmarc, colors),
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? null : `  ${colors.dim('security')}  ${parts.join(colors.dim(' · '))}`;
}

export function mtaStsPart(mtaSts: MtaSts | null, colors: Colors): string | null {
  if (mtaSts === null) return null;
  if (mtaSts.status === 'none') return colors.dim('MTA-STS none');
  if (mtaSts.status === 'invalid') return colors.red(`MTA-STS invalid (${mtaSts.error ?? '?'})`);
  const mode = mtaSts.mode ?? '?';
  return mode === 'enforce' ? colors.green('MTA-STS enforce') : colors.yellow(`MTA-STS ${mode}`);
}

export function tlsRptPart(tlsRpt: TlsRpt | null, colors: Colors): string | null {
  if (tlsRpt === null) return null;
  if (tlsRpt.status === 'none') return colors.dim('TLS-RPT none');
  if (tlsRpt.status === 'invalid') return colors.red(`TLS-RPT invalid (${tlsRpt.error ?? '?'})`);
  return colors.green('TLS-RPT ok');
}

export function spfPart(spf: Spf | null, colors: Colors): string | null {
  if (spf === null) return null;
  if (spf.status === 'none') return colors.yellow('SPF none');
  const lookups = spf.lookups === null || spf.lookups === undefined ? '' : ` (${spf.lookups} lookups)`;
  if (spf.status === 'valid') return colors.green(`SPF ok${lookups}`);
  return colors.red(`SPF ${spf.status} (${spf.error ?? '?'})`);
}

export function dmarcPart(dmarc: Dmarc | null, colors: Colors): string | null {
  if (dmarc === null) return null;
  if (dmarc.status === 'none') return colors.yellow('DMARC none');
  if (dmarc.status === 'invalid') return colors.red(`DMARC invalid (${dmarc.error ?? '?'})`);
  const policy = dmarc.policy ?? '?';
  return policy === 'none' ? colors.yellow('DMARC p=none') : colors.green(`DMARC ${policy}`);
}
