import { guardOffFamilies } from '@mxv/probe';

/**
 * The line a probing command prints (check on stderr, the worker in its log)
 * when --allow-net covers a whole address family: the SSRF guard is then off
 * for it, so private, loopback and cloud metadata addresses may be probed.
 * Null when the guard is on. Loaded by the commands' run modules only, never
 * by --help (it needs the engine).
 */
export function guardOffWarning(allowNet: readonly string[]): string | null {
  const families = guardOffFamilies(allowNet);
  if (families.length === 0) return null;
  return `--allow-net covers all of ${families.join(' and ')}: the address guard is off, private, loopback and link-local (cloud metadata) addresses will be probed`;
}
