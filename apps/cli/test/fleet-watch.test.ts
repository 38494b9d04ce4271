import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, domainHistorySchema, fleetKeys, ResultStore, type FleetRedis } from '@mxv/fleet';
import { startWorld, type World, worldProbeFlags } from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { LIFTED_GROUP_LIMITS, runCli } from './run-cli.js';
import { killStillRunning, startCli, waitFor } from './support/cli-process.js';

/**
 * Watches end to end: real `mxv worker` processes, a simulated world whose
 * mail host stops answering during the test, and webhook receivers on
 * 127.0.0.1 that verify the signature.
 */

const SECRET = 'watch-test-secret';
let world: World;
let redisServer: TestRedis;
let redis: FleetRedis;
let dir: string;
const children = new Set<ChildProcess>();
const servers = new Set<Server>();

beforeAll(async () => {
  [world, redisServer] = await Promise.all([
    startWorld({
      hosts: [
        { id: 'h1', behaviour: 'esmtp', hostname: 'mx.watch.test' },
        { id: 'h2', behaviour: 'esmtp', hostname: 'mx.stay.test' },
      ],
      records: {
        'mx.watch.test': [{ type: 'A', host: 'h1' }],
        'mx.stay.test': [{ type: 'A', host: 'h2' }],
        'a.watch.test': [{ type: 'MX', priority: 10, exchange: 'mx.watch.test' }],
        'b.watch.test': [{ type: 'MX', priority: 10, exchange: 'mx.watch.test' }],
        'c.stay.test': [{ type: 'MX', priority: 10, exchange: 'mx.stay.test' }],
      },
      domains: [{ name: 'a.watch.test' }, { name: 'b.watch.test' }, { name: 'c.stay.test' }],
    }),
    startTestRedis(),
  ]);
  const connected = await connectRedis(redisServer.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  redis = connected.redis;
  dir = mkdtempSync(join(tmpdir(), 'mxv-watch-test-'));
  writeFileSync(join(dir, 'ca.pem'), world.caCertPem);
});

afterEach(() => killStillRunning(children));

afterAll(async () => {
  for (const server of servers) server.close();
  redis?.disconnect();
  await Promise.all([world?.stop(), redisServer?.stop()]);
});

interface Received {
  body: string;
  valid: boolean;
}

/** A webhook receiver that checks X-Mxv-Signature the way the README shows. */
async function startReceiver(port = 0): Promise<{ port: number; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      const valid = req.headers['x-mxv-signature'] === expected;
      received.push({ body, valid });
      res.writeHead(valid ? 204 : 401).end();
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received, server };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function fleetFlags(prefix: string): string[] {
  return ['--redis', redisServer.url, '--prefix', prefix];
}

function startWorker(prefix: string): ChildProcess {
  return startCli(
    [
      'worker',
      ...fleetFlags(prefix),
      ...worldProbeFlags(world, false),
      '--allow-net',
      `${world.allowNet.join(',')},127.0.0.1/32`,
      '--timeout-ms',
      '2000',
      '--dns-timeout-ms',
      '500',
      '--attempts',
      '1',
      '--heartbeat-ms',
      '300',
      '--lock-ms',
      '2000',
      '--stalled-interval-ms',
      '1000',
      '--watch-tick-ms',
      '100',
      // The worker killed below may die holding a claim: its watch comes due again after 1 s, not the default 60 s.
      '--watch-claim-ms',
      '1000',
      '--webhook-attempts',
      '3',
      '--webhook-backoff-ms',
      '100',
      // Both hosts share the world's /24 and are re-checked every second: group limits out of the way.
      ...LIFTED_GROUP_LIMITS,
      '--log-level',
      'warn',
    ],
    { env: { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), MXV_WEBHOOK_SECRET: SECRET }, children },
  ).child;
}

