import type { DnsResolver } from '../dns/dns-types.js';
import { ResolverValidation } from '../dns/resolver-validation.js';
import { TtlCacheResolver } from '../dns/ttl-cache-resolver.js';
import { MemoryStsPolicySource } from '../policy/memory-sts-policy-source.js';
import type { StsPolicySource } from '../policy/sts-policy-source.js';
import { checkDomain, type DomainCheck } from './check-domain.js';
import type { EngineParts } from './create-engine-parts.js';
import type { HostProbeSource } from './host-types.js';
import { ReputationHostSource, reputationWanted } from '../reputation/reputation-host-source.js';

export interface EngineSources {
  /** Where MTA-STS policies are cached: in process by default; the fleet passes its Redis-backed source. */
  stsPolicies?: StsPolicySource;
}

/**
 * The engine of both modes: a function from a domain to a result, over the
 * parts built once (resolver, address policy, prober). Where host probes come
 * from is the caller's: direct mode passes its in-process cache
 * (createInProcessHostSource), a fleet worker the Redis-backed one with the
 * fleet-wide politeness gate. MTA-STS policies likewise: an in-process cache
 * unless the caller gives another source.
 */
export class MailCheckEngine {
  readonly parts: EngineParts;
  readonly stsPolicies: StsPolicySource;
  /** Whether the resolver validates DNSSEC, learnt once per TLD for every check of this engine. */
  readonly #validation: ResolverValidation;
  /** Records many domains share (SPF include targets, organizational DMARC, exchanges' TLSA), kept for their TTL, bounded. */
  readonly #sharedResolver: DnsResolver;

  constructor(parts: EngineParts, sources: EngineSources = {}) {
    this.parts = parts;
    this.#validation = new ResolverValidation(parts.resolver);
    this.stsPolicies =
      sources.stsPolicies ??
      new MemoryStsPolicySource({
        fetcher: parts.stsFetcher,
        maxCacheSeconds: parts.options.policy.mtaStsMaxCacheSeconds,
        maxEntries: parts.options.policy.mtaStsMemoryEntries,
      });
    const { sharedRecordCacheSeconds, sharedRecordCacheEntries } = parts.options.policy;
    this.#sharedResolver = new TtlCacheResolver(parts.resolver, {
      maxSeconds: sharedRecordCacheSeconds,
      // RFC 2308 5: negative answers are cached too; without the SOA minimum at hand, one minute at most.
      negativeSeconds: Math.min(60, sharedRecordCacheSeconds),
      maxEntries: sharedRecordCacheEntries,
    });
  }

  async check(input: string, hosts: HostProbeSource, signal?: AbortSignal): Promise<DomainCheck> {
    const deps = {
      resolver: this.parts.resolver,
      // Per-address facts as this engine asked them, whatever the cache holds (reputation-host-source.ts).
      hosts: new ReputationHostSource(
        hosts,
        this.parts.reputation,
        reputationWanted(this.parts.options.checks, this.parts.options.dnsbl),
      ),
      policy: this.parts.policy,
      route: this.parts.options.route,
      ports: this.parts.options.ports,
      checks: this.parts.options.checks,
      validation: this.#validation,
      dane: this.parts.options.dane,
      policyBounds: this.parts.options.policy,
      stsPolicies: this.stsPolicies,
      sharedResolver: this.#sharedResolver,
    };
    return checkDomain(input, deps, signal);
  }
}
