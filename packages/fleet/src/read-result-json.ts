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

const CHECKED_AT_KEY = Buffer.from('"checkedAt":"');

/**
 * The stored result's bytes, as they are in Redis: the API's hot path sends
 * them on without a UTF-8 decode and re-encode of the whole result.
 */
export async function readResultBytes(redis: Redis, keys: FleetKeys, domain: string): Promise<Buffer | null> {
  return redis.getBuffer(keys.result(domain));
}

/** checkedAt of a stored result's bytes (see checkedAtOfJson), or null. */
export function checkedAtOfBytes(raw: Buffer): string | null {
  const at = raw.indexOf(CHECKED_AT_KEY);
  if (at < 0) return null;
  const start = at + CHECKED_AT_KEY.length;
  const end = raw.indexOf(0x22, start);
  return end > start ? raw.toString('utf8', start, end) : null;
}
