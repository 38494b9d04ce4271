import type { Redis } from 'ioredis';
import type { FleetKeys } from './redis-keys.js';

/**
 * The stored result of a domain as the JSON text workers wrote (ResultStore.write
 * validated it against the schema then), or null. The API serves this text as
 * it is: parsing and re-serializing a result per request would cost more than
 * the read itself.
 */
export async function readResultJson(redis: Redis, keys: FleetKeys, domain: string): Promise<string | null> {
  const raw = await redis.get(keys.result(domain));
  return typeof raw === 'string' ? raw : null;
}

/** checkedAt of a stored result's JSON (the top-level key is the only one of that name), or null. */
export function checkedAtOfJson(raw: string): string | null {
  const match = /"checkedAt":"([^"]+)"/.exec(raw);
  return match?.[1] ?? null;
}
