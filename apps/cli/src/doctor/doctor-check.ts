/**
 * One line of `mxv doctor` (CONTRACT: `{"checks":[{"name","status","detail"}]}`):
 * pass, warn (works, but results may mislead), fail (results would be false),
 * skip (not configured).
 */
export interface DoctorCheck {
  name: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
}

export function doctorCheck(name: string, status: DoctorCheck['status'], detail: string): DoctorCheck {
  return { name, status, detail };
}
