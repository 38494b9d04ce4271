/**
 * Event-stream slots per client address, in this process: the feed's global
 * cap keeps the process safe, this keeps one client from taking every slot
 * (issue 14: one address held all 1,000). A slot is released exactly once.
 */
export class ClientStreamSlots {
  readonly #open = new Map<string, number>();
  readonly #max: number;

  constructor(maxPerClient: number) {
    this.#max = maxPerClient;
  }

  /** A release function, or null when `client` already holds the most it may. */
  acquire(client: string): (() => void) | null {
    const held = this.#open.get(client) ?? 0;
    if (held >= this.#max) return null;
    this.#open.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.#open.get(client) ?? 1) - 1;
      if (now <= 0) this.#open.delete(client);
      else this.#open.set(client, now);
    };
  }

  heldBy(client: string): number {
    return this.#open.get(client) ?? 0;
  }
}
