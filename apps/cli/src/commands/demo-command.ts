import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { DirectEngine, createEngineParts } from '@mxv/probe';
import type { CheckResult } from '@mxv/schema';
import { demoWorldSpec, expectationMismatches, startWorld, type World } from '@mxv/testkit';
import pc from 'picocolors';
import { runOrdered } from '../input/ordered-pool.js';
import { integerFlag } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';
import { renderResultTable } from '../output/render-table.js';

interface DemoFlags {
  json?: boolean;
  timeoutMs: string;
  serve?: boolean;
}

export function demoCommand(): Command {
  return new Command('demo')
    .summary('check a simulated mail world on loopback (no internet, no Redis)')
    .description(
      "Starts the testkit's simulated world on 127.x loopback addresses: a resolver and one mail host per case\n(STARTTLS ok, expired or wrong-name certificates, null MX, 554/421 greetings, silent, refused, HTTP on port 25, ...),\nchecks every domain of it with the real engine, and shows each result next to what the world says it should be.",
    )
    .option('--json', 'print NDJSON results instead of tables')
    .addOption(new Option('--timeout-ms <n>', "budget for one host's SMTP conversation").default('4000'))
    .option('--serve', 'keep the world running afterwards so you can run mxv check against it (Ctrl-C stops)')
    .action(async (flags: DemoFlags) => runDemo(flags));
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const hostBudgetMs = integerFlag('--timeout-ms', flags.timeoutMs, 500, 600_000);
  const colors = pc.createColors(process.stdout.isTTY === true && !process.env['NO_COLOR']);
  process.stderr.write(colors.dim('starting the simulated mail world on loopback…\n'));
  const world = await startWorld(demoWorldSpec());
  try {
    const setup = createEngineParts(
      {
        dnsServers: [world.dns],
        allowNet: world.allowNet,
        smtp: { port: world.smtpPort, hostBudgetMs, greetingTimeoutMs: hostBudgetMs, replyTimeoutMs: hostBudgetMs },
        dns: { queryTimeoutMs: 1000, attemptsPerServer: 1 },
      },
      { extraCaPem: [world.caCertPem] },
    );
    if (setup.status === 'invalid') throw new UsageError(setup.reason);
    const engine = new DirectEngine(setup.parts);
    let agreed = 0;
    const disagreements: string[] = [];
    const count = await runOrdered(
      (async function* () {
        yield* world.domains;
      })(),
      16,
      async (domain) => {
        const outcome = await engine.check(domain);
        if (outcome.status !== 'complete') throw new Error(`internal: direct check deferred (${outcome.reason})`);
        return outcome.result;
      },
      (result: CheckResult) => {
        const expected = world.expectations.get(result.input);
        const mismatches = expected ? expectationMismatches(result, expected) : [];
        if (mismatches.length === 0) agreed += 1;
        else disagreements.push(`${result.input}: ${mismatches.join('; ')}`);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const note =
          mismatches.length === 0 ? colors.green('  as the world expects') : colors.red(`  UNEXPECTED: ${mismatches.join('; ')}`);
        process.stdout.write(`${renderResultTable(result, colors)}\n${note}\n\n`);
      },
    );
    const stats = engine.hosts.stats;
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
  const caFile = join(mkdtempSync(join(tmpdir(), 'mxv-demo-')), 'ca.pem');
  writeFileSync(caFile, world.caCertPem);
  process.stderr.write(
    `\nThe world keeps running. In another terminal, try:\n  ${colors.bold(
      `NODE_EXTRA_CA_CERTS=${caFile} ./mxv check --dns ${world.dns} --allow-net ${world.allowNet.join(',')} --smtp-port ${world.smtpPort} ok.test null-mx.test`,
    )}\nCtrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
