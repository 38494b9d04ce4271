import { Command, Option } from 'commander';
import { DirectEngine, createEngineParts } from '@mxv/probe';
import type { CheckResult, Verdict } from '@mxv/schema';
import pc from 'picocolors';
import { readDomainInputs } from '../input/read-domain-lines.js';
import { runOrdered } from '../input/ordered-pool.js';
import { addProbeFlags, integerFlag, probeOptionsFromFlags, type ProbeFlagValues } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';
import { ProgressLine } from '../output/progress-line.js';
import { renderResultTable } from '../output/render-table.js';

interface CheckFlags extends ProbeFlagValues {
  file?: string;
  json?: boolean;
  concurrency: string;
}

export function checkCommand(): Command {
  const command = new Command('check')
    .summary('check domains now, in this process (no Redis)')
    .description(
      "Follow each domain's mail chain live: MX → addresses → TCP → 220 greeting → EHLO → STARTTLS/TLS → QUIT.\nNever sends mail. Prints a table on a terminal, NDJSON (one result per line, input order) with --json or when piped.",
    )
    .argument('[domains...]', 'domains, e-mail addresses or Unicode names')
    .addOption(new Option('-f, --file <file>', 'read domains from FILE, one per line ("-" for stdin)'))
    .option('--json', 'print NDJSON results (the default when stdout is not a terminal)')
    .addOption(new Option('-c, --concurrency <n>', 'domains checked at once').env('MXV_CONCURRENCY').default('32'));
  addProbeFlags(command);
  return command.action(async (domains: string[], flags: CheckFlags) => {
    await runCheck(domains, flags);
  });
}

async function runCheck(domains: string[], flags: CheckFlags): Promise<void> {
  if (domains.length === 0 && flags.file === undefined) {
    throw new UsageError('give at least one domain, or --file FILE (- for stdin); see mxv check --help');
  }
  const concurrency = integerFlag('--concurrency', flags.concurrency, 1, 10_000);
  const setup = createEngineParts(probeOptionsFromFlags(flags));
  if (setup.status === 'invalid') throw new UsageError(setup.reason);
  const engine = new DirectEngine(setup.parts);

  const asJson = flags.json === true || process.stdout.isTTY !== true;
  const colors = pc.createColors(process.stdout.isTTY === true && !process.env['NO_COLOR']);
  const progress = new ProgressLine();
  const tally = new Map<Verdict, number>();
  let finished = 0;

  const total = await runOrdered(
    readDomainInputs(domains, flags.file),
    concurrency,
    async (input) => {
      const outcome = await engine.check(input);
      finished += 1;
      progress.update(`checked ${finished}…`);
      // Direct mode's gate waits instead of deferring, so a check always completes here.
      if (outcome.status !== 'complete') throw new Error(`internal: direct check deferred (${outcome.reason})`);
      return outcome.result;
    },
    (result: CheckResult) => {
      tally.set(result.verdict, (tally.get(result.verdict) ?? 0) + 1);
      progress.clear();
      process.stdout.write(asJson ? `${JSON.stringify(result)}\n` : `${renderResultTable(result, colors)}\n\n`);
    },
  );
  progress.clear();
  if (!asJson && total > 1) {
    const mix = [...tally.entries()].map(([verdict, count]) => `${verdict} ${count}`).join(', ');
    const cache = engine.hosts.stats;
    process.stdout.write(colors.dim(`${total} domains: ${mix}; ${cache.misses} host probes, ${cache.hits} reused\n`));
  }
}
