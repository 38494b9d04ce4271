#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { apiCommand } from './commands/api-command.js';
import { checkCommand } from './commands/check-command.js';
import { demoCommand } from './commands/demo-command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { enqueueCommand } from './commands/enqueue-command.js';
import { historyCommand } from './commands/history-command.js';
import { watchCommand } from './commands/watch-command.js';
import { showCommand } from './commands/show-command.js';
import { statusCommand } from './commands/status-command.js';
import { workerCommand } from './commands/worker-command.js';
import { envSourcedFlags, nameEnvSources } from './options/env-sources.js';
import { UsageError } from './options/usage-error.js';

const EXIT_OK = 0;
const EXIT_INTERNAL = 1;
const EXIT_USAGE = 2;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Filled before a command's action runs: which of its flags the environment set (for usage errors). */
let envSourced = new Map<string, string>();

export function buildProgram(): Command {
  const program = new Command('mxv')
    .description("Live SMTP/MX verification: does this domain's mail infrastructure work?")
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (_program, action) => {
      envSourced = envSourcedFlags(action);
    });
  program.addCommand(checkCommand());
  program.addCommand(demoCommand());
  program.addCommand(doctorCommand());
  // Fleet commands (packages/fleet) are registered below.
  program.addCommand(enqueueCommand());
  program.addCommand(workerCommand());
  program.addCommand(showCommand());
  program.addCommand(statusCommand());
  program.addCommand(historyCommand());
  program.addCommand(watchCommand());
  // API command (apps/api) is registered below.
  program.addCommand(apiCommand());
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const nested of sub.commands) nested.exitOverride();
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command that ran but found a failure says so through process.exitCode (mxv doctor: 1).
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`mxv: ${nameEnvSources(error.message, envSourced)}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`mxv: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_INTERNAL;
  }
}

const exitCode = await main(process.argv);
// Long-running commands (worker, api) resolve only once they have shut down, so
// exiting here never cuts work short; it ends whatever handle a library left open.
process.stdout.write('', () => process.exit(exitCode));
