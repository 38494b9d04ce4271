import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, createVerifyQueue, fleetKeys, ResultStore, type FleetRedis, type VerifyQueue } from '@mxv/fleet';
import {
  startWorld,
  type World,
  type WorldDomainSpec,
  type WorldHostSpec,
  type WorldRecord,
  worldProbeFlags,
} from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { runCli } from './run-cli.js';
import { killStillRunning, startCli, waitFor, type CliProcess } from './support/cli-process.js';

/**
 * A Redis that refuses some commands in the middle of a run, as an ACL
 * change, a full `maxmemory` or a Cluster slot in migration does: a real
 * `mxv worker` whose result writes get NOPERM must put its jobs back, not
 * fail them (BullMQ would remove them, domains unchecked), and store every
 * result once Redis takes writes again. The refusal is an ACL on our own
 * private server: the worker's user may read result keys but not write them,
 * while BullMQ's keys stay writable.
 */

const PREFIX = 'refuse';
const DOMAINS = Array.from({ length: 30 }, (_, i) => `d${i}.refuse.test`);
const SLOW_DOMAIN = 'slow.refuse.test';
const WATCHED_DOMAIN = 'watched.refuse.test';
const WEBHOOK_SECRET = 'refusal-test-webhook-secret';
const USER = 'mxv-worker';
const PASSWORD = 'refusal-test-password';
let world: World;
let redisServer: TestRedis;
let admin: FleetRedis;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  const records: Record<string, WorldRecord[]> = {
    'mx.refuse.test': [{ type: 'A', host: 'mx' }],
    'slow-mx.refuse.test': [{ type: 'A', host: 'slow' }],
    'watched-mx.refuse.test': [{ type: 'A', host: 'watched' }],
    [WATCHED_DOMAIN]: [{ type: 'MX', priority: 10, exchange: 'watched-mx.refuse.test' }],
    [SLOW_DOMAIN]: [{ type: 'MX', priority: 10, exchange: 'slow-mx.refuse.test' }],
  };
  const domains: WorldDomainSpec[] = DOMAINS.map((name) => {
    records[name] = [{ type: 'MX', priority: 10, exchange: 'mx.refuse.test' }];
    return { name };
  });
  domains.push({ name: SLOW_DOMAIN }, { name: WATCHED_DOMAIN });
  const hosts: WorldHostSpec[] = [
    { id: 'mx', behaviour: 'esmtp', hostname: 'mx.refuse.test' },
    // Greets after 4 s: a run that outlives a 1 s job deadline.
    { id: 'slow', behaviour: 'esmtp', hostname: 'slow-mx.refuse.test', greetingDelayMs: 4_000 },
    // Stopped mid-test: the watched domain's change.
    { id: 'watched', behaviour: 'esmtp', hostname: 'watched-mx.refuse.test' },
  ];
  [world, redisServer] = await Promise.all([
    startWorld({ hosts, records, domains }),
    // Its own server: the test changes ACL users, which a shared one must not see.
    startTestRedis({ own: true }),
  ]);
  const connected = await connectRedis(redisServer.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  admin = connected.redis;
  dir = mkdtempSync(join(tmpdir(), 'mxv-refusal-test-'));
  writeFileSync(join(dir, 'ca.pem'), world.caCertPem);
});

afterAll(async () => {
  killStillRunning(children);
  admin?.disconnect();
  await Promise.all([world?.stop(), redisServer?.stop()]);
});

/** The worker's user: everything of the fleet but `refuse:r…` (results) read-only. */
async function refuseResultWrites(): Promise<void> {
  await admin.call(
    'ACL',
    'SETUSER',
    USER,
    'reset',
    'on',
    `>${PASSWORD}`,
    '+@all',
    '&*',
    `~{${PREFIX}}*`,
    `~${PREFIX}:[^r]*`,
    `%R~${PREFIX}:r*`,
  );
}

async function allowResultWrites(): Promise<void> {
  await admin.call('ACL', 'SETUSER', USER, `%RW~${PREFIX}:r*`);
}

function workerUrl(): string {
  const url = new URL(redisServer.url);
  url.username = USER;
  url.password = PASSWORD;
  return url.toString();
}

