import { Option, type Command } from 'commander';
import type { ProbeOptionsInput } from '@mxv/probe';
import { UsageError } from './usage-error.js';

/** The flags every probing command understands (CONTRACT.md), each with its environment variable. */
export function addProbeFlags(command: Command): Command {
  return command
    .addOption(new Option('--dns <servers>', "recursive resolvers HOST[:PORT],... (default: the system's)").env('MXV_DNS'))
    .addOption(new Option('--smtp-port <n>', 'port probed on each mail host').env('MXV_SMTP_PORT').default('25'))
    .addOption(
      new Option('--allow-net <cidrs>', 'private/loopback/reserved ranges that may be probed anyway, CIDR,...').env(
        'MXV_ALLOW_NET',
      ),
    )
    .addOption(
      new Option('--timeout-ms <n>', "budget for one host's whole SMTP conversation").env('MXV_TIMEOUT_MS').default('30000'),
    )
    .addOption(new Option('--helo-name <name>', 'name sent with EHLO/HELO').env('MXV_HELO_NAME').default('mxv.invalid'))
    .addOption(
      new Option('--connect-timeout-ms <n>', 'timeout for the TCP connection').env('MXV_CONNECT_TIMEOUT_MS').default('10000'),
    )
    .addOption(new Option('--dns-timeout-ms <n>', 'timeout for one DNS try').env('MXV_DNS_TIMEOUT_MS').default('2500'));
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
  const hostBudgetMs = integerFlag('--timeout-ms', flags.timeoutMs, 100, 600_000);
  return {
    dnsServers: splitList(flags.dns),
    allowNet: splitList(flags.allowNet),
    smtp: {
      port: integerFlag('--smtp-port', flags.smtpPort, 1, 65_535),
      hostBudgetMs,
      heloName: flags.heloName,
      connectTimeoutMs: Math.min(hostBudgetMs, integerFlag('--connect-timeout-ms', flags.connectTimeoutMs, 50, 120_000)),
    },
    dns: { queryTimeoutMs: integerFlag('--dns-timeout-ms', flags.dnsTimeoutMs, 50, 60_000) },
  };
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function integerFlag(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
