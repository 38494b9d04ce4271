import type { Logger } from 'pino';
import type { WatchTick } from './watch-tick.js';

/**
 * The tick loop of one worker: every `tickMs`, one WatchTick run. Every worker
 * runs one; the claim script keeps them from doing the same work twice, so
 * there is no leader to elect and nothing to fail over.
 */
export class WatchScheduler {
  readonly #tick: WatchTick;
  readonly #tickMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(tick: WatchTick, tickMs: number, logger: Logger) {
    this.#tick = tick;
    this.#tickMs = tickMs;
    this.#logger = logger.child({ component: 'watch-tick' });
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#once().finally(() => this.#schedule());
    }, this.#tickMs);
    this.#timer.unref();
  }

  async #once(): Promise<void> {
    try {
      const summary = await this.#tick.run();
      if (summary.moved > 0 || summary.invalid > 0) this.#logger.debug(summary, 'due watches queued');
      if (summary.invalid > 0) this.#logger.warn({ invalid: summary.invalid }, 'watches with an unreadable config skipped');
    } catch (error) {
      this.#logger.warn({ err: error }, 'watch tick failed; next tick retries');
    }
  }
}
