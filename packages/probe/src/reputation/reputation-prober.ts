import type { HostProbe, HostProber, HostTarget, ProbeCallOptions } from '../engine/host-types.js';
import type { AddressReputation, ReputationWanted } from './address-reputation.js';

/**
 * A host prober that also looks the address up (PTR/FCrDNS, block lists) while
 * the SMTP conversation runs: the lookups need only the address, and their
 * answers travel with the probe into the host cache, so a provider's address
 * is looked up once for all the domains that share it.
 */
export class ReputationProber implements HostProber {
  readonly #inner: HostProber;
  readonly #reputation: AddressReputation;
  readonly #wanted: ReputationWanted;

  constructor(inner: HostProber, reputation: AddressReputation, wanted: ReputationWanted) {
    this.#inner = inner;
    this.#reputation = reputation;
    this.#wanted = wanted;
  }

  async probe(target: HostTarget, signal?: AbortSignal, options?: ProbeCallOptions): Promise<HostProbe> {
    const [probe, facts] = await Promise.all([
      this.#inner.probe(target, signal, options),
      this.#reputation.lookup(target.ip, this.#wanted, signal),
    ]);
    return { ...probe, ptr: facts.ptr, dnsbl: facts.dnsbl };
  }
}