/** One `mxv worker` at log level warn. Its whole log is kept: the tests pick out every line of a kind. */
function startWorker(redisUrl: string, prefix: string, extra: string[], env: Record<string, string> = {}): CliProcess {
  return startCli(
    [
      'worker',
      '--redis',
      redisUrl,
      '--prefix',
      prefix,
      ...worldProbeFlags(world),
      '--timeout-ms',
      '10000',
      '--dns-timeout-ms',
      '3000',
      '--concurrency',
      '10',
      '--log-level',
      'warn',
      ...extra,
    ],
    { env: { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), ...env }, children, logTailChars: Infinity },
  );
}

/** Jobs in the queue in any state but finished (those are removed at once). */
async function jobsLeft(queue: VerifyQueue): Promise<number> {
  const counts = await Promise.all(
    queue.shards.map((shard) => shard.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed')),
  );
  return counts.reduce((sum, byState) => sum + Object.values(byState).reduce((a, b) => a + b, 0), 0);
}

async function storedCount(): Promise<number> {
  const found = await new ResultStore(admin, fleetKeys(PREFIX)).getMany(DOMAINS);
  return found.filter((entry) => entry.status === 'found').length;
}

describe('a worker whose Redis refuses commands, or whose run hangs', () => {
  it('puts the refused jobs back and stores every result once Redis takes writes again', async () => {
    await refuseResultWrites();
    const file = join(dir, 'domains.txt');
    writeFileSync(file, `${DOMAINS.join('\n')}\n`);
    const enqueued = await runCli(['enqueue', '--json', '-f', file, '--redis', redisServer.url, '--prefix', PREFIX]);
    expect(enqueued.code, enqueued.stderr).toBe(0);

    const { child: worker, logs } = startWorker(workerUrl(), PREFIX, ['--retry-base-ms', '200', '--error-runs', '20']);
    const refusedDomains = (): Set<string> => {
      const seen = new Set<string>();
      for (const line of logs().split('\n')) {
        if (!line.includes('"why":"error"') || !line.includes('NOPERM')) continue;
        const entry = JSON.parse(line) as { domain?: string };
        if (entry.domain) seen.add(entry.domain);
      }
      return seen;
    };

    // Every domain was checked and its write refused at least once...
    await waitFor('a refused write for every domain', () => refusedDomains().size === DOMAINS.length, 30_000);
    expect(await storedCount()).toBe(0);
    expect(logs()).not.toContain('job failed');
    // ...and every job is still queued (BullMQ failed and removed them before).
    const queue = createVerifyQueue(admin, fleetKeys(PREFIX));
    expect(await jobsLeft(queue)).toBe(DOMAINS.length);

    await allowResultWrites();
    await waitFor('every result stored', async () => (await storedCount()) === DOMAINS.length, 30_000);
    const results = await new ResultStore(admin, fleetKeys(PREFIX)).getMany(DOMAINS);
    for (const entry of results) {
      expect(entry.status).toBe('found');
      if (entry.status !== 'found') continue;
      expect(entry.result.verdict, entry.result.domain).toBe('ok');
      // Error runs are not attempts: one run produced the result.
      expect(entry.result.attempts, entry.result.domain).toBe(1);
    }
    // One write each: the events stream gets an entry per write.
    expect(await admin.xlen(fleetKeys(PREFIX).events)).toBe(DOMAINS.length);
    await waitFor('an empty queue', async () => (await jobsLeft(queue)) === 0, 10_000);
    expect(logs()).not.toContain('job failed');
    await queue.close();
    worker.kill('SIGKILL');
  }, 90_000);

  it('aborts a run past --job-deadline-ms, puts it back as an error run, and fails it after --error-runs', async () => {
    const prefix = 'deadline';
    const enqueued = await runCli(['enqueue', '--redis', redisServer.url, '--prefix', prefix, SLOW_DOMAIN]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    const { logs } = startWorker(redisServer.url, prefix, [
      '--job-deadline-ms',
      '1000',
      '--error-runs',
      '2',
      '--retry-base-ms',
      '100',
      // One connection for everything: the other test runs the default (a second, auto-pipelined one).
      '--no-auto-pipelining',
    ]);
    await waitFor('the job to fail', () => logs().includes('"msg":"job failed"'), 30_000, {
      detail: () => `worker log:\n${logs()}`,
    });
    const delayed = logs()
      .split('\n')
      .filter((line) => line.includes('"why":"error"'));
    expect(delayed).toHaveLength(1);
    expect(delayed[0]).toContain('job deadline of 1000 ms passed');
    expect(logs()).toContain('--job-deadline-ms is not above --timeout-ms');
    expect(logs()).toContain('job deadline of 1000 ms passed');
    const queue = createVerifyQueue(admin, fleetKeys(prefix));
    expect(await jobsLeft(queue)).toBe(0);
    await queue.close();
    expect((await new ResultStore(admin, fleetKeys(prefix)).get(SLOW_DOMAIN)).status).toBe('not_found');
    const ran = await runCli(['worker', '--redis', redisServer.url, '--job-deadline-ms', '999']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--job-deadline-ms');
  }, 60_000);

  it('owes a watch’s webhook whose queueing Redis refused after the result was stored, and sends it once Redis takes it', async () => {
    const prefix = 'owed';
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    let worker: CliProcess | undefined;
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const add = await runCli([
        'watch',
        'add',
        WATCHED_DOMAIN,
        '--every',
        '1s',
        '--min-every',
        '1s',
        '--webhook',
        hook,
        '--redis',
        redisServer.url,
        '--prefix',
        prefix,
      ]);
      expect(add.code, add.stderr).toBe(0);
      // Everything of the fleet writable at first.
      await admin.call('ACL', 'SETUSER', USER, 'reset', 'on', `>${PASSWORD}`, '+@all', '&*', `~{${prefix}}*`, `~${prefix}:*`);
      worker = startWorker(
        workerUrl(),
        prefix,
        [
          '--retry-base-ms',
          '200',
          '--error-runs',
          '50',
          '--watch-tick-ms',
          '100',
          '--allow-net',
          `${world.allowNet.join(',')},127.0.0.1/32`,
          // The follow-up's own line is at info.
          '--log-level',
          'info',
        ],
        { MXV_WEBHOOK_SECRET: WEBHOOK_SECRET },
      );
      const logs = worker.logs;
      const store = new ResultStore(admin, fleetKeys(prefix));
      const verdict = async (): Promise<string | null> => {
        const stored = await store.get(WATCHED_DOMAIN);
        return stored.status === 'found' ? stored.result.verdict : null;
      };
      await waitFor('the first result', async () => (await verdict()) === 'ok', 30_000);

      // The webhook queue ({owed}:webhook:…) read-only; the verify queue and the results stay writable.
      await admin.call('ACL', 'SETUSER', USER, 'resetkeys', `~{${prefix}}:[^w]*`, `%R~{${prefix}}:w*`, `~${prefix}:*`);
      await world.hostsById.get('watched')!.handle!.stop();
      await waitFor('the change stored', async () => (await verdict()) === 'unreachable', 30_000);
      await waitFor(
        'its follow-up refused and owed',
        () =>
          logs()
            .split('\n')
            .some((line) => line.includes('"why":"error"') && line.includes('NOPERM') && line.includes(WATCHED_DOMAIN)),
        30_000,
      );
      expect(received).toEqual([]);

      await admin.call('ACL', 'SETUSER', USER, `%RW~{${prefix}}:w*`);
      await waitFor('the owed webhook', () => received.length >= 1, 30_000, { detail: () => `worker log:\n${logs()}` });
      // The worker logs the follow-up once its queueing returns; the delivery, by the same process, may reach
      // the receiver before that line reaches this process through the worker's stderr pipe.
      await waitFor('the follow-up logged', () => logs().includes('follow-up of a stored result done'), 5_000, {
        detail: () => `worker log:\n${logs()}`,
      });
      const body = JSON.parse(received[0]!) as { domain: string; changes: Array<{ path: string; from: unknown; to: unknown }> };
      expect(body.domain).toBe(WATCHED_DOMAIN);
      expect(body.changes).toContainEqual({ path: 'verdict', from: 'ok', to: 'unreachable' });
      // Re-checks of a host that stays down change nothing more: one webhook.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(received).toHaveLength(1);
    } finally {
      worker?.child.kill('SIGKILL');
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 120_000);
});
