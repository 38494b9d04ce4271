import type { CheckResult } from '@mxv/schema';

/**
 * The fields of one events-stream entry (README "Redis key layout": `mxv:events`),
 * flattened for XADD: every entry names the result it follows (domain, verdict,
 * checkedAt); `type` is absent for a plain result entry (readers default it to
 * `result`, as entries written before types existed), and `extra` carries what
 * a `changed` or `expiring` entry adds.
 */
export function eventEntryFields(
  result: Pick<CheckResult, 'domain' | 'verdict' | 'checkedAt'>,
  type: 'changed' | 'expiring' | null,
  extra: Record<string, string> = {},
): string[] {
  const fields = type === null ? [] : ['type', type];
  fields.push('domain', result.domain, 'verdict', result.verdict, 'checkedAt', result.checkedAt);
  for (const [name, value] of Object.entries(extra)) fields.push(name, value);
  return fields;
}