/** The most the test waits for any one step of it to come about. */
const STEP_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('mxv watch', () => {
  it('a host that stops answering: one change record, one signed webhook; a receiver that is down: dead letter, then replay', async () => {
    const prefix = redisServer.prefix('watch');
    const store = new ResultStore(redis, fleetKeys(prefix));
    const up = await startReceiver();
    const downPort = await freePort();

    const tooShort = await runCli(['watch', 'add', 'a.watch.test', '--every', '2s', ...fleetFlags(prefix)]);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toContain('--every must be at least 10s');
    const shortClaim = await runCli(['worker', '--watch-claim-ms', '999', ...fleetFlags(prefix)]);
    expect(shortClaim.code).toBe(2);
    expect(shortClaim.stderr).toContain('--watch-claim-ms must be a whole number from 1000 to 3600000, got "999"');
    for (const [domain, port] of [
      ['a.watch.test', up.port],
      ['b.watch.test', downPort],
    ] as const) {
      const add = await runCli([
        'watch',
        'add',
        domain,
        '--every',
        '1s',
        '--min-every',
        '1s',
        '--webhook',
        `http://127.0.0.1:${port}/hook`,
        '--json',
        ...fleetFlags(prefix),
      ]);
      expect(add.code, add.stderr).toBe(0);
      expect(JSON.parse(add.stdout)).toMatchObject({ added: 1, everyMs: 1_000 });
    }
    const addC = await runCli(['watch', 'add', 'c.stay.test', '--every', '1s', '--min-every', '1s', ...fleetFlags(prefix)]);
    expect(addC.code, addC.stderr).toBe(0);

    const workers = [startWorker(prefix), startWorker(prefix)];
    const verdictOf = async (domain: string): Promise<string | null> => {
      const stored = await store.get(domain);
      return stored.status === 'found' ? stored.result.verdict : null;
    };
    await waitFor(
      'first results',
      async () => (await verdictOf('a.watch.test')) === 'ok' && (await verdictOf('b.watch.test')) === 'ok',
      STEP_MS,
    );

    // One worker dies mid-tick (SIGKILL): the other goes on; no watch is lost.
    workers[0]!.kill('SIGKILL');
    const before = await store.get('c.stay.test');
    await waitFor(
      'c.stay.test re-checked after the kill',
      async () => {
        const now = await store.get('c.stay.test');
        return now.status === 'found' && before.status === 'found' && now.result.checkedAt > before.result.checkedAt;
      },
      STEP_MS,
    );

    await world.hostsById.get('h1')!.handle!.stop();
    await waitFor(
      'unreachable',
      async () => (await verdictOf('a.watch.test')) === 'unreachable' && (await verdictOf('b.watch.test')) === 'unreachable',
      STEP_MS,
    );
    await waitFor('the webhook', () => up.received.length >= 1, STEP_MS);
    // Several more re-checks of a host that stays down: nothing new changes.
    await sleep(3_000);

    const history = await runCli(['history', 'a.watch.test', '--json', ...fleetFlags(prefix)]);
    expect(history.code, history.stderr).toBe(0);
    const parsed = domainHistorySchema.parse(JSON.parse(history.stdout));
    const verdictChanges = parsed.changes.flatMap((record) => record.changes.filter((c) => c.path === 'verdict'));
    expect(verdictChanges).toEqual([{ path: 'verdict', from: 'ok', to: 'unreachable' }]);
    expect(parsed.changes).toHaveLength(1);
    // A domain never checked says so, where "changes": [] alone would read as one that never changed.
    const never = await runCli(['history', 'never.watch.test', '--json', ...fleetFlags(prefix)]);
    expect(JSON.parse(never.stdout)).toEqual({ domain: 'never.watch.test', changes: [], status: 'not_found' });

    expect(up.received).toHaveLength(1);
    expect(up.received[0]!.valid).toBe(true);
    const body = JSON.parse(up.received[0]!.body) as Record<string, unknown>;
    expect(body).toEqual({
      type: 'changed',
      domain: 'a.watch.test',
      at: parsed.changes[0]!.at,
      changes: parsed.changes[0]!.changes,
    });

    // b's receiver was never up: its delivery used up its attempts and waits as a dead letter.
    await waitFor(
      'a dead letter',
      async () => {
        const status = await runCli(['status', '--json', ...fleetFlags(prefix)]);
        return (
          (JSON.parse(status.stdout) as { watches: { webhooks: { deadLetters: number } } }).watches.webhooks.deadLetters === 1
        );
      },
      STEP_MS,
    );
    const late = await startReceiver(downPort);
    const replay = await runCli(['watch', 'replay', '--json', ...fleetFlags(prefix)]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ replayed: 1 });
    await waitFor('the replayed delivery', () => late.received.length === 1, STEP_MS);
    expect(late.received[0]!.valid).toBe(true);
    expect(JSON.parse(late.received[0]!.body)).toMatchObject({ type: 'changed', domain: 'b.watch.test' });

    // Removing a watch stops its checks (a check already queued may still run once).
    const remove = await runCli(['watch', 'remove', 'c.stay.test', '--json', ...fleetFlags(prefix)]);
    expect(JSON.parse(remove.stdout)).toMatchObject({ removed: 1 });
    await sleep(1_500);
    const frozen = await store.get('c.stay.test');
    await sleep(2_500);
    const after = await store.get('c.stay.test');
    expect(after.status === 'found' && frozen.status === 'found' && after.result.checkedAt === frozen.result.checkedAt).toBe(
      true,
    );

    const list = await runCli(['watch', 'list', '--json', ...fleetFlags(prefix)]);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { domain: string }).domain)
        .sort(),
    ).toEqual(['a.watch.test', 'b.watch.test']);
  }, 90_000);
});
