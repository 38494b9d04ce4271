export type DurationParse = { status: 'ok'; ms: number } | { status: 'invalid'; reason: string };

/** Longest duration accepted: ten years, beyond any TTL or age that means something. */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "90s", "15m", "24h", "30d", or a bare number of seconds (what Redis and people usually mean by a TTL). */
export function parseDuration(text: string): DurationParse {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match?.[1]) return { status: 'invalid', reason: `"${text}" is not a duration (use e.g. 90s, 15m, 24h, 30d)` };
  const ms = Number(match[1]) * (UNIT_MS[(match[2] ?? 's').toLowerCase()] ?? 1_000);
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return { status: 'invalid', reason: `"${text}" is out of range` };
  return { status: 'ok', ms: Math.round(ms) };
}
