import { SHARDS_BOUND } from './bounds.js';
import { CLUSTER_SLOTS, keySlot } from './key-slot.js';

/**
 * The verify queue's shards (README "Redis key layout", "Queue shards").
 *
 * Shard 0 keeps the prefix a fleet without shards always had, `{<prefix>}`, so
 * a 1-shard fleet is unchanged. The other shards' tags are chosen so that the
 * N shards sit in N different N-ths of the slot space: `redis-cli --cluster
 * create` gives each of M masters one contiguous M-th, so with N = M every
 * shard lands on its own master. Shard i > 0 takes the first of
 * `<prefix>/s<i>`, `<prefix>/s<i>-1`, `<prefix>/s<i>-2`, ... whose slot falls in
 * the middle half of the N-th that follows shard 0's by i (the middle, so a
 * slightly uneven allocation still holds). "/" cannot appear in a prefix, so no
 * other fleet's tag can equal a shard's.
 */
export function shardPrefixes(prefix: string, shardCount: number): string[] {
  if (!(Number.isInteger(shardCount) && shardCount >= SHARDS_BOUND.min && shardCount <= SHARDS_BOUND.max)) {
    throw new Error(`shards must be a whole number from ${SHARDS_BOUND.min} to ${SHARDS_BOUND.max}, got ${shardCount}`);
  }
  const width = CLUSTER_SLOTS / shardCount;
  const firstRange = Math.floor(keySlot(prefix) / width);
  const tags = [prefix];
  for (let shard = 1; shard < shardCount; shard++) {
    const range = (firstRange + shard) % shardCount;
    const low = range * width + width / 4;
    const high = range * width + (3 * width) / 4;
    // At least a 1/(2*64) chance per candidate: the loop ends within a few hundred tries.
    for (let attempt = 0; ; attempt++) {
      const tag = attempt === 0 ? `${prefix}/s${shard}` : `${prefix}/s${shard}-${attempt}`;
      const slot = keySlot(tag);
      if (slot >= low && slot < high) {
        tags.push(tag);
        break;
      }
    }
  }
  return tags.map((tag) => `{${tag}}`);
}

/**
 * The shard of a job id (a normalized domain): 32-bit FNV-1a of its bytes,
 * modulo the shard count. Stable across processes and versions (it is part of
 * the fleet's layout): changing it would put a queued domain's duplicate in
 * another shard, where its job id no longer dedups it.
 */
export function shardOfJob(jobId: string, shardCount: number): number {
  if (shardCount === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    // Job ids are normalized domains: ASCII (A-labels), so UTF-16 units are the bytes.
    hash ^= jobId.charCodeAt(i) & 0xff;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}
