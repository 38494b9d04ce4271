import { randomUUID } from 'node:crypto';
import {
  networkGroup,
  politenessGroups,
  type GateDecision,
  type GateTarget,
  type HostProbe,
  type PolitenessGate,
  type PolitenessLimit,
  type PolitenessScope,
} from '@mxv/probe';
import { POLITENESS_BOUNDS } from '@mxv/probe/bounds';
import type { FleetRedis } from './redis-connection.js';
import type { Counter } from 'prom-client';
import { POLITENESS_GROUP_BOUNDS } from './bounds.js';
import type { FleetKeys } from './redis-keys.js';
import { ACQUIRE, BACK_OFF, GROUP_GRANTS_TTL_MS, RELEASE } from './redis-politeness-scripts.js';

/**
 * The gate's decision, a GateDecision with the time of a grant on Redis's clock:
 * the instant the limits were decided at, the same for every worker.
 */
export type RedisGateDecision =
  Extract<GateDecision, { status: 'wait' }> | (Extract<GateDecision, { status: 'granted' }> & { grantedAtMs: number });

/** The limits of one group kind, fleet-wide. */
export interface GroupLimits {
  /** New connections per second to all addresses of one group. */
  connectionsPerSecond: number;
  /** Connections open at once to one group. */
  maxConcurrent: number;
}

export interface RedisPolitenessOptions {
  /** New connections per second to one address, fleet-wide. */
  connectionsPerSecond: number;
  /** Connections open at once to one address, fleet-wide. */
  maxConcurrentPerIp: number;
  /** Addresses of exchanges under one registrable domain (politeness-groups.ts). */
  provider: GroupLimits;
  /** Addresses in one /24 (IPv4) or /48 (IPv6). */
  network: GroupLimits;
  /** A lease lapses after this long if its holder died; must exceed the longest probe (host budget). */
  leaseTtlMs: number;
  /** How long to come back after when the address is at its concurrency cap (no one knows when a slot frees). */
  concurrencyRetryMs: number;
  /** The rate is divided by this while an address (or group) is backed off. */
  backoffFactor: number;
  /** How long a back-off lasts after the last sign of pressure. */
  backoffMs: number;
  /**
   * Slack (ms per second of rate window) kept between the grants: a grant and
   * the SYN it allows are a network trip and an event-loop turn apart, and that
   * delay varies. Spacing R grants over 1000 + slack ms means the destination
   * never sees R + 1 new connections within one second, even when one SYN is
   * late by up to `slack` ms and the next is on time.
   */
  jitterAllowanceMs: number;
  /** Counts each refusal by scope and limit (`mxv_politeness_waits_total`); not counted when absent. */
  waits?: Counter<'scope' | 'limit'> | null;
}

export const DEFAULT_POLITENESS: Omit<RedisPolitenessOptions, 'leaseTtlMs'> = {
  connectionsPerSecond: POLITENESS_BOUNDS.connectionsPerSecond.default,
  maxConcurrentPerIp: POLITENESS_BOUNDS.maxConcurrentPerIp.default,
  provider: {
    connectionsPerSecond: POLITENESS_GROUP_BOUNDS.providerConnectionsPerSecond.default,
    maxConcurrent: POLITENESS_GROUP_BOUNDS.providerMaxConcurrent.default,
  },
  network: {
    connectionsPerSecond: POLITENESS_GROUP_BOUNDS.networkConnectionsPerSecond.default,
    maxConcurrent: POLITENESS_GROUP_BOUNDS.networkMaxConcurrent.default,
  },
  concurrencyRetryMs: 500,
  backoffFactor: 4,
  backoffMs: 10 * 60_000,
  jitterAllowanceMs: 100,
};

/** How many grants a scope allows per window: 1 per 1000 / rate ms for an address, floor(rate) per second for a group. */
interface RateWindow {
  windowMs: number;
  allowance: number;
}

/** One scope a connection counts against: its keys' id, its rate window and cap, its member in the status indexes. */
interface ScopeOfConnection {
  scope: PolitenessScope;
  id: string;
  rate: RateWindow;
  maxOpen: number;
  /** "<scope>:<group>" for a group (the grants and back-off indexes), the address itself for the address. */
  member: string;
}

export type PressureSign = { status: 'pressure'; reason: string } | { status: 'none' };

/**
 * Did this probe see the server push back? A 421 or other 4xx greeting
 * (RFC 5321 4.2.5 / 3.8: "service not available, closing channel") or a
 * connection reset are how busy servers shed load; such a host is slowed down
 * rather than reported as broken for what was our own pressure.
 */
export function pressureSign(probe: Pick<HostProbe, 'banner' | 'error' | 'ehlo'>): PressureSign {
  const code = probe.banner?.code;
  if (code !== undefined && code >= 400 && code < 500) return { status: 'pressure', reason: `greeting_${code}` };
  const ehloCode = probe.ehlo?.code;
  if (ehloCode === 421) return { status: 'pressure', reason: 'ehlo_421' };
  const error = probe.error ?? '';
  if (/tempfail|reset|econnreset|421/i.test(error)) return { status: 'pressure', reason: error };
  return { status: 'none' };
}

