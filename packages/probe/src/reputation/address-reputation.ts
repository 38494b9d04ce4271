import type { DnsblEntry, HostPtr } from '@mxv/schema';
import type { DnsResolver } from '../dns/dns-types.js';
import { lookupDnsbl, type DnsblBounds } from './dnsbl-lookup.js';
import { lookupPtr, type PtrBounds } from './ptr-lookup.js';

/** Which per-address facts are wanted: the `ptr` check, and the block lists of the `dnsbl` check (none: not asked). */
export interface ReputationWanted {
  ptr: boolean;
  zones: readonly string[];
}

/** The per-address facts of a host probe; null where not asked. */
export interface AddressFacts {
  ptr: HostPtr | null;
  dnsbl: DnsblEntry[] | null;
}

/** Told of every lookup made (not of facts served from a cache): the fleet counts them as metrics. */
export interface ReputationObserver {
  ptr(fcrdns: HostPtr['fcrdns']): void;
  dnsbl(zone: string, status: DnsblEntry['status']): void;
}

export type ReputationBounds = PtrBounds & DnsblBounds;

/**
 * Answers of one address kept this long for the next port of the same address
 * (`--ports 25,587,465` probes an address three times, moments apart); the
 * host cache keeps them with each probe after that.
 */
const RECENT_TTL_MS = 60_000;
/** Addresses remembered at most; the oldest go first. */
const MAX_RECENT = 4096;

/**
 * PTR/FCrDNS and block-list lookups of one address (DESIGN: per-address facts
 * belong to the host probe). Concurrent askers for one address share one
 * lookup, and a lookup made moments ago is reused, so an address costs one
 * PTR question and one question per list however many ports and domains lead
 * to it within the host cache's reach.
 */
export class AddressReputation {
  readonly #resolver: DnsResolver;
  readonly #bounds: ReputationBounds;
  readonly #observer: ReputationObserver | null;
  readonly #now: () => number;
  readonly #ptr = new Map<string, { at: number; value: Promise<HostPtr> }>();
  readonly #dnsbl = new Map<string, { at: number; value: Promise<DnsblEntry> }>();

  constructor(
    resolver: DnsResolver,
    bounds: ReputationBounds,
    observer: ReputationObserver | null = null,
    now: () => number = Date.now,
  ) {
    this.#resolver = resolver;
    this.#bounds = bounds;
    this.#observer = observer;
    this.#now = now;
  }

  /** The facts `wanted` asks for; what is not asked stays null (dnsbl null also when no list is given). */
  async lookup(ip: string, wanted: ReputationWanted, signal?: AbortSignal): Promise<AddressFacts> {
    const [ptr, dnsbl] = await Promise.all([
      wanted.ptr ? this.ptr(ip, signal) : null,
      wanted.zones.length > 0 ? Promise.all(wanted.zones.map((zone) => this.dnsbl(ip, zone, signal))) : null,
    ]);
    return { ptr, dnsbl };
  }

  ptr(ip: string, signal?: AbortSignal): Promise<HostPtr> {
    return this.#shared(this.#ptr, ip, async () => {
      const found = await lookupPtr(ip, this.#resolver, this.#bounds, signal);
      this.#observer?.ptr(found.fcrdns);
      return found;
    });
  }

  dnsbl(ip: string, zone: string, signal?: AbortSignal): Promise<DnsblEntry> {
    return this.#shared(this.#dnsbl, `${zone} ${ip}`, async () => {
      const found = await lookupDnsbl(ip, zone, this.#resolver, this.#bounds, signal);
      this.#observer?.dnsbl(zone, found.status);
      return found;
    });
  }

  #shared<T>(memo: Map<string, { at: number; value: Promise<T> }>, key: string, make: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const known = memo.get(key);
    if (known && now - known.at < RECENT_TTL_MS) return known.value;
    if (known) memo.delete(key);
    if (memo.size >= MAX_RECENT) {
      const oldest = memo.keys().next();
      if (!oldest.done) memo.delete(oldest.value);
    }
    const value = make();
    memo.set(key, { at: now, value });
    return value;
  }
}
