/**
 * `promise`, or a rejection with `message` once `ms` have passed, whichever comes first; the promise goes
 * on either way (a Redis command queued while Redis is away ends when Redis returns), and its own later
 * rejection is not left unhandled. For waits that must not outlast a caller's patience: a scrape, a
 * subscriber holding a stream slot.
 */
export function settleWithin<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