/**
 * Fleet-wide politeness per destination address and per group of addresses
 * (provider, network: politeness-groups.ts in the probe), one Lua script per decision.
 *
 * Why our own script rather than rate-limiter-flexible + redis-semaphore: the
 * limits must be decided together. Taken apart, a worker can win a rate token and
 * then lose the semaphore (the token is spent for nothing and the address sees a
 * longer gap than configured), or win the address and then wait on its provider
 * while holding the address's slot. Several libraries also mean several round
 * trips per connection; this is one, and it answers "wait N ms" instead of
 * sleeping, which is what a queue that delays jobs needs.
 *
 * Each scope of a connection (its address, its provider group if it has one, its
 * network group) has the same three keys, and the script checks every scope
 * before it writes any: a grant takes a token of each, a refusal takes none.
 * - Rate: `recent` is a ZSET of the grants of the last window (Redis's own
 *   clock, so workers with skewed clocks agree); a scope allows `allowance`
 *   grants per window. An address allows 1 per 1000 / rate ms: its grants are
 *   spaced. A group allows floor(rate) per second (1 per 1000 / rate ms below
 *   one a second): the few exchanges of one provider that one domain needs can
 *   be probed at once, and the group still never sees more than its rate in
 *   any second.
 * - Concurrency: a ZSET of leases scored by expiry. A worker killed with SIGKILL
 *   never releases its lease; it lapses after `leaseTtlMs` (longer than any probe)
 *   instead of blocking the address for ever.
 * - Back-off: while `backoff` exists, the window is multiplied by its factor,
 *   and no grant comes before its `notBefore`.
 * All of them share one hash tag (redis-keys.ts), so on a Cluster the script's
 * keys are in one slot (the scripts: redis-politeness-scripts.ts).
 */
export class RedisPolitenessGate implements PolitenessGate {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #options: RedisPolitenessOptions;
  readonly #rate: Record<PolitenessScope, RateWindow>;
  readonly #groups = new GroupsMemo();

