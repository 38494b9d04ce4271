import { readRecentResultEvents, type ResultEvent } from '@mxv/fleet';
import type { ApiServices } from './api-services.js';

/** Events read to find the distinct domains shown: a domain checked often appears many times in a row. */
const RECENT_EVENTS_READ = 200;
const RECENT_SHOWN = 24;

/** The home page's "recently checked": the latest result events, one per domain, newest first. */
export async function recentDomains(services: ApiServices): Promise<ResultEvent[]> {
  const events = await readRecentResultEvents(services.redis, services.keys, RECENT_EVENTS_READ);
  const seen = new Set<string>();
  const recent: ResultEvent[] = [];
  for (const event of events) {
    if (seen.has(event.domain)) continue;
    seen.add(event.domain);
    recent.push(event);
    if (recent.length >= RECENT_SHOWN) break;
  }
  return recent;
}
