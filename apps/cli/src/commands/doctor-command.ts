import { Command, Option } from 'commander';
import { DNS_BOUNDS, HELO_NAME, SMTP_BOUNDS } from '@mxv/probe/bounds';
import { boundDefault } from '../options/number-flag.js';

export interface DoctorFlags {
  json?: boolean;
  dns?: string;
  canary?: string;
  proxy?: string;
  egressIp?: string;
  whoamiName?: string;
  heloName: string;
  dnsbl?: string;
  redis?: string;
  redisCluster?: boolean;
  dnsTestName: string;
  dnsTimeoutMs: string;
  connectTimeoutMs: string;
}

/** `mxv doctor`: the definition only; the checks load when it runs (run-doctor.ts). */
export function doctorCommand(): Command {
  return new Command('doctor')
    .summary('can this machine probe mail servers, and will what it sees be true?')
    .description(
      "Check the resolvers (do they answer, do they validate DNSSEC), outbound SMTP (a connection to --canary, through --proxy if given), the egress address (--egress-ip or --whoami-name) and its PTR/FCrDNS against --helo-name, whether it is on the --dnsbl lists, each list's RFC 5782 test points (dnsbl:ZONE), and Redis when --redis is given. Exit 0 when no check failed, 1 otherwise.",
    )
    .option('--json', 'print {"checks":[{"name","status","detail"}]}')
    .addOption(new Option('--dns <servers>', "recursive resolvers HOST[:PORT],... (default: the system's)").env('MXV_DNS'))
    .addOption(new Option('--canary <host[:port]>', 'a mail server known to answer (port 25 by default)').env('MXV_CANARY'))
    .addOption(new Option('--proxy <url>', 'the SOCKS5 proxy SMTP connections go through').env('MXV_PROXY'))
    .addOption(new Option('--egress-ip <address>', 'our address as mail servers see it').env('MXV_EGRESS_IP'))
    .addOption(
      new Option('--whoami-name <name>', "a DNS name whose TXT (or A) answers with the asker's address").env('MXV_WHOAMI_NAME'),
    )
    .addOption(new Option('--helo-name <name>', 'name sent with EHLO/HELO').env('MXV_HELO_NAME').default(HELO_NAME.default))
    .addOption(new Option('--dnsbl <zones>', 'DNS block lists, ZONE,...').env('MXV_DNSBL'))
    .addOption(
      new Option('--redis <url>', "the fleet's Redis (checked only when given); redis+cluster://h:p,h:p for a Redis Cluster"),
    )
    .addOption(new Option('--redis-cluster', '--redis names Redis Cluster nodes (seeds)'))
    .addOption(new Option('--dns-test-name <name>', 'the name whose SOA the resolvers are asked').default('com'))
    .addOption(new Option('--dns-timeout-ms <n>', 'timeout for one DNS try').default(boundDefault(DNS_BOUNDS.queryTimeoutMs)))
    .addOption(
      new Option('--connect-timeout-ms <n>', 'timeout for the canary connection and its greeting').default(
        boundDefault(SMTP_BOUNDS.connectTimeoutMs),
      ),
    )
    .action(async (flags: DoctorFlags) => {
      const { runDoctor } = await import('./run-doctor.js');
      await runDoctor(flags);
    });
}
