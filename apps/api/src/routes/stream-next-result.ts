import type { ResultEvent } from '@mxv/fleet';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { ApiServices } from '../services/api-services.js';
import { sseEvent } from './sse-event.js';
import { clientKey } from '../services/client-key.js';

/**
 * One SSE stream: wait for a result of `domain` newer than `after`, send it as
 * one `result` event, close. Bounded four ways: a cap on open streams (the
 * feed refuses past it), a cap per client address (so one client cannot take
 * every slot), a timeout no longer than the rate window, and cleanup on client
 * disconnect (the listener, the timers, the client's slot). Redis work per stream is one GET when its event comes,
 * never a connection (the feed shares one blocking reader).
 */
export async function streamNextResult(
  request: FastifyRequest,
  reply: FastifyReply,
  services: ApiServices,
  domain: string,
  after: string | null,
): Promise<void> {
  const afterIso = after === null ? null : isoOrThrow(after);
  const { limits } = services;
  const release = services.streamSlots.acquire(clientKey(request.ip));
  if (release === null) {
    throw new ApiError('too_many_client_streams', {
      message: `This client has ${limits.maxEventStreamsPerClient} event streams open already; close one and retry`,
      headers: { 'retry-after': String(Math.ceil(limits.eventStreamTimeoutMs / 1000)) },
    });
  }
  let finished = false;
  let delivering = false;
  // Until the response is hijacked and its headers written, an event is only noted.
  let streaming = false;
  let noted: { id: string | null } | null = null;
  const timers: { keepAlive?: NodeJS.Timeout; timeout?: NodeJS.Timeout } = {};
  let unsubscribe: () => void = () => undefined;
  const res = reply.raw;

  const finish = (lastWords: string): void => {
    if (finished) return;
    finished = true;
    release();
    clearInterval(timers.keepAlive);
    clearTimeout(timers.timeout);
    unsubscribe();
    if (!res.writableEnded) res.end(lastWords);
  };
  const newer = (checkedAt: string): boolean => afterIso === null || checkedAt > afterIso;
  const deliver = async (eventId: string | null): Promise<void> => {
    if (finished || delivering) return;
    delivering = true;
    try {
      const stored = await services.store.readRaw(domain);
      if (stored.status !== 'found' || !newer(stored.checkedAt)) return;
      // A client that heard of the new result and then GETs it must not get the cached one.
      services.answers.forget(domain);
      finish(sseEvent('result', stored.bytes.toString('utf8'), eventId || null));
    } catch (error) {
      request.log.warn({ err: error, domain }, 'event stream: result read failed');
      finish('event: error\ndata: {"code":"redis_unavailable"}\n\n');
    } finally {
      delivering = false;
    }
  };

  // Subscribe before reading the store: a result written in between is then in the read or in an event after it.
  let subscription: Awaited<ReturnType<typeof services.feed.subscribe>>;
  try {
    subscription = await services.feed.subscribe(domain, (event: ResultEvent) => {
      if (!newer(event.checkedAt)) return;
      if (streaming) void deliver(event.id);
      else noted = { id: event.id };
    });
  } catch (error) {
    release();
    throw error;
  }
  if (subscription.status !== 'ok') {
    release();
    throw new ApiError('too_many_streams');
  }
  unsubscribe = subscription.unsubscribe;

  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to; an event must leave at once.
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.write(`retry: 3000\n: waiting for a result of ${domain}\n\n`);
  // The response's 'close' (not the request's: that one fires once a GET's empty body is read) means the client left.
  res.on('close', () => finish(''));
  if (res.destroyed) finish('');
  timers.keepAlive = setInterval(() => {
    if (!finished) res.write(': keep-alive\n\n');
  }, limits.eventKeepAliveMs);
  timers.timeout = setTimeout(() => finish('event: timeout\ndata: {}\n\n'), limits.eventStreamTimeoutMs);
  streaming = true;
  const early = noted as { id: string | null } | null;
  if (early !== null) await deliver(early.id);
  else if (afterIso !== null) await deliver(null);
}

function isoOrThrow(value: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ApiError('bad_request', { message: 'after must be an ISO 8601 time (a checkedAt)' });
  return new Date(ms).toISOString();
}
