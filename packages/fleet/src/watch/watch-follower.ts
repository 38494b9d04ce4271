import type { CheckResult } from '@mxv/schema';
import type { Result } from 'ioredis';
import type { FleetRedis } from '../redis-connection.js';
import type { Logger } from 'pino';
import type { FieldChange } from '../history/result-changes.js';
import type { StoredResultFollower } from '../process-verify-job.js';
import type { FleetKeys } from '../redis-keys.js';
import { changedBody, WEBHOOK_JOB_NAME, webhookJobId, type WebhookQueue } from '../webhook/webhook-queue.js';
import { EXPIRY_THRESHOLD_DAYS } from './watch-bounds.js';
import { parseConfig } from './watch-list.js';
import { eventEntryFields } from '../event-entry.js';

const DAY_MS = 86_400_000;

/**
 * Records that `days` was raised for the certificate ending at `notAfter`
 * unless it (or a lower threshold) already was: 1 when this call raised it. A
 * renewed certificate (another notAfter) starts again from the top.
 */
const RAISE_EXPIRY = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local notAfter, days = string.match(current, '^(.*)|(%d+)$')
  if notAfter == ARGV[2] and tonumber(days) <= tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** RAISE_EXPIRY, defined by WatchFollower. */
    mxvRaiseExpiry(raised: string, domain: string, notAfter: string, days: number): Result<number, Context>;
  }
}

export interface WebhookJobOptions {
  attempts: number;
  backoffMs: number;
}

/**
 * After a result of a watched domain is written: queue the webhook delivery of
 * its changes (job id per change record, so a re-run does not deliver twice),
 * and follow its certificates (the expiry gauge's sorted set, an `expiring`
 * event once per threshold). A domain that is not watched costs one HGET.
 */
export class WatchFollower implements StoredResultFollower {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #webhooks: WebhookQueue;
  readonly #jobOptions: WebhookJobOptions;
  readonly #eventsMaxLen: number;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(
    redis: FleetRedis,
    keys: FleetKeys,
    webhooks: WebhookQueue,
    jobOptions: WebhookJobOptions,
    eventsMaxLen: number,
    logger: Logger,
    now: () => number = Date.now,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#webhooks = webhooks;
    this.#jobOptions = jobOptions;
    this.#eventsMaxLen = eventsMaxLen;
    this.#logger = logger;
    this.#now = now;
    redis.defineCommand('mxvRaiseExpiry', { numberOfKeys: 1, lua: RAISE_EXPIRY });
  }

  async afterWrite(result: CheckResult, changes: FieldChange[]): Promise<void> {
    const config = parseConfig(await this.#redis.hget(this.#keys.watchConfig, result.domain));
    if (!config) return;
    if (config.w !== undefined && changes.length > 0) {
      await this.#webhooks.add(
        WEBHOOK_JOB_NAME,
        { url: config.w, body: changedBody(result.domain, result.checkedAt, changes), domain: result.domain },
        {
          jobId: webhookJobId(result.domain, result.checkedAt),
          attempts: this.#jobOptions.attempts,
          backoff: { type: 'exponential', delay: this.#jobOptions.backoffMs },
          removeOnComplete: true,
          removeOnFail: false,
        },
      );
    }
    await this.#followCertificates(result);
  }

  async #followCertificates(result: CheckResult): Promise<void> {
    const notAfter = earliestNotAfter(result);
    if (notAfter === null) {
      await this.#redis.zrem(this.#keys.watchCertExpiry, result.domain);
      return;
    }
    const notAfterMs = Date.parse(notAfter);
    await this.#redis.zadd(this.#keys.watchCertExpiry, notAfterMs, result.domain);
    const daysLeft = (notAfterMs - this.#now()) / DAY_MS;
    const crossed = EXPIRY_THRESHOLD_DAYS.filter((days) => daysLeft <= days);
    const lowest = crossed.at(-1);
    if (lowest === undefined) return;
    const raised = await this.#redis.mxvRaiseExpiry(this.#keys.watchExpiryRaised, result.domain, notAfter, lowest);
    if (raised !== 1) return;
    const fields = eventEntryFields(result, 'expiring', { notAfter, days: String(lowest) });
    await this.#redis.xadd(this.#keys.events, 'MAXLEN', '~', this.#eventsMaxLen, '*', ...fields);
    this.#logger.info({ domain: result.domain, notAfter, days: lowest }, 'certificate expiring');
  }
}

/** The soonest notAfter among the hosts' certificates, null when no host has one. */
export function earliestNotAfter(result: CheckResult): string | null {
  let earliest: string | null = null;
  for (const host of result.hosts) {
    const notAfter = host.tls?.notAfter ?? null;
    if (
      notAfter !== null &&
      Number.isFinite(Date.parse(notAfter)) &&
      (earliest === null || Date.parse(notAfter) < Date.parse(earliest))
    ) {
      earliest = notAfter;
    }
  }
  return earliest;
}
