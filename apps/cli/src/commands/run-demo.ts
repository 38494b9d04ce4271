import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fleetKeys } from '@mxv/fleet';
import { MailCheckEngine, createEngineParts, createInProcessHostSource } from '@mxv/probe';
import type { CheckResult } from '@mxv/schema';
import { demoWorldSpec, expectationMismatches, startWorld, worldProbeFlags, type World } from '@mxv/testkit';
import pc from 'picocolors';
import { runOrdered } from '../input/ordered-pool.js';
import { DEMO_BOUNDS } from '../options/cli-bounds.js';
import { boundFlag } from '../options/number-flag.js';
import { UsageError } from '../options/usage-error.js';
import { renderResultTable } from '../output/render-table.js';
import { deletePrefix, findOrStartRedis, HOW_TO_GET_REDIS } from '../demo/demo-redis.js';
import { DEMO_DNS, runFleetDemo, type RunningFleetDemo } from '../demo/fleet-demo.js';
import type { DemoFlags } from './demo-command.js';
import { terminalSafeJson } from '../output/terminal-safe-json.js';
import { useColors } from '../output/use-colors.js';

export async function runDemo(flags: DemoFlags): Promise<void> {
  if (flags.direct) return runDirectDemo(flags);
  const hostBudgetMs = boundFlag('--timeout-ms', flags.timeoutMs, DEMO_BOUNDS.hostBudgetMs);
  const workers = boundFlag('--workers', flags.workers, DEMO_BOUNDS.workers);
  const port = boundFlag('--port', flags.port, DEMO_BOUNDS.port);
  const colors = pc.createColors(useColors());
  const redis = await findOrStartRedis(flags.redis);
  if (redis.status === 'none') {
    process.stderr.write(`${colors.yellow(HOW_TO_GET_REDIS)}\n(${redis.why})\n\n`);
    return runDirectDemo(flags);
  }
  process.stderr.write(
    colors.dim(
      `${redis.status === 'started' ? `started a private redis-server at ${redis.url}` : `using Redis at ${redis.url}`}; starting the simulated mail world on loopback…\n`,
    ),
  );
  // A fresh prefix: the demo never reads or overwrites another fleet's keys on a shared Redis.
  const keys = fleetKeys(`demo-${randomBytes(4).toString('hex')}`);
  const world = await startWorld(demoWorldSpec());
  let demo: RunningFleetDemo | null = null;
  try {
    demo = await runFleetDemo({
      world,
      redisUrl: redis.url,
      keys,
      workers,
      hostBudgetMs,
      host: flags.host,
      port,
      json: flags.json === true,
      colors,
      waitMs: Math.max(30_000, hostBudgetMs * 6),
    });
    const url = demo.api.url;
    if (flags.once) {
      // Everything stops now: the addresses would name servers that are gone.
      process.stderr.write(`\nThe lookup page was served at ${url}/ during the run; without --once it keeps serving.\n`);
    } else {
      process.stderr.write(
        [
          '',
          `${colors.bold('Lookup page:')}     ${url}/   (e.g. ${url}/d/ok.test)`,
          `${colors.bold('API:')}             curl ${url}/v1/domains/ok.test   (OpenAPI: ${url}/openapi.json)`,
          `${colors.bold('Queue dashboard:')} ${url}/admin/queues   (any user name, password ${demo.token})`,
          '',
        ].join('\n'),
      );
    }
    if (!flags.once) {
      process.stderr.write('Serving until Ctrl-C…\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stderr.write(colors.dim('stopping the API, the workers, the world and Redis…\n'));
    }
  } finally {
    await demo?.stop();
    await world.stop();
    if (redis.status === 'external') await deletePrefix(redis.url, keys);
    await redis.stop();
  }
}

async function runDirectDemo(flags: DemoFlags): Promise<void> {
  const hostBudgetMs = boundFlag('--timeout-ms', flags.timeoutMs, DEMO_BOUNDS.hostBudgetMs);
  const colors = pc.createColors(useColors());
  process.stderr.write(colors.dim('starting the simulated mail world on loopback…\n'));
  const world = await startWorld(demoWorldSpec());
  try {
    const setup = createEngineParts(
      {
        dnsServers: [world.dns],
        allowNet: world.allowNet,
        smtp: { port: world.smtpPort, hostBudgetMs, greetingTimeoutMs: hostBudgetMs, replyTimeoutMs: hostBudgetMs },
        dns: DEMO_DNS,
        policy: { mtaStsPort: world.httpsPort },
      },
      { extraCaPem: [world.caCertPem] },
    );
    if (setup.status === 'invalid') throw new UsageError(setup.reason);
    const engine = new MailCheckEngine(setup.parts);
    const hosts = createInProcessHostSource(setup.parts);
    let agreed = 0;
    const disagreements: string[] = [];
    const count = await runOrdered(
      (async function* () {
        yield* world.domains;
      })(),
      16,
      async (domain) => {
        const outcome = await engine.check(domain, hosts);
        if (outcome.status !== 'complete') throw new Error(`internal: direct check deferred (${outcome.reason})`);
        return outcome.result;
      },
      (result: CheckResult) => {
        const expected = world.expectations.get(result.input);
        const mismatches = expected ? expectationMismatches(result, expected) : [];
        if (mismatches.length === 0) agreed += 1;
        else disagreements.push(`${result.input}: ${mismatches.join('; ')}`);
        if (flags.json) {
          process.stdout.write(`${terminalSafeJson(result)}\n`);
          return;
        }
        const note =
          mismatches.length === 0 ? colors.green('  as the world expects') : colors.red(`  UNEXPECTED: ${mismatches.join('; ')}`);
        process.stdout.write(`${renderResultTable(result, colors, { width: process.stdout.columns })}\n${note}\n\n`);
      },
    );
    const stats = hosts.stats;
    process.stderr.write(
      `${count} domains checked; ${agreed} as expected, ${disagreements.length} not; ${stats.misses} host probes, ${stats.hits} reused from the host cache\n`,
    );
    for (const line of disagreements) process.stderr.write(colors.red(`  ${line}\n`));
    if (flags.serve) await serveUntilInterrupted(world, colors);
  } finally {
    await world.stop();
  }
}

async function serveUntilInterrupted(world: World, colors: ReturnType<typeof pc.createColors>): Promise<void> {
  const caDir = mkdtempSync(join(tmpdir(), 'mxv-demo-'));
  const caFile = join(caDir, 'ca.pem');
  writeFileSync(caFile, world.caCertPem);
  try {
    process.stderr.write(
      `\nThe world keeps running. In another terminal, try:\n  ${colors.bold(
        // The world's own flags, the policy hosts' port included (without it every MTA-STS fetch is refused).
        `NODE_EXTRA_CA_CERTS=${caFile} ./mxv check ${worldProbeFlags(world).join(' ')} ok.test null-mx.test policies-ok.test`,
      )}\nCtrl-C stops it.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    // The world's CA is good for nothing once the world is gone.
    rmSync(caDir, { recursive: true, force: true });
  }
}
