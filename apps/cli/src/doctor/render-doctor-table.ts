import type pc from 'picocolors';
import type { DoctorCheck } from './doctor-check.js';

type Colors = Pick<typeof pc, 'green' | 'red' | 'yellow' | 'dim'>;

/** `mxv doctor` on a terminal: one aligned line per check, its status coloured. */
export function renderDoctorTable(checks: readonly DoctorCheck[], colors: Colors): string {
  const paint: Record<DoctorCheck['status'], (text: string) => string> = {
    pass: colors.green,
    warn: colors.yellow,
    fail: colors.red,
    skip: colors.dim,
  };
  const width = Math.max(...checks.map((check) => check.name.length));
  return checks
    .map((check) => `${paint[check.status](check.status.padEnd(4))}  ${check.name.padEnd(width)}  ${check.detail}`)
    .join('\n');
}
