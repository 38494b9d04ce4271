import type { InvalidEventReason, Logger, UnreadableReason } from '@mxv/fleet';
import { Counter, type Registry } from 'prom-client';

const METRIC = 'mxv_api_stored_values_refused_total';
const RESULT_REASONS: readonly UnreadableReason[] = ['line_break', 'not_json', 'no_checked_at', 'schema'];
const EVENT_REASONS: readonly InvalidEventReason[] = ['bad_id', 'bad_domain', 'bad_checked_at'];

/** What the store and the event feed call when they refuse a stored value. */
export interface RefusedValues {
  onUnreadable(domain: string, reason: UnreadableReason): void;
  onInvalidEvent(id: string, reason: InvalidEventReason): void;
}

/**
 * Stored values the API refused to serve (a result that is not one line of
 * JSON, an event entry with a malformed field): each is a warning in the log
 * and a count by kind and reason, so an operator sees that something other
 * than this version's store writes into the fleet's keys.
 */
export function refusedValues(registry: Registry, logger: Logger | undefined): RefusedValues {
  // One registry may serve several apps (tests, a caller's registry): the counter is shared then.
  const counter =
    (registry.getSingleMetric(METRIC) as Counter<'kind' | 'reason'> | undefined) ??
    new Counter({
      name: METRIC,
      help: 'Stored values the API refused to serve, by kind (result, event) and reason: written by something other than this version of mxv.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    });
  // Series that exist from the start at 0: an alert on increase() sees the first refusal.
  for (const reason of RESULT_REASONS) counter.inc({ kind: 'result', reason }, 0);
  for (const reason of EVENT_REASONS) counter.inc({ kind: 'event', reason }, 0);
  return {
    onUnreadable(domain, reason) {
      counter.inc({ kind: 'result', reason });
      logger?.warn({ domain, reason }, 'stored result refused: not served');
    },
    onInvalidEvent(id, reason) {
      counter.inc({ kind: 'event', reason });
      logger?.warn({ id, reason }, 'result event refused: skipped');
    },
  };
}
