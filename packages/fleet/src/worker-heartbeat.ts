import { execPerNode } from './exec-per-node.js';
import type { FleetRedis } from './redis-connection.js';
import type { FleetKeys } from './redis-keys.js';

/** A worker counts as alive while its last heartbeat is younger than this many intervals. */
export const HEARTBEAT_LIVENESS_INTERVALS = 3;

/**
 * Tells `mxv status` this worker is alive: its id scored with the time in a
 * ZSET (counted without SCAN), and a small JSON about it that expires by itself
 * when the worker dies without saying goodbye.
 */
export class WorkerHeartbeat {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #id: string;
  readonly #intervalMs: number;
  readonly #describe: () => Record<string, unknown>;
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: FleetRedis, keys: FleetKeys, id: string, intervalMs: number, describe: () => Record<string, unknown>) {
    this.#redis = redis;
    this.#keys = keys;
    this.#id = id;
    this.#intervalMs = intervalMs;
    this.#describe = describe;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => void this.beat().catch(() => undefined), this.#intervalMs);
    this.#timer.unref();
  }

  async beat(): Promise<void> {
    const info = JSON.stringify({ id: this.#id, startedAt: this.#startedAt, ...this.#describe() });
    // Two slots on a Cluster (the index and the worker's own key): grouped per master.
    await execPerNode(this.#redis, [
      ['zadd', this.#keys.workers, Date.now(), this.#id],
      ['set', this.#keys.worker(this.#id), info, 'PX', this.#intervalMs * HEARTBEAT_LIVENESS_INTERVALS],
    ]);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await execPerNode(this.#redis, [
      ['zrem', this.#keys.workers, this.#id],
      ['del', this.#keys.worker(this.#id)],
    ]);
  }
}
