import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, fleetKeys, ResultStore, type FleetRedis } from '@mxv/fleet';
import {
  startWorld,
  type ConnectionRecord,
  type World,
  type WorldDomainSpec,
  type WorldHostSpec,
  type WorldRecord,
  type WorldSpec,
  worldProbeFlags,
  peakOverlap,
  peakPerWindow,
} from '@mxv/testkit';
import { startTestRedis, type TestRedis } from '../../../packages/fleet/test/support/redis-server.js';
import { runCli } from './run-cli.js';
import { killStillRunning, startCli, waitFor, type CliProcess } from './support/cli-process.js';

/**
 * The group limits of `mxv worker`, read from the simulated servers' own
 * connection logs: several exchanges of one provider (one registrable domain) on
 * distinct loopback addresses, and several providers in one /24, probed by
 * workers in separate processes. The world's hosts all sit in one /24 of a
 * random 127.A block, so each test lifts the group limit it does not look at.
 */

/** Four exchanges of one provider, each its own address. */
const BIG = ['big1', 'big2', 'big3', 'big4'];
/** Three providers, one exchange each, in the same /24 as everything else. */
const NEIGHBOURS = ['alpha', 'beta', 'gamma'];
const GREETING_DELAY_MS = 400;
/** Each fleet test: worker start-up, 18-24 domains at 3 connections a second, drain; room for a loaded machine. */
const FLEET_TEST_MS = 90_000;

let world: World;
let redisServer: TestRedis;
let redis: FleetRedis;
let dir: string;
const children = new Set<ChildProcess>();

function worldSpec(): WorldSpec {
  const exchangeOf: Record<string, string> = {
    big1: 'aspmx.l.bigmail.test',
    big2: 'alt1.aspmx.l.bigmail.test',
    big3: 'alt2.aspmx.l.bigmail.test',
    big4: 'mx.eu.bigmail.test',
    alpha: 'mx.alpha.test',
    beta: 'mx.beta.test',
    gamma: 'mx.gamma.test',
  };
  const hosts: WorldHostSpec[] = [...BIG, ...NEIGHBOURS].map((id) => ({
    id,
    behaviour: 'esmtp' as const,
    hostname: exchangeOf[id],
    greetingDelayMs: GREETING_DELAY_MS,
  }));
  const records: Record<string, WorldRecord[]> = {};
  for (const host of hosts) records[host.hostname as string] = [{ type: 'A', host: host.id }];
  const domains: WorldDomainSpec[] = [];
  const add = (name: string, exchange: string): void => {
    records[name] = [{ type: 'MX', priority: 10, exchange }];
    domains.push({ name });
  };
  for (let i = 0; i < 24; i++) add(`d${i}.big.test`, exchangeOf[BIG[i % BIG.length] as string] as string);
  for (let i = 0; i < 18; i++) add(`d${i}.near.test`, exchangeOf[NEIGHBOURS[i % NEIGHBOURS.length] as string] as string);
  return { hosts, records, domains };
}

beforeAll(async () => {
  [world, redisServer] = await Promise.all([startWorld(worldSpec()), startTestRedis()]);
  const connected = await connectRedis(redisServer.url);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  redis = connected.redis;
  dir = mkdtempSync(join(tmpdir(), 'mxv-groups-test-'));
  writeFileSync(join(dir, 'ca.pem'), world.caCertPem);
});

afterEach(() => killStillRunning(children));

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([world?.stop(), redisServer?.stop()]);
});

const fleetFlags = (prefix: string): string[] => ['--redis', redisServer.url, '--prefix', prefix];

function startWorker(prefix: string, extra: string[]): CliProcess {
  const args = [
    'worker',
    ...fleetFlags(prefix),
    ...worldProbeFlags(world),
    '--timeout-ms',
    '3000',
    '--dns-timeout-ms',
    '500',
    '--heartbeat-ms',
    '300',
    '--concurrency',
    '20',
    // (Almost) no host reuse: every domain connects, so the limits are put to the test.
    '--host-ttl',
    '1ms',
    '--log-level',
    'warn',
    ...extra,
  ];
  return startCli(args, { env: { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }, children });
}

async function enqueue(prefix: string, domains: string[]): Promise<void> {
  const file = join(dir, `${prefix}.txt`);
  writeFileSync(file, `${domains.join('\n')}\n`);
  const run = await runCli(['enqueue', '--json', '-f', file, ...fleetFlags(prefix)]);
  expect(run.code, run.stderr).toBe(0);
}

async function waitForResults(prefix: string, domains: string[], timeoutMs: number): Promise<void> {
  const store = new ResultStore(redis, fleetKeys(prefix));
  await waitFor(
    `${domains.length} results of ${prefix}`,
    async () => (await store.getMany(domains)).filter((entry) => entry.status === 'found').length === domains.length,
    timeoutMs,
  );
}

function logOf(id: string): ConnectionRecord[] {
  const handle = world.hostsById.get(id)?.handle;
  if (!handle) throw new Error(`no live host ${id}`);
  return handle.log.records;
}

/** Most connections open at one instant across these records (a still-open one counts as open until now). */
function peakConcurrent(records: ConnectionRecord[]): number {
  return peakOverlap(records.map((r) => ({ start: r.openedAt, end: r.closedAt ?? Date.now() })));
}

