import type { Redis } from 'ioredis';
import type { FleetKeys } from './redis-keys.js';

/** A worker counts as alive while its last heartbeat is younger than this many intervals. */
export const HEARTBEAT_LIVENESS_INTERVALS = 3;

/**
 * Tells `mxv status` this worker is alive: its id scored with the time in a
 * ZSET (counted without SCAN), and a small JSON about it that expires by itself
 * when the worker dies without saying goodbye.
 */
export class WorkerHeartbeat {
  readonly #redis: Redis;
  readonly #keys: FleetKeys;
  readonly #id: string;
  readonly #intervalMs: number;
  readonly #describe: () => Record<string, unknown>;
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis, keys: FleetKeys, id: string, intervalMs: number, describe: () => Record<string, unknown>) {
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
    await this.#redis
      .pipeline()
      .zadd(this.#keys.workers, Date.now(), this.#id)
      .set(this.#keys.worker(this.#id), info, 'PX', this.#intervalMs * HEARTBEAT_LIVENESS_INTERVALS)
      .exec();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#redis.pipeline().zrem(this.#keys.workers, this.#id).del(this.#keys.worker(this.#id)).exec();
  }
}
