import type { GateDecision, GateTarget, PolitenessGate } from './host-types.js';
import type { Politeness } from '../options.js';

interface AddressState {
  active: number;
  /** Earliest time (ms) the next new connection to this address may start. */
  nextSlotAt: number;
  waiters: Array<() => void>;
}

/**
 * In-process politeness per destination address: at most `maxConcurrentPerIp`
 * connections open and `connectionsPerSecond` new connections. It waits rather
 * than answering "wait": in direct mode there is no queue to hand the work back to.
 * Per address only: the provider and network group limits are the fleet's
 * (README "Politeness"), where many workers add up; one direct-mode run is one
 * process whose per-address limits already bound what it sends.
 */
export class LocalPolitenessGate implements PolitenessGate {
  readonly #limits: Politeness;
  readonly #now: () => number;
  readonly #states = new Map<string, AddressState>();

  constructor(limits: Politeness, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  async acquire(target: GateTarget, signal?: AbortSignal): Promise<GateDecision> {
    const ip = target.ip;
    const state = this.#stateFor(ip);
    while (state.active >= this.#limits.maxConcurrentPerIp) {
      await new Promise<void>((resolve) => state.waiters.push(resolve));
      if (signal?.aborted) return { status: 'wait', retryAfterMs: 0, reason: 'aborted', limit: null };
    }
    state.active += 1;
    const intervalMs = 1000 / this.#limits.connectionsPerSecond;
    const now = this.#now();
    const startAt = Math.max(now, state.nextSlotAt);
    state.nextSlotAt = startAt + intervalMs;
    if (startAt > now) await sleep(startAt - now, signal);
    let released = false;
    return {
      status: 'granted',
      release: () => {
        if (released) return;
        released = true;
        state.active -= 1;
        const next = state.waiters.shift();
        if (next) next();
        else if (state.active === 0 && state.nextSlotAt <= this.#now()) this.#states.delete(ip);
      },
    };
  }

  #stateFor(ip: string): AddressState {
    let state = this.#states.get(ip);
    if (!state) {
      state = { active: 0, nextSlotAt: 0, waiters: [] };
      this.#states.set(ip, state);
    }
    return state;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
