/**
 * A time as the page writes it in text, to the minute in UTC: the check's time beside "how long ago", a
 * shared probe's time (a title tooltip reaches neither a keyboard nor a phone).
 */
export function utcMinute(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const utc = new Date(ms).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`;
}
