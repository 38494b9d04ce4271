import { ResolverValidation } from '../dns/resolver-validation.js';
import { checkDomain, type DomainCheck } from './check-domain.js';
import type { EngineParts } from './create-engine-parts.js';
import type { HostProbeSource } from './host-types.js';
import { ReputationHostSource, reputationWanted } from '../reputation/reputation-host-source.js';

/**
 * The engine of both modes: a function from a domain to a result, over the
 * parts built once (resolver, address policy, prober). Where host probes come
 * from is the caller's: direct mode passes its in-process cache
 * (createInProcessHostSource), a fleet worker the Redis-backed one with the
 * fleet-wide politeness gate.
 */
export class MailCheckEngine {
  readonly parts: EngineParts;
  /** Whether the resolver validates DNSSEC, learnt once per TLD for every check of this engine. */
  readonly #validation: ResolverValidation;

  constructor(parts: EngineParts) {
    this.parts = parts;
    this.#validation = new ResolverValidation(parts.resolver);
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
    };
    return checkDomain(input, deps, signal);
  }
}
