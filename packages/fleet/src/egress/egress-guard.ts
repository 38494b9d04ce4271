import type { CanaryOutcome } from '@mxv/probe';
import type { CheckResult, ConnectStatus } from '@mxv/schema';

export interface EgressGuardOptions {
  /** Asks the canary (checkCanary with the worker's dialer and resolver). */
  checkCanary: () => Promise<CanaryOutcome>;
  consecutiveFailures: number;
  recheckMs: number;
  /** Told when the worker must stop taking jobs (false) and when it may again (true). */
  onChange: (ok: boolean, detail: string) => void;
  now?: () => number;
}

/** A probe that did not get a connection: what a broken egress looks like from inside. */
const NO_CONNECTION: ReadonlySet<ConnectStatus> = new Set(['timeout', 'unreachable', 'refused', 'error']);

/** Canary checks made to confirm failures start at most this often (the canary is someone's mail server). */
const MIN_CONFIRM_GAP_MS = 1_000;

export type EgressState = 'ok' | 'paused';

/**
 * Keeps a worker from storing false `unreachable` results when its own egress
 * is broken (port 25 blocked, proxy down, uplink gone). A result with a host
 * that could not be connected to is stored only once the canary (a mail server
 * known to answer) has been reached after that probe was made: the failure is
 * then the host's. Once `consecutiveFailures` fresh probes in a row have
 * failed, each such result waits for that confirmation (one canary check,
 * shared, at most one a second); below that count results go through as they
 * are (a higher count: fewer canary checks, but up to that many results right
 * after an outage may be stored). If the canary cannot be reached the worker
 * pauses (onChange(false)); the canary is asked every `recheckMs` until it
 * answers, then the worker resumes (onChange(true)). Results gathered while in
 * doubt, or from probes made before egress came back (the host cache may hold
 * them), are put back by the processor, not stored. A failure that names our
 * proxy (`proxy_*`, or `fetch_proxy_*` of the MTA-STS policy fetch) waits for
 * the canary below that count too: it says nothing about the host, only about
 * the way out.
 */
export class EgressGuard {
  readonly #options: EgressGuardOptions;
  readonly #now: () => number;
  #state: EgressState = 'ok';
  #streak = 0;
  /** When egress last came back: probes made before that prove nothing about their hosts. */
  #recoveredAt = 0;
  /** Start of the last canary check that reached it: failures probed before that are the hosts'. */
  #confirmedAt = Number.NEGATIVE_INFINITY;
  #inFlight: { startedAt: number; done: Promise<void> } | null = null;
  #lastStartedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: EgressGuardOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get state(): EgressState {
    return this.#state;
  }

  /** The check at start: a worker that cannot reach the canary starts paused. */
  async start(): Promise<void> {
    await this.#runCheck();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One job's result (`startedAt`: when the job started, for hosts without probedAt): may it be stored? */
  async judge(result: CheckResult, startedAt: number): Promise<'final' | 'in_doubt'> {
    let latestFailure: number | null = null;
    // A proxy failure (`proxy_*`) is about our egress by definition, never the host's: it is confirmed
    // with the canary whatever the streak, or the first ones of an outage would be stored as final.
    let egressNamed = false;
    for (const host of result.hosts) {
      if (host.connect === 'blocked') continue;
      const failed = NO_CONNECTION.has(host.connect);
      if (failed && host.error?.startsWith('proxy_')) egressNamed = true;
      // Only fresh probes say something about our egress now; a shared one was made by someone, some time ago.
      if (host.cached !== true) {
        if (failed) this.#streak += 1;
        else if (host.connect === 'ok') this.#streak = 0;
      }
      if (failed) {
        const probedAt = host.probedAt ? Date.parse(host.probedAt) : startedAt;
        latestFailure = Math.max(latestFailure ?? probedAt, Number.isFinite(probedAt) ? probedAt : startedAt);
      }
    }
    // The MTA-STS policy fetch goes through the proxy too (fetch_proxy_*): the same doubt, dated by the job.
    const policyError = (result.security as Partial<CheckResult['security']> | undefined)?.mtaSts?.error;
    if (policyError?.startsWith('fetch_proxy_') === true) {
      egressNamed = true;
      latestFailure = Math.max(latestFailure ?? startedAt, startedAt);
    }
    if (latestFailure === null) return 'final';
    if (this.#state === 'paused' || latestFailure < this.#recoveredAt) return 'in_doubt';
    if (latestFailure <= this.#confirmedAt) return 'final';
    if (!egressNamed && this.#streak < this.#options.consecutiveFailures) return 'final';
    await this.#confirmAfter(latestFailure);
    return this.#state === 'ok' && latestFailure <= this.#confirmedAt ? 'final' : 'in_doubt';
  }

  /** Waits for a canary check that started after `at` (joining one in flight, or starting one). */
  async #confirmAfter(at: number): Promise<void> {
    for (let round = 0; round < 3 && !this.#stopped && this.#state === 'ok'; round++) {
      const inFlight = this.#inFlight;
      if (inFlight && inFlight.startedAt >= at) return inFlight.done;
      if (inFlight) {
        await inFlight.done;
        continue;
      }
      const wait = this.#lastStartedAt + MIN_CONFIRM_GAP_MS - this.#now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
      if (this.#inFlight === null) return this.#runCheck();
    }
  }

  #runCheck(): Promise<void> {
    if (this.#inFlight) return this.#inFlight.done;
    const startedAt = this.#now();
    this.#lastStartedAt = startedAt;
    const done = this.#check(startedAt).finally(() => (this.#inFlight = null));
    this.#inFlight = { startedAt, done };
    return done;
  }

  async #check(startedAt: number): Promise<void> {
    if (this.#stopped) return;
    let outcome: CanaryOutcome;
    try {
      outcome = await this.#options.checkCanary();
    } catch (error) {
      outcome = { status: 'unreachable', address: '', reason: (error as Error).message };
    }
    if (this.#stopped) return;
    const previous = this.#state;
    if (outcome.status === 'reachable') {
      this.#streak = 0;
      this.#state = 'ok';
      this.#confirmedAt = Math.max(this.#confirmedAt, startedAt);
      if (previous === 'paused') {
        this.#recoveredAt = this.#now();
        this.#options.onChange(true, `canary greeted ${outcome.greeting}`);
      }
      return;
    }
    this.#state = 'paused';
    if (previous !== 'paused') this.#options.onChange(false, `canary ${outcome.status}: ${outcome.reason}`);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#runCheck(), this.#options.recheckMs);
    this.#timer.unref();
  }
}
