import type { AddressPolicy, DnsResolver } from '@mxv/probe';
import { defaultsOf } from '@mxv/probe/bounds';
import type { FleetRedis } from '../redis-connection.js';
import type { Logger } from 'pino';
import { createVerifyQueue, type VerifyQueue } from '../queue.js';
import type { FleetKeys } from '../redis-keys.js';
import { WebhookDeliverer } from '../webhook/deliver-webhook.js';
import { createWebhookQueue, type WebhookQueue } from '../webhook/webhook-queue.js';
import { WebhookWorker } from '../webhook/webhook-worker.js';
import { WEBHOOK_BOUNDS } from './watch-bounds.js';
import { WatchScheduler } from './watch-scheduler.js';
import { WatchTick, type WatchTickOptions } from './watch-tick.js';

export type WebhookOptions = { [K in keyof typeof WEBHOOK_BOUNDS]: number };
export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = defaultsOf(WEBHOOK_BOUNDS);

export interface WatchRuntimeConfig {
  tick: WatchTickOptions;
  webhook: WebhookOptions;
  /** MXV_WEBHOOK_SECRET; without it this process delivers nothing (deliveries wait for a worker that has it). */
  webhookSecret: string | null;
}

/**
 * What a worker runs besides verify jobs: the watch tick loop and the webhook
 * delivery worker, started and stopped together.
 */
export class WatchRuntime {
  readonly verifyQueue: VerifyQueue;
  readonly webhookQueue: WebhookQueue;
  readonly #scheduler: WatchScheduler;
  readonly #webhooks: WebhookWorker | null;
  readonly #logger: Logger;
  #delivering: Promise<void> = Promise.resolve();

  constructor(
    redis: FleetRedis,
    keys: FleetKeys,
    engine: { resolver: DnsResolver; policy: AddressPolicy },
    config: WatchRuntimeConfig,
    logger: Logger,
  ) {
    this.#logger = logger;
    this.verifyQueue = createVerifyQueue(redis, keys);
    this.webhookQueue = createWebhookQueue(redis, keys);
    // Their failures reach the tick and the follower as rejected commands (logged there); the
    // queues' own 'error' events would repeat every reconnect attempt while Redis is away.
    this.verifyQueue.on('error', () => undefined);
    this.webhookQueue.on('error', () => undefined);
    this.#scheduler = new WatchScheduler(new WatchTick(redis, keys, this.verifyQueue, config.tick), config.tick.tickMs, logger);
    this.#webhooks =
      config.webhookSecret === null
        ? null
        : new WebhookWorker(
            redis,
            keys,
            new WebhookDeliverer(engine.resolver, engine.policy, {
              secret: config.webhookSecret,
              timeoutMs: config.webhook.timeoutMs,
              maxResponseBytes: config.webhook.maxResponseBytes,
            }),
            config.webhook.concurrency,
            logger,
          );
  }

  start(): void {
    this.#scheduler.start();
    if (this.#webhooks) this.#delivering = this.#webhooks.run();
    else
      this.#logger.warn('MXV_WEBHOOK_SECRET is not set: this worker delivers no webhooks (they wait for a worker that has it)');
  }

  async stop(): Promise<void> {
    await this.#scheduler.stop();
    if (this.#webhooks) {
      await this.#webhooks.close();
      await this.#delivering.catch(() => undefined);
    }
    await Promise.all([this.verifyQueue.close(), this.webhookQueue.close()]);
  }
}
