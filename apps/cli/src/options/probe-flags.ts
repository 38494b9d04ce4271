import { Option, type Command } from 'commander';
import {
  CHECK_NAMES,
  DNS_BOUNDS,
  HELO_NAME,
  IP_FAMILIES,
  isHeloName,
  POLICY_BOUNDS,
  SMTP_BOUNDS,
  type IpFamily,
} from '@mxv/probe/bounds';
import type { ProbeOptionsInput } from '@mxv/probe';
import { defaultTlsMode, parsePortList, type ProbePort } from '@mxv/probe/ports';
import { boundDefault, boundFlag } from './number-flag.js';
import { UsageError } from './usage-error.js';

/** `--own-addresses`: whether this machine's own interface addresses are probed (address-policy.ts). */
export type OwnAddressesMode = 'block' | 'allow';

/**
 * The flags every probing command understands (CONTRACT.md), each with its environment variable.
 * `ownAddresses`: the command's default for --own-addresses (a worker blocks: the public API picks its targets).
 */
export function addProbeFlags(command: Command, ownAddresses: OwnAddressesMode): Command {
  return command
    .addOption(new Option('--dns <servers>', "recursive resolvers HOST[:PORT],... (default: the system's)").env('MXV_DNS'))
    .addOption(
      new Option(
        '--ports <list>',
        'ports probed on each mail host, e.g. 25,587,465; 465 or N/tls is implicit TLS (default: 25)',
      ).env('MXV_PORTS'),
    )
    .addOption(new Option('--smtp-port <n>', 'one port probed on each mail host: the same as --ports N').env('MXV_SMTP_PORT'))
    .addOption(
      new Option(
        '--proxy <url>',
        "send every connection to the domains' servers (SMTP, the MTA-STS policy fetch) through this SOCKS5 proxy: socks5://[user:pass@]host:port",
      ).env('MXV_PROXY'),
    )
    .addOption(
      new Option('--allow-net <cidrs>', 'private/loopback/reserved ranges that may be probed anyway, CIDR,...').env(
        'MXV_ALLOW_NET',
      ),
    )
    .addOption(
      new Option(
        '--own-addresses <mode>',
        "block: never connect to this machine's own interface addresses, public ones included, unless --allow-net names them (own_address); allow: probe them like any public address",
      )
        .env('MXV_OWN_ADDRESSES')
        .choices(['block', 'allow'])
        .default(ownAddresses),
    )
    .addOption(
      new Option(
        '--ip-families <list>',
        'IP versions mail hosts are probed over: 4, 6 or 4,6; addresses of the other are listed, not tried (for a network without IPv6)',
      )
        .env('MXV_IP_FAMILIES')
        .default('4,6'),
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
      new Option(
        '--greeting-timeout-ms <n>',
        "how long to wait for the server's greeting (capped by --timeout-ms; RFC 5321 lets senders wait 5 minutes)",
      )
        .env('MXV_GREETING_TIMEOUT_MS')
        .default(boundDefault(SMTP_BOUNDS.greetingTimeoutMs)),
    )
    .addOption(
      new Option('--reply-timeout-ms <n>', 'how long to wait for each reply to EHLO, HELO, STARTTLS (capped by --timeout-ms)')
        .env('MXV_REPLY_TIMEOUT_MS')
        .default(boundDefault(SMTP_BOUNDS.replyTimeoutMs)),
    )
    .addOption(
      new Option('--dns-timeout-ms <n>', 'timeout for one DNS try')
        .env('MXV_DNS_TIMEOUT_MS')
        .default(boundDefault(DNS_BOUNDS.queryTimeoutMs)),
    )
    .addOption(
      new Option(
        '--mta-sts-timeout-ms <n>',
        'timeout for fetching one MTA-STS policy (RFC 8461 3.3 asks hosts to answer within 60000)',
      )
        .env('MXV_MTA_STS_TIMEOUT_MS')
        .default(boundDefault(POLICY_BOUNDS.mtaStsFetchTimeoutMs)),
    )
    .addOption(
      new Option(
        '--dns-questions-per-socket <n>',
        'UDP DNS questions one socket (one source port) carries at most while they overlap; 1: a socket each',
      )
        .env('MXV_DNS_QUESTIONS_PER_SOCKET')
        .default(boundDefault(DNS_BOUNDS.questionsPerUdpSocket)),
    )
    .addOption(
      new Option(
        '--dnsbl <zones>',
        "DNS block lists to look each mail host's address up in (RFC 5782), ZONE,... (default: none)",
      ).env('MXV_DNSBL'),
    )
    .addOption(
      new Option('--checks <list>', `checks run besides the mail route: ${CHECK_NAMES.join(',')}, all or none`)
        .env('MXV_CHECKS')
        .default('all'),
    )
    .addOption(
      // Hidden: RFC 8461 fixes 443; the simulated world serves its policy hosts on a free port instead.
      new Option('--mta-sts-port <n>', 'port of the MTA-STS policy hosts (tests only)')
        .default(boundDefault(POLICY_BOUNDS.mtaStsPort))
        .hideHelp(),
    );
}

