import { z } from 'zod';
import type { FleetRedis } from '../redis-connection.js';
import type { FleetKeys } from '../redis-keys.js';
import type { ChangeValue } from './result-changes.js';

export { DEFAULT_HISTORY_MAX, HISTORY_MAX_BOUND } from './history-bounds.js';

export const changeValueSchema: z.ZodType<ChangeValue> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string()),
  z.record(
    z.string(),
    z.lazy(() => changeValueSchema),
  ),
]);

export const fieldChangeSchema = z.object({ path: z.string(), from: changeValueSchema, to: changeValueSchema });

/** One entry of a domain's history: when (the new result's checkedAt) and what changed. */
export const changeRecordSchema = z.object({ at: z.string(), changes: z.array(fieldChangeSchema) });
export type ChangeRecord = z.infer<typeof changeRecordSchema>;

/** CONTRACT "History": `mxv history --json` and `GET /v1/domains/{domain}/history`, newest first. */
export const domainHistorySchema = z.object({ domain: z.string(), changes: z.array(changeRecordSchema) });
export type DomainHistory = z.infer<typeof domainHistorySchema>;

/**
 * A domain's history as stored, newest first. An entry that does not parse
 * (written by something else) is skipped rather than served: readers get only
 * the contract's shape.
 */
export async function readHistory(redis: FleetRedis, keys: FleetKeys, domain: string): Promise<DomainHistory> {
  const entries = await redis.lrange(keys.history(domain), 0, -1);
  const changes: ChangeRecord[] = [];
  for (const entry of entries) {
    let json: unknown;
    try {
      json = JSON.parse(entry);
    } catch {
      continue;
    }
    const parsed = changeRecordSchema.safeParse(json);
    if (parsed.success) changes.push(parsed.data);
  }
  return { domain, changes };
}
