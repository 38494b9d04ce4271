import { UnrecoverableError, Worker } from 'bullmq';
import type { FleetRedis } from '../redis-connection.js';
import type { Logger } from 'pino';
import type { FleetKeys } from '../redis-keys.js';
import type { WebhookDeliverer } from './deliver-webhook.js';
import { webhookJobDataSchema, type WebhookJobData } from './webhook-queue.js';

/**
 * Runs webhook deliveries in a worker process, apart from the verify jobs: a
 * slow receiver holds a delivery slot, never a check. BullMQ does the retries
 * (attempts and exponential back-off are set on each job when it is queued);
 * a delivery that used them up stays in the failed set, the dead letters
 * `mxv status` counts and `mxv watch replay` sends again.
 */
export class WebhookWorker {
  readonly #worker: Worker<WebhookJobData, void, string>;
  readonly #logger: Logger;

  constructor(redis: FleetRedis, keys: FleetKeys, deliverer: WebhookDeliverer, concurrency: number, logger: Logger) {
    this.#logger = logger.child({ component: 'webhook' });
    this.#worker = new Worker<WebhookJobData, void, string>(
      keys.webhookQueueName,
      async (job) => {
        const data = webhookJobDataSchema.safeParse(job.data);
        if (!data.success) throw new UnrecoverableError('bad webhook job');
        const attempt = await deliverer.deliver(data.data.url, data.data.body);
        const log = { jobId: job.id, domain: data.data.domain, attempt: job.attemptsMade + 1 };
        if (attempt.status === 'delivered') {
          this.#logger.info({ ...log, httpStatus: attempt.httpStatus, ms: attempt.ms }, 'webhook delivered');
          return;
        }
        this.#logger.warn({ ...log, reason: attempt.reason, outcome: attempt.status }, 'webhook not delivered');
        if (attempt.status === 'give_up') throw new UnrecoverableError(attempt.reason);
        throw new Error(attempt.reason);
      },
      {
        connection: redis,
        prefix: keys.bullPrefix,
        concurrency,
        autorun: false,
        // Delivered ones go; failed ones are the dead letters and stay.
        removeOnComplete: { count: 0 },
      },
    );
    this.#worker.on('error', (error) => this.#logger.error({ err: error }, 'webhook worker error'));
  }

  run(): Promise<void> {
    return this.#worker.run();
  }

  close(): Promise<void> {
    return this.#worker.close();
  }
}
