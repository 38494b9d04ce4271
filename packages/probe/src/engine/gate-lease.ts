import type { GateDecision, GateTarget, PolitenessGate, ReconnectLeave } from './host-types.js';

/**
 * The gate's leave for one probe, which may open more than one connection (ProbeCallOptions.reconnect): each
 * further connection gives the last lease back and asks the gate again, so every connection of the probe
 * passes the same limits as a first one (in the fleet: per address, provider and network, across workers).
 * The source that made the lease releases it once the probe is over.
 */
export class GateLease {
  readonly #gate: PolitenessGate;
  readonly #target: GateTarget;
  #release: () => void;

  constructor(gate: PolitenessGate, target: GateTarget, granted: Extract<GateDecision, { status: 'granted' }>) {
    this.#gate = gate;
    this.#target = target;
    this.#release = granted.release;
  }

  readonly reconnect = async (signal?: AbortSignal): Promise<ReconnectLeave> => {
    this.release();
    const decision = await this.#gate.acquire(this.#target, signal);
    if (decision.status === 'wait') return { status: 'wait', retryAfterMs: decision.retryAfterMs };
    this.#release = decision.release;
    return { status: 'granted' };
  };

  release(): void {
    const release = this.#release;
    this.#release = () => undefined;
    release();
  }
}
