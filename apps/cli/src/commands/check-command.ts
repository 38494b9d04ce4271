import { Command, Option } from 'commander';
import { CHECK_BOUNDS } from '../options/cli-bounds.js';
import { boundDefault } from '../options/number-flag.js';
import { addProbeFlags, type ProbeFlagValues } from '../options/probe-flags.js';

export interface CheckFlags extends ProbeFlagValues {
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
    .addOption(
      new Option('-c, --concurrency <n>', 'domains checked at once')
        .env('MXV_CONCURRENCY')
        .default(boundDefault(CHECK_BOUNDS.concurrency)),
    );
  addProbeFlags(command, 'allow');
  return command.action(async (domains: string[], flags: CheckFlags) => {
    // The engine is loaded only now: `mxv --help` and `mxv check --help` never pay for it.
    const { runCheck } = await import('./run-check.js');
    await runCheck(domains, flags);
  });
}
