import { MailCheckEngine, createEngineParts, createInProcessHostSource, rejectedInputResult } from '@mxv/probe';
import type { CheckResult, Verdict } from '@mxv/schema';
import pc from 'picocolors';
import { readDomainInputs } from '../input/read-domain-lines.js';
import { runOrdered } from '../input/ordered-pool.js';
import { CHECK_BOUNDS } from '../options/cli-bounds.js';
import { boundFlag } from '../options/number-flag.js';
import { guardOffWarning } from '../options/guard-off-warning.js';
import { noIpv6Warning } from '../options/no-ipv6-warning.js';
import { probeOptionsFromFlags } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';
import { PipedStdout } from '../output/piped-stdout.js';
import { ProgressLine } from '../output/progress-line.js';
import { renderResultTable } from '../output/render-table.js';
import type { CheckFlags } from './check-command.js';
import { terminalSafeJson } from '../output/terminal-safe-json.js';
import { useColors } from '../output/use-colors.js';
import { LocalFailureTally } from '../output/local-failure-hint.js';
import { checkDnsblHealth } from '../doctor/check-dnsbl-health.js';

/**
 * Results wait to be printed in input order: this many inputs past the oldest unfinished one may run or
 * wait (at least; 4 × --concurrency when larger), so a domain that takes its whole timeout does not hold
 * the rest of the list back. A result is a few KB: 1,024 of them a few MB.
 */
const AHEAD_OF_SLOWEST = 1024;
/** 128 + SIGINT, what a shell reports for a command stopped with Ctrl-C. */
const EXIT_INTERRUPTED = 130;

export async function runCheck(domains: string[], flags: CheckFlags): Promise<void> {
  if (domains.length === 0 && flags.file === undefined) {
    throw new UsageError('give at least one domain, or --file FILE (- for stdin); see mxv check --help');
  }
  const concurrency = boundFlag('--concurrency', flags.concurrency, CHECK_BOUNDS.concurrency);
  const probeOptions = probeOptionsFromFlags(flags);
  const setup = createEngineParts(probeOptions);
  if (setup.status === 'invalid') throw new UsageError(setup.reason);
  const guardOff = guardOffWarning(probeOptions.allowNet ?? []);
  if (guardOff !== null) process.stderr.write(`mxv: warning: ${guardOff}\n`);
  const engine = new MailCheckEngine(setup.parts);
  // A mistyped or dead block list answers "not listed" for every address: its RFC 5782 test points tell,
  // asked beside the run (two questions a zone) and said at the end, as `mxv doctor` says it.
  const { options } = setup.parts;
  const listHealth = options.checks.includes('dnsbl')
    ? Promise.all(options.dnsbl.map((zone) => checkDnsblHealth(zone, setup.parts.resolver, options.reputation)))
    : Promise.resolve([]);
  const hosts = createInProcessHostSource(setup.parts);

  const asJson = flags.json === true || process.stdout.isTTY !== true;
  const colors = pc.createColors(useColors());
  const progress = new ProgressLine();
  const tally = new Map<Verdict, number>();
  let finished = 0;
  // IPv6 addresses that could not be reached: the machine's doing when it has no IPv6 route (said at the end).
  const unreachableIpv6 = new Set<string>();
  // A run that failed the same way for every domain on this side (resolver, address policy, proxy): said at the end.
  const localFailures = new LocalFailureTally();
  // A slow reader holds the run back; one that went away ends it (PipedStdout).
  const stdout = new PipedStdout();

  // Ctrl-C: what finished is printed (in input order, the unfinished skipped), then the run ends.
  const interrupt = new AbortController();
  const onInterrupt = (): void => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  let printed = 0;
  let total: number;
  try {
    total = await runOrdered(
      readDomainInputs(domains, flags.file),
      concurrency,
      async (input) => {
        if (input.status === 'too_long') {
          finished += 1;
          return rejectedInputResult(input.text, 'too_long');
        }
        const outcome = await engine.check(input.text, hosts);
        finished += 1;
        progress.update(`checked ${finished}…`);
        // Direct mode's gate waits instead of deferring, so a check always completes here.
        if (outcome.status !== 'complete') throw new Error(`internal: direct check deferred (${outcome.reason})`);
        return outcome.result;
      },
      (result: CheckResult) => {
        tally.set(result.verdict, (tally.get(result.verdict) ?? 0) + 1);
        localFailures.add(result);
        for (const host of result.hosts)
          if (host.connect === 'unreachable' && host.ip.includes(':')) unreachableIpv6.add(host.ip);
        progress.clear();
        printed += 1;
        stdout.write(
          asJson
            ? `${terminalSafeJson(result)}\n`
            : `${renderResultTable(result, colors, { width: process.stdout.columns })}\n\n`,
        );
      },
      {
        outputReady: () => stdout.ready(),
        aheadLimit: Math.max(concurrency * 4, AHEAD_OF_SLOWEST),
        stop: interrupt.signal,
      },
    );
  } finally {
    process.off('SIGINT', onInterrupt);
    stdout.flush();
  }
  progress.clear();
  if (interrupt.signal.aborted) {
    process.stderr.write(
      `mxv: interrupted: ${printed} result(s) printed of ${total} domain(s) taken; the rest of the list was not checked\n`,
    );
    // Checks still running hold sockets open: they end with the process.
    process.exit(EXIT_INTERRUPTED);
  }
  const noIpv6 = unreachableIpv6.size > 0 ? noIpv6Warning(probeOptions.ipFamilies) : null;
  if (noIpv6 !== null) process.stderr.write(`mxv: warning: ${unreachableIpv6.size} IPv6 address(es) unreachable: ${noIpv6}\n`);
  const localFailure = localFailures.hint();
  if (localFailure !== null) process.stderr.write(`mxv: warning: ${localFailure}\n`);
  for (const list of await listHealth) {
    if (list.status === 'fail')
      process.stderr.write(
        `mxv: warning: --dnsbl ${list.name.slice('dnsbl:'.length)}: ${list.detail}; its "not listed" answers mean nothing (mxv doctor checks lists)\n`,
      );
  }
  if (!asJson && total > 1) {
    const mix = [...tally.entries()].map(([verdict, count]) => `${verdict} ${count}`).join(', ');
    const cache = hosts.stats;
    stdout.write(colors.dim(`${total} domains: ${mix}; ${cache.misses} host probes, ${cache.hits} reused\n`));
    stdout.flush();
  }
}
