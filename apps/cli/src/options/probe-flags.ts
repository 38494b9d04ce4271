import { Option, type Command } from 'commander';
import { DNS_BOUNDS, HELO_NAME, SMTP_BOUNDS } from '@mxv/probe/bounds';
import type { ProbeOptionsInput } from '@mxv/probe';
import { boundDefault, boundFlag } from './number-flag.js';
import { UsageError } from './usage-error.js';

/** The flags every probing command understands (CONTRACT.md), each with its environment variable. */
export function addProbeFlags(command: Command): Command {
  return command
    .addOption(new Option('--dns <servers>', "recursive resolvers HOST[:PORT],... (default: the system's)").env('MXV_DNS'))
    .addOption(
      new Option('--smtp-port <n>', 'port probed on each mail host').env('MXV_SMTP_PORT').default(boundDefault(SMTP_BOUNDS.port)),
    )
    .addOption(
      new Option('--allow-net <cidrs>', 'private/loopback/reserved ranges that may be probed anyway, CIDR,...').env(
        'MXV_ALLOW_NET',
      ),
    )
    .addOption(
      new Option('--timeout-ms <n>', "budget for one host's whole SMTP conversation")
        .env('MXV_TIMEOUT_MS')
        .default(boundDefault(SMTP_BOUNDS.hostBudgetMs)),
    )
    .addOption(new Option('--helo-name <name>', 'name sent with EHLO/HELO').env('MXV_HELO_NAME').default(HELO_NAME.default))
    .addOption(
      new Option('--connect-timeout-ms <n>', 'timeout for the TCP connection')
        .env('MXV_CONNECT_TIMEOUT_MS')
        .default(boundDefault(SMTP_BOUNDS.connectTimeoutMs)),
    )
    .addOption(
      new Option('--dns-timeout-ms <n>', 'timeout for one DNS try')
        .env('MXV_DNS_TIMEOUT_MS')
        .default(boundDefault(DNS_BOUNDS.queryTimeoutMs)),
    );
}

export interface ProbeFlagValues {
  dns?: string;
  smtpPort: string;
  allowNet?: string;
  timeoutMs: string;
  heloName: string;
  connectTimeoutMs: string;
  dnsTimeoutMs: string;
}

export function probeOptionsFromFlags(flags: ProbeFlagValues): ProbeOptionsInput {
  const hostBudgetMs = boundFlag('--timeout-ms', flags.timeoutMs, SMTP_BOUNDS.hostBudgetMs);
  const dnsServers = splitList(flags.dns);
  // "--dns ," would otherwise fall back to the system resolver without a word: a
  // test or a bench meant to stay on loopback would then ask the real DNS.
  if (flags.dns !== undefined && dnsServers.length === 0) {
    throw new UsageError(
      `--dns / MXV_DNS names no resolver (got "${flags.dns}"); give HOST[:PORT],... or leave it unset for the system's`,
    );
  }
  return {
    dnsServers,
    allowNet: splitList(flags.allowNet),
    smtp: {
      port: boundFlag('--smtp-port', flags.smtpPort, SMTP_BOUNDS.port),
      hostBudgetMs,
      heloName: flags.heloName,
      connectTimeoutMs: Math.min(
        hostBudgetMs,
        boundFlag('--connect-timeout-ms', flags.connectTimeoutMs, SMTP_BOUNDS.connectTimeoutMs),
      ),
    },
    dns: { queryTimeoutMs: boundFlag('--dns-timeout-ms', flags.dnsTimeoutMs, DNS_BOUNDS.queryTimeoutMs) },
  };
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