/** Most connections opened within any window [t, t + windowMs). */
function peakNewPerWindow(records: ConnectionRecord[], windowMs = 1000): number {
  return peakPerWindow(
    records.map((r) => r.openedAt),
    windowMs,
  );
}

function clearLogs(): void {
  for (const host of world.hosts.values()) host.log.clear();
}

const domainsOf = (suffix: string): string[] => world.domains.filter((d) => d.endsWith(suffix));
const ADDRESS_FLAGS = ['--rate-per-ip', '2', '--max-conn-per-ip', '2'];

interface StatusGroups {
  politeness: { busiestGroups: Array<{ scope: string; group: string; grants: number; open: number }> };
}

describe('mxv worker: politeness per provider and per network', () => {
  it(
    "holds a provider's limits across its addresses, fleet-wide, each address within its own",
    async () => {
      clearLogs();
      const prefix = redisServer.prefix('provider');
      const domains = domainsOf('.big.test');
      // Four addresses × 2 a second and 2 open would allow 8 and 8; the provider allows 3 and 2.
      const flags = [
        ...ADDRESS_FLAGS,
        '--rate-per-provider',
        '3',
        '--max-conn-per-provider',
        '2',
        '--rate-per-network',
        '1000',
        '--max-conn-per-network',
        '1000',
      ];
      const workers = [startWorker(prefix, flags), startWorker(prefix, flags), startWorker(prefix, flags)];
      await enqueue(prefix, domains);
      await waitForResults(prefix, domains, 60_000);

      const all = BIG.flatMap(logOf);
      // More connections than the provider's rate allows in a second, or its limit was never put to the test.
      expect(all.length).toBeGreaterThan(6);
      expect(peakNewPerWindow(all), 'provider new connections per second').toBeLessThanOrEqual(3);
      expect(peakConcurrent(all), 'provider concurrent connections').toBeLessThanOrEqual(2);
      // With 400 ms greetings and 3 grants a second, two conversations overlap: the cap was reached.
      expect(peakConcurrent(all)).toBe(2);
      for (const id of BIG) {
        expect(peakNewPerWindow(logOf(id)), `${id} new connections per second`).toBeLessThanOrEqual(2);
        expect(peakConcurrent(logOf(id)), `${id} concurrent connections`).toBeLessThanOrEqual(2);
      }
      // No other provider was touched.
      for (const id of NEIGHBOURS) expect(logOf(id)).toHaveLength(0);

      // `mxv status` names the provider among the busiest groups, with every grant it got.
      const status = await runCli(['status', '--json', '--heartbeat-ms', '300', ...fleetFlags(prefix)]);
      expect(status.code, status.stderr).toBe(0);
      const groups = (JSON.parse(status.stdout) as StatusGroups).politeness.busiestGroups;
      expect(groups.find((g) => g.scope === 'provider' && g.group === 'bigmail.test')?.grants).toBe(all.length);
      const text = await runCli(['status', '--heartbeat-ms', '300', ...fleetFlags(prefix)]);
      expect(text.stdout).toMatch(/provider\s+bigmail\.test\s+\d+ granted/);

      for (const worker of workers) worker.child.kill('SIGTERM');
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
    },
    FLEET_TEST_MS,
  );

  it(
    "holds a network's limits across the providers in one /24, fleet-wide",
    async () => {
      clearLogs();
      const prefix = redisServer.prefix('network');
      const domains = domainsOf('.near.test');
      const flags = [
        ...ADDRESS_FLAGS,
        '--rate-per-provider',
        '1000',
        '--max-conn-per-provider',
        '1000',
        '--rate-per-network',
        '3',
        '--max-conn-per-network',
        '2',
      ];
      const workers = [startWorker(prefix, flags), startWorker(prefix, flags)];
      await enqueue(prefix, domains);
      await waitForResults(prefix, domains, 60_000);

      const all = NEIGHBOURS.flatMap(logOf);
      expect(all.length).toBeGreaterThan(6);
      expect(peakNewPerWindow(all), '/24 new connections per second').toBeLessThanOrEqual(3);
      expect(peakConcurrent(all), '/24 concurrent connections').toBeLessThanOrEqual(2);
      for (const id of NEIGHBOURS) {
        expect(peakNewPerWindow(logOf(id)), `${id} new connections per second`).toBeLessThanOrEqual(2);
        expect(peakConcurrent(logOf(id)), `${id} concurrent connections`).toBeLessThanOrEqual(2);
      }
      for (const worker of workers) worker.child.kill('SIGTERM');
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    },
    FLEET_TEST_MS,
  );

  it('refuses group limits that are zero, negative, not numbers or huge (exit 2, before connecting)', async () => {
    // Every value of every flag is table-tested against its bound in number-flag.test.ts; this is the wiring.
    for (const [flag, value] of [
      ['--rate-per-provider', '0'],
      ['--rate-per-network', 'NaN'],
      ['--max-conn-per-provider', '2.5'],
      ['--max-conn-per-network', '100000'],
    ] as const) {
      const run = await runCli(['worker', ...fleetFlags('never'), `${flag}=${value}`]);
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(run.stderr).toContain(`${flag} must be`);
    }
  });
});