  constructor(redis: FleetRedis, keys: FleetKeys, options: RedisPolitenessOptions) {
    requireLimits('', options.connectionsPerSecond, options.maxConcurrentPerIp);
    requireLimits('provider.', options.provider.connectionsPerSecond, options.provider.maxConcurrent);
    requireLimits('network.', options.network.connectionsPerSecond, options.network.maxConcurrent);
    if (!(options.backoffFactor >= 1)) throw new Error('backoffFactor must be >= 1');
    this.#redis = redis;
    this.#keys = keys;
    this.#options = options;
    const second = 1000 + options.jitterAllowanceMs;
    this.#rate = {
      address: { windowMs: second / options.connectionsPerSecond, allowance: 1 },
      provider: groupWindow(second, options.provider.connectionsPerSecond),
      network: groupWindow(second, options.network.connectionsPerSecond),
    };
    // ioredis runs these by EVALSHA and falls back to EVAL on NOSCRIPT (a restarted or flushed server).
    redis.defineCommand('mxvPoliteAcquire', { lua: ACQUIRE });
    redis.defineCommand('mxvPoliteRelease', { lua: RELEASE });
    redis.defineCommand('mxvPoliteBackOff', { lua: BACK_OFF });
  }

  async acquire(target: GateTarget): Promise<RedisGateDecision> {
    const scopes = await this.#scopesOf(target);
    const token = randomUUID();
    const keys = [this.#keys.groupGrants(Math.floor(Date.now() / 60_000))];
    const args: Array<string | number> = [this.#options.leaseTtlMs, token, this.#options.concurrencyRetryMs, GROUP_GRANTS_TTL_MS];
    const leases: string[] = [];
    for (const s of scopes) {
      const leasesKey = this.#keys.politeLeases(s.scope, s.id);
      leases.push(leasesKey);
      keys.push(this.#keys.politeRecent(s.scope, s.id), leasesKey, this.#keys.backoff(s.scope, s.id));
      args.push(s.scope, s.rate.windowMs, s.rate.allowance, s.maxOpen, s.scope === 'address' ? '' : s.member);
    }
    // Without numberOfKeys in defineCommand, ioredis takes the key count as the first argument.
    const reply = await this.#redis.mxvPoliteAcquire(keys.length, ...keys, ...args);
    if (reply[0] === 1) {
      let released = false;
      return {
        status: 'granted',
        grantedAtMs: reply[1],
        release: () => {
          if (released) return;
          released = true;
          // Fire and forget: if this fails the leases lapse by themselves after leaseTtlMs.
          this.#redis.mxvPoliteRelease(leases.length, ...leases, token).catch(() => undefined);
        },
      };
    }
    const limit = refusedLimit(reply[2], reply[3]);
    this.#options.waits?.inc({ scope: limit.scope, limit: limit.kind });
    return {
      status: 'wait',
      retryAfterMs: Math.max(1, Number(reply[1])),
      reason: waitReason(limit),
      limit,
    };
  }

  /**
   * After a probe: if the server pushed back, slow down its address and the
   * groups it belongs to (provider, network) for `backoffMs`: each one's rate
   * divided by `backoffFactor` (its window that much longer), its next grant
   * put off by one slowed slot.
   */
  async noteOutcome(target: GateTarget, probe: Pick<HostProbe, 'banner' | 'error' | 'ehlo'>): Promise<PressureSign> {
    const sign = pressureSign(probe);
    if (sign.status === 'none') return sign;
    const scopes = await this.#scopesOf(target);
    const keys = [this.#keys.backoffIndex, this.#keys.groupBackoffIndex];
    const args: Array<string | number> = [this.#options.backoffFactor, this.#options.backoffMs, sign.reason];
    for (const s of scopes) {
      keys.push(this.#keys.backoff(s.scope, s.id));
      args.push(s.rate.windowMs, s.rate.allowance, s.member, s.scope);
    }
    await this.#redis.mxvPoliteBackOff(keys.length, ...keys, ...args);
    return sign;
  }

  /** The address, then the groups it has (an exchange that is an address literal has no provider group). */
  async #scopesOf(target: GateTarget): Promise<ScopeOfConnection[]> {
    const groups = await this.#groups.of(target);
    const scopes: ScopeOfConnection[] = [
      {
        scope: 'address',
        id: target.ip,
        rate: this.#rate.address,
        maxOpen: this.#options.maxConcurrentPerIp,
        member: target.ip,
      },
    ];
    if (groups.provider !== null)
      scopes.push({
        scope: 'provider',
        id: groups.provider,
        rate: this.#rate.provider,
        maxOpen: this.#options.provider.maxConcurrent,
        member: `provider:${groups.provider}`,
      });
    if (groups.network !== null)
      scopes.push({
        scope: 'network',
        id: groups.network,
        rate: this.#rate.network,
        maxOpen: this.#options.network.maxConcurrent,
        member: `network:${groups.network}`,
      });
    return scopes;
  }
}

/** Entries of the exchange -> provider memo: the exchanges a worker meets again and again, bounded. */
const PROVIDER_MEMO_ENTRIES = 10_000;

/**
 * The groups of a connection, with the provider of each exchange remembered
 * (a PSL lookup and an IDN conversion per acquire were the gate's largest
 * cost in the process). Bounded: when full it starts afresh, which costs one
 * lookup per exchange again, never a wrong group.
 */
class GroupsMemo {
  readonly #providers = new Map<string, string | null>();

  async of(target: GateTarget): Promise<{ provider: string | null; network: string | null }> {
    const known = this.#providers.get(target.exchange);
    if (known !== undefined) return { provider: known, network: networkGroup(target.ip) };
    const groups = await politenessGroups(target);
    if (this.#providers.size >= PROVIDER_MEMO_ENTRIES) this.#providers.clear();
    this.#providers.set(target.exchange, groups.provider);
    return groups;
  }
}

/**
 * A group's rate as a window: floor(rate) grants per second (plus the jitter
 * slack), or one per 1000 / rate ms below one a second. A fraction above one is
 * dropped (2.5 a second allows 2): what is promised is "never more than the
 * rate in any second", and bursts of up to the allowance are what let one
 * domain's exchanges of one provider be probed together.
 */
function groupWindow(second: number, connectionsPerSecond: number): RateWindow {
  if (connectionsPerSecond < 1) return { windowMs: second / connectionsPerSecond, allowance: 1 };
  return { windowMs: second, allowance: Math.floor(connectionsPerSecond) };
}

function requireLimits(prefix: string, connectionsPerSecond: number, maxOpen: number): void {
  if (!(connectionsPerSecond > 0 && Number.isFinite(connectionsPerSecond)))
    throw new Error(`${prefix}connectionsPerSecond must be > 0`);
  if (!(Number.isInteger(maxOpen) && maxOpen >= 1)) throw new Error(`${prefix}max concurrent must be a whole number >= 1`);
}

function refusedLimit(scope: string | undefined, kind: string | undefined): PolitenessLimit {
  return {
    scope: scope === 'provider' || scope === 'network' ? scope : 'address',
    kind: kind === 'concurrency' ? 'concurrency' : 'rate',
  };
}

/**
 * The deferral reason (`mxv_jobs_delayed_total{reason}`): the address's own limits
 * keep their names from before the groups (`politeness_rate`), a group's say which
 * (`politeness_provider_rate`).
 */
export function waitReason(limit: PolitenessLimit): string {
  return limit.scope === 'address' ? `politeness_${limit.kind}` : `politeness_${limit.scope}_${limit.kind}`;
}
