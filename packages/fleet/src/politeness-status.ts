import type { FleetRedis } from './redis-connection.js';
import { BUSIEST_GROUPS_SHOWN } from './bounds.js';
import type { FleetKeys } from './redis-keys.js';

/** One group as `mxv status` shows it. */
export interface BusyGroup {
  scope: 'provider' | 'network';
  /** `google.com`, `198.51.100.0/24`, `2001:db8:1::/48`. */
  group: string;
  /** Connections granted to the group in this wall-clock minute and the one before (1 to 2 minutes). */
  grants: number;
  /** Connections open to the group now (unexpired leases). */
  open: number;
  /** End of its back-off (ISO time), null when it is not backed off. */
  backedOffUntil: string | null;
}

export interface PolitenessStatus {
  /** Provider and network groups slowed down now after a sign of pressure. */
  groupsInBackoff: number;
  /** The busiest groups by grants, most first, at most BUSIEST_GROUPS_SHOWN. */
  busiestGroups: BusyGroup[];
}

/**
 * The busiest groups, read without SCAN: the acquire script counts each grant
 * in a ZSET per wall-clock minute (group -> grants), so the top of this
 * minute's and the last minute's are two ZREVRANGEs; their union (at most
 * twice the shown count) is then scored exactly with one pipeline. A group that
 * is in neither top list but would be in the top of the sum is missed: a close
 * second in both minutes; the ranking is of the busiest, not a census.
 * Ended back-offs are trimmed from their index as a side effect.
 */
export async function readPolitenessStatus(
  redis: FleetRedis,
  keys: FleetKeys,
  now = Date.now(),
  shown = BUSIEST_GROUPS_SHOWN,
): Promise<PolitenessStatus> {
  const minute = Math.floor(now / 60_000);
  const current = keys.groupGrants(minute);
  const previous = keys.groupGrants(minute - 1);
  const first = await redis
    .pipeline()
    .zremrangebyscore(keys.groupBackoffIndex, '-inf', now)
    .zcard(keys.groupBackoffIndex)
    .zrevrange(current, 0, shown - 1)
    .zrevrange(previous, 0, shown - 1)
    .exec();
  const replies = first ?? [];
  const value = (index: number): unknown => {
    const [error, reply] = replies[index] ?? [null, null];
    if (error) throw error;
    return reply;
  };
  const candidates = [...new Set([...((value(2) as string[] | null) ?? []), ...((value(3) as string[] | null) ?? [])])];
  const groups = candidates.flatMap((member) => {
    const parsed = parseMember(member);
    return parsed === null ? [] : [{ member, ...parsed }];
  });
  const second = redis.pipeline();
  for (const g of groups) {
    second.zscore(current, g.member);
    second.zscore(previous, g.member);
    second.zcount(keys.politeLeases(g.scope, g.group), now, '+inf');
    second.zscore(keys.groupBackoffIndex, g.member);
  }
  const scores = groups.length > 0 ? ((await second.exec()) ?? []) : [];
  const at = (index: number): number | null => {
    const [error, reply] = scores[index] ?? [null, null];
    if (error) throw error;
    return reply === null || reply === undefined ? null : Number(reply);
  };
  const busiest = groups.map((g, i): BusyGroup => {
    const until = at(4 * i + 3);
    return {
      scope: g.scope,
      group: g.group,
      grants: (at(4 * i) ?? 0) + (at(4 * i + 1) ?? 0),
      open: at(4 * i + 2) ?? 0,
      backedOffUntil: until === null || until <= now ? null : new Date(until).toISOString(),
    };
  });
  busiest.sort((a, b) => b.grants - a.grants || b.open - a.open || a.group.localeCompare(b.group));
  return { groupsInBackoff: Number(value(1) ?? 0), busiestGroups: busiest.slice(0, shown) };
}

/** "provider:google.com" -> its scope and group; anything else (not written by this version) is skipped. */
function parseMember(member: string): { scope: 'provider' | 'network'; group: string } | null {
  const colon = member.indexOf(':');
  const scope = member.slice(0, colon);
  const group = member.slice(colon + 1);
  if (colon <= 0 || group === '') return null;
  return scope === 'provider' || scope === 'network' ? { scope, group } : null;
}
