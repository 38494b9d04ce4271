import { randomInt } from 'node:crypto';

/**
 * A random /16 inside 127.0.0.0/8 ("127.A"), so test files running in parallel
 * (vitest forks) and a developer's own `serve-world` do not pick the same
 * addresses. 127.0.x is left alone: that is where ordinary local services live.
 */
export function randomIpBlock(): string {
  return `127.${randomInt(1, 255)}`;
}

/**
 * The n-th host address (0-based) of a block. A "127.A" block holds 254 × 254
 * hosts (127.A.1.1 … 127.A.254.254: no .0 or .255, which some tools treat as
 * network or broadcast addresses even on loopback); a "127.A.B" block holds 254.
 */
export function blockAddress(block: string, n: number): string {
  const parts = block.split('.');
  if (parts.length === 3) {
    if (n < 0 || n >= 254) throw new RangeError(`block ${block} holds 254 addresses, asked for #${n}`);
    return `${block}.${n + 1}`;
  }
  if (parts.length !== 2) throw new RangeError(`ipBlock must look like "127.A" or "127.A.B", got "${block}"`);
  if (n < 0 || n >= 254 * 254) throw new RangeError(`block ${block} holds ${254 * 254} addresses, asked for #${n}`);
  return `${block}.${Math.floor(n / 254) + 1}.${(n % 254) + 1}`;
}
