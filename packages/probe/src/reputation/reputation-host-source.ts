import type { DnsblEntry } from '@mxv/schema';
import type { HostObtained, HostProbe, HostProbeSource, HostTarget } from '../engine/host-types.js';
import type { AddressReputation, ReputationWanted } from './address-reputation.js';

/**
 * Makes every probe the engine sees carry exactly the per-address facts this
 * run asked for, whoever made it. A cached probe may come from a worker with
 * other `--checks` or other `--dnsbl` lists (or an mxv without them): the
 * facts it lacks are looked up now and merged in (not re-probing SMTP for a
 * DNS question), and the facts it has but this run did not ask for are
 * dropped (a check that was not asked is null). What is merged here is not
 * written back to the cache: the worker that probed the host decides what the
 * cache holds, and a fleet normally runs one configuration.
 */
export class ReputationHostSource implements HostProbeSource {
  readonly #inner: HostProbeSource;
  readonly #reputation: AddressReputation;
  readonly #wanted: ReputationWanted;

  constructor(inner: HostProbeSource, reputation: AddressReputation, wanted: ReputationWanted) {
    this.#inner = inner;
    this.#reputation = reputation;
    this.#wanted = wanted;
  }

  async obtain(target: HostTarget, signal?: AbortSignal): Promise<HostObtained> {
    const obtained = await this.#inner.obtain(target, signal);
    if (obtained.status === 'deferred') return obtained;
    return { status: obtained.status, probe: await this.#complete(obtained.probe, signal) };
  }

  async #complete(probe: HostProbe, signal?: AbortSignal): Promise<HostProbe> {
    const ptr = this.#wanted.ptr ? (probe.ptr ?? (await this.#reputation.ptr(probe.ip, signal))) : null;
    let dnsbl: DnsblEntry[] | null = null;
    if (this.#wanted.zones.length > 0) {
      const had = new Map((probe.dnsbl ?? []).map((entry) => [entry.zone, entry]));
      dnsbl = await Promise.all(
        this.#wanted.zones.map((zone) => had.get(zone) ?? this.#reputation.dnsbl(probe.ip, zone, signal)),
      );
    }
    return { ...probe, ptr, dnsbl };
  }
}

/** What `--checks` and `--dnsbl` ask of each address. */
export function reputationWanted(checks: readonly string[], zones: readonly string[]): ReputationWanted {
  return { ptr: checks.includes('ptr'), zones: checks.includes('dnsbl') ? zones : [] };
}
