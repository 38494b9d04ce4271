export * from './redis-keys.js';
export * from './redis-connection.js';
export * from './result-store.js';
export * from './redis-politeness-gate.js';
export * from './redis-host-source.js';
export * from './redis-sts-policy-source.js';
export * from './queue.js';
export * from './enqueue-domains.js';
export * from './process-verify-job.js';
export * from './worker-heartbeat.js';
export * from './verify-worker.js';
export * from './fleet-status.js';
export * from './politeness-status.js';
export * from './parse-duration.js';
export * from './create-logger.js';
export * from './create-fleet-worker.js';
export type { Redis } from 'ioredis';
export { Cluster } from 'ioredis';
export * from './metrics/index.js';
export type { Logger } from 'pino';
export * from './fleet-domain-checker.js';
export * from './request-check.js';
export * from './anonymous-checks.js';
export * from './result-event-feed.js';
export {
  VERIFY_WORKER_BOUNDS,
  RETRY_BOUNDS,
  WORKER_PROCESS_BOUNDS,
  RESULT_TTL_BOUND,
  EGRESS_BOUNDS,
  POLITENESS_GROUP_BOUNDS,
  BUSIEST_GROUPS_SHOWN,
  SHARDS_BOUND,
} from './bounds.js';
export { MAX_DURATION_MS } from './parse-duration.js';
export * from './history/result-changes.js';
export * from './history/change-record.js';
export * from './watch/watch-list.js';
export * from './watch/watch-tick.js';
export * from './watch/watch-follower.js';
export * from './watch/watch-scheduler.js';
export * from './watch/watch-gauges.js';
export * from './watch/watch-bounds.js';
export * from './webhook/webhook-queue.js';
export * from './webhook/deliver-webhook.js';
export * from './webhook/webhook-worker.js';
export * from './watch/watch-runtime.js';
export * from './webhook/webhook-url.js';
export * from './egress/egress-guard.js';
export * from './redis-target.js';
export * from './queue-shards.js';
export * from './key-slot.js';
export * from './exec-per-node.js';
export * from './shard-config.js';