export interface ProbeFlagValues {
  dns?: string;
  smtpPort?: string;
  ports?: string;
  proxy?: string;
  allowNet?: string;
  ownAddresses: string;
  ipFamilies: string;
  timeoutMs: string;
  heloName: string;
  connectTimeoutMs: string;
  greetingTimeoutMs: string;
  replyTimeoutMs: string;
  dnsTimeoutMs: string;
  dnsQuestionsPerSocket: string;
  checks: string;
  mtaStsPort: string;
  mtaStsTimeoutMs: string;
  dnsbl?: string;
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
  if (!isHeloName(flags.heloName)) {
    throw new UsageError(
      `--helo-name / MXV_HELO_NAME must be a domain name or an address literal such as [192.0.2.1] (RFC 5321 4.1.1.1), got ${JSON.stringify(flags.heloName)}`,
    );
  }
  return {
    dnsServers,
    allowNet: splitList(flags.allowNet),
    blockOwnAddresses: flags.ownAddresses === 'block',
    ipFamilies: ipFamiliesFlag(flags.ipFamilies),
    ports: portsFlag(flags),
    proxy: flags.proxy ?? null,
    smtp: {
      hostBudgetMs,
      heloName: flags.heloName,
      connectTimeoutMs: Math.min(
        hostBudgetMs,
        boundFlag('--connect-timeout-ms', flags.connectTimeoutMs, SMTP_BOUNDS.connectTimeoutMs),
      ),
      greetingTimeoutMs: Math.min(
        hostBudgetMs,
        boundFlag('--greeting-timeout-ms', flags.greetingTimeoutMs, SMTP_BOUNDS.greetingTimeoutMs),
      ),
      replyTimeoutMs: Math.min(hostBudgetMs, boundFlag('--reply-timeout-ms', flags.replyTimeoutMs, SMTP_BOUNDS.replyTimeoutMs)),
    },
    dns: {
      queryTimeoutMs: boundFlag('--dns-timeout-ms', flags.dnsTimeoutMs, DNS_BOUNDS.queryTimeoutMs),
      questionsPerUdpSocket: boundFlag(
        '--dns-questions-per-socket',
        flags.dnsQuestionsPerSocket,
        DNS_BOUNDS.questionsPerUdpSocket,
      ),
    },
    checks: checksFlag(flags.checks),
    policy: {
      mtaStsPort: boundFlag('--mta-sts-port', flags.mtaStsPort, POLICY_BOUNDS.mtaStsPort),
      mtaStsFetchTimeoutMs: boundFlag('--mta-sts-timeout-ms', flags.mtaStsTimeoutMs, POLICY_BOUNDS.mtaStsFetchTimeoutMs),
    },
    // Each zone is validated with the other options (dnsbl-zone.ts): garbage is a usage error.
    dnsbl: splitList(flags.dnsbl),
  };
}

/** `--ip-families`: "4", "6" or "4,6" ("ipv4"/"ipv6" too), each once. */
function ipFamiliesFlag(value: string): IpFamily[] {
  const families = splitList(value).map((entry) => {
    const family = { '4': 4, ipv4: 4, '6': 6, ipv6: 6 }[entry.toLowerCase()];
    if (family === undefined) throw new UsageError(`--ip-families / MXV_IP_FAMILIES: "${entry}" is not 4 or 6`);
    return family as IpFamily;
  });
  if (families.length === 0) throw new UsageError(`--ip-families / MXV_IP_FAMILIES names no IP version (got "${value}")`);
  return IP_FAMILIES.filter((family) => families.includes(family));
}

/**
 * `--ports LIST`, or `--smtp-port N` (which is `--ports N`). Both at once is a
 * usage error, whether from flags or the environment: which one was meant
 * cannot be guessed, and silently preferring one would probe ports nobody asked for.
 */
export function portsFlag(flags: Pick<ProbeFlagValues, 'ports' | 'smtpPort'>): ProbePort[] | undefined {
  if (flags.ports !== undefined && flags.smtpPort !== undefined)
    throw new UsageError('give --ports (MXV_PORTS) or --smtp-port (MXV_SMTP_PORT), not both: --smtp-port N is --ports N');
  if (flags.smtpPort !== undefined) {
    const port = boundFlag('--smtp-port', flags.smtpPort, SMTP_BOUNDS.port);
    return [{ port, tlsMode: defaultTlsMode(port) }];
  }
  if (flags.ports === undefined) return undefined;
  const parsed = parsePortList(flags.ports);
  if (parsed.status === 'invalid')
    throw new UsageError(`--ports takes a list like 25,587,465 (N/tls: implicit TLS): ${parsed.reason}`);
  return parsed.ports;
}

type CheckName = (typeof CHECK_NAMES)[number];

/** `--checks`: `all`, `none`, or a list of check names (any order, repeats ignored); anything else is a usage error. */
export function checksFlag(raw: string): CheckName[] {
  const words = splitList(raw.toLowerCase());
  if (words.length === 1 && words[0] === 'all') return [...CHECK_NAMES];
  if (words.length === 1 && words[0] === 'none') return [];
  const known = new Set<string>(CHECK_NAMES);
  const unknown = words.filter((word) => !known.has(word));
  if (words.length === 0 || unknown.length > 0) {
    const alone = unknown.find((word) => word === 'all' || word === 'none');
    const shown =
      alone !== undefined
        ? `"${alone}" inside a list (it stands alone)`
        : unknown.length > 0
          ? `unknown check "${unknown[0]}"`
          : 'an empty list';
    throw new UsageError(`--checks takes all, none or a list of ${CHECK_NAMES.join(',')}; got ${shown}`);
  }
  return CHECK_NAMES.filter((name) => words.includes(name));
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
