import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis, fleetKeys, ResultStore, type FleetRedis } from '@mxv/fleet';
import { startRedisServer, type RedisServerHandle } from '@mxv/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApiApp } from '../src/index.js';
import { sampleResult, TOKEN, waitFor } from './support.js';

/**
 * The lookup page waits for a result through one SSE stream, fed by the API's
 * one blocking XREAD reader. After Redis restarts under it, that reader must
 * come back by itself: a stream open across the restart gets its result, and
 * so does one opened after. A private redis-server (append-only, restarted on
 * its port and directory), never the shared one.
 */

const PREFIX = 'feed-restart';
let dir: string;
let redisServer: RedisServerHandle;
let app: FastifyInstance;
let writer: FleetRedis | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mxv-feed-restart-'));
  const started = await startRedisServer({ dir, appendOnly: true });
  if (started.status !== 'ok') throw new Error(`redis-server: ${started.why}`);
  redisServer = started.server;
  app = await buildApiApp({
    redis: redisServer.url,
    prefix: PREFIX,
    token: TOKEN,
    limits: { minRefreshAgeMs: 0, rateLimitPerMinute: 0, eventStreamTimeoutMs: 20_000 },
  });
  await app.ready();
}, 30_000);

afterAll(async () => {
  writer?.disconnect();
  await app?.close();
  await redisServer?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An SSE stream over real HTTP: its body so far, and its whole body once the server ends it. */
function openStream(url: string): { received: () => string; ended: Promise<string> } {
  const chunks: string[] = [];
  const ended = new Promise<string>((resolve, reject) => {
    get(url, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => chunks.push(chunk));
      response.on('end', () => resolve(chunks.join('')));
      response.on('error', reject);
    }).on('error', reject);
  });
  return { received: () => chunks.join(''), ended };
}

it('an event stream open across a Redis restart, and one opened after it, get their results', async () => {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const across = openStream(`${address}/v1/domains/across.test/events`);
  // Open means its first line came: the feed has read where the events stream ended (a restart before
  // that would let the write below land before that read, and "the next result" would be the one after it).
  await waitFor('the stream to open', () => across.received().includes(': waiting for a result of across.test'));
  await redisServer.stop('SIGTERM');
  const restarted = await startRedisServer({ dir, appendOnly: true, port: redisServer.port });
  if (restarted.status !== 'ok') throw new Error(`redis-server again: ${restarted.why}`);
  redisServer = restarted.server;
  const connected = await connectRedis(redisServer.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  writer = connected.redis;
  const store = new ResultStore(writer, fleetKeys(PREFIX));

  await store.write(sampleResult('across.test', new Date().toISOString()));
  const acrossBody = await across.ended;
  expect(acrossBody, acrossBody).toMatch(/event: result\ndata: \{.*"domain":"across\.test"/);

  const after = openStream(`${address}/v1/domains/after.test/events`);
  await waitFor('the second stream to open', () => after.received().includes(': waiting for a result of after.test'));
  await store.write(sampleResult('after.test', new Date().toISOString()));
  const afterBody = await after.ended;
  expect(afterBody, afterBody).toMatch(/event: result\ndata: \{.*"domain":"after\.test"/);
}, 40_000);
