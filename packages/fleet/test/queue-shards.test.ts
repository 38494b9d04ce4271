import { describe, expect, it } from 'vitest';
import { SHARDS_BOUND } from '../src/bounds.js';
import { hashTagOf, keySlot } from '../src/key-slot.js';
import { shardOfJob, shardPrefixes } from '../src/queue-shards.js';
import { fleetKeys } from '../src/redis-keys.js';
import { concurrencyShares } from '../src/verify-worker.js';

describe('keySlot', () => {
  // Redis Cluster specification: CRC16 of "123456789" is 0x31C3; the others from CLUSTER KEYSLOT.
  it.each([
    ['123456789', 12_739],
    ['foo', 12_182],
    ['mxv', 1_691],
    ['{mxv}:verify:wait', 1_691],
    ['a{}b', keySlot('a{}b')],
    ['user{1000}.following', keySlot('1000')],
  ])('%s -> %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('takes the hash tag as the spec says: the first {...}, when not empty', () => {
    expect(hashTagOf('a{b}c{d}')).toBe('b');
    expect(hashTagOf('a{}b{c}')).toBe('a{}b{c}');
    expect(hashTagOf('a{b')).toBe('a{b');
    expect(hashTagOf('{{x}}')).toBe('{x');
  });
});

describe('queue shards', () => {
  it('a fleet without shards keeps its one queue {prefix}', () => {
    const keys = fleetKeys('mxv');
    expect(keys.shardCount).toBe(1);
    expect(keys.shardPrefixes).toEqual(['{mxv}']);
    expect(keys.job('example.test')).toBe('{mxv}:verify:example.test');
    expect(keys.shardOf('example.test')).toBe(0);
  });

  it('shard 0 stays {prefix}; the tags of N shards sit in N different N-ths of the slot space', () => {
    for (const prefix of ['mxv', 'fleet-a', 'x', 'prod.eu_1']) {
      for (const shards of [2, 3, 4, 5, 8, 16, SHARDS_BOUND.max]) {
        const prefixes = shardPrefixes(prefix, shards);
        expect(prefixes).toHaveLength(shards);
        expect(prefixes[0]).toBe(`{${prefix}}`);
        const ranges = prefixes.map((tag) => Math.floor(keySlot(tag) / (16_384 / shards)));
        expect(new Set(ranges).size, `${prefix} x ${shards}`).toBe(shards);
        // Stable: every process computes the same tags.
        expect(shardPrefixes(prefix, shards)).toEqual(prefixes);
      }
    }
  });

  it('three shards of "mxv" land on the three masters redis-cli --cluster create makes (0-5460, 5461-10922, 10923-16383)', () => {
    const masters = fleetKeys('mxv', 3).shardPrefixes.map((tag) => {
      const slot = keySlot(tag);
      return slot <= 5_460 ? 0 : slot <= 10_922 ? 1 : 2;
    });
    expect(new Set(masters).size).toBe(3);
  });

  it('places a domain by a stable hash, spread evenly, its job key in its shard', () => {
    const keys = fleetKeys('mxv', 4);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) {
      const domain = `d${i}.example`;
      const shard = keys.shardOf(domain);
      counts[shard] = (counts[shard] ?? 0) + 1;
      expect(keys.job(domain)).toBe(`${keys.shardPrefixes[shard]}:verify:${domain}`);
    }
    for (const count of counts) expect(Math.abs(count - 5_000)).toBeLessThan(250);
    // Pinned values (32-bit FNV-1a, checked against another implementation): the placement is part of
    // the stored layout, and a change would split a queued domain from its duplicates.
    expect([shardOfJob('example.com', 3), shardOfJob('gmail.com', 3), shardOfJob('a.test', 7)]).toEqual([2, 1, 6]);
    expect(fleetKeys('mxv', 3).shardPrefixes).toEqual(['{mxv}', '{mxv/s1-2}', '{mxv/s2-19}']);
  });

  it('refuses a shard count outside its bound', () => {
    expect(() => fleetKeys('mxv', 0)).toThrow(/shards must be/);
    expect(() => fleetKeys('mxv', SHARDS_BOUND.max + 1)).toThrow(/shards must be/);
    expect(() => fleetKeys('mxv', 1.5)).toThrow(/shards must be/);
  });

  it('splits a worker concurrency over the shards, the total exactly the concurrency', () => {
    expect(concurrencyShares(200, 1)).toEqual([200]);
    expect(concurrencyShares(200, 3)).toEqual([67, 67, 66]);
    expect(concurrencyShares(3, 3)).toEqual([1, 1, 1]);
    for (const [concurrency, shards] of [
      [10_000, 64],
      [7, 5],
      [64, 64],
    ] as const) {
      const shares = concurrencyShares(concurrency, shards);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(concurrency);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });
});
