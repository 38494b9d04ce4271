import { isIP } from 'node:net';
import {
  checkDnsblZone,
  DirectDialer,
  boundValues,
  parseCanary,
  parseDnsServerList,
  parseProxyUrl,
  Socks5Dialer,
  StubResolver,
  systemDnsServers,
  type Dialer,
  type ProxyEndpoint,
} from '@mxv/probe';
import { defaultsOf, DNS_BOUNDS, REPUTATION_BOUNDS, SMTP_BOUNDS } from '@mxv/probe/bounds';
import pc from 'picocolors';
import { checkDnsblHealth } from '../doctor/check-dnsbl-health.js';
import { checkEgressReputation, checkOutboundSmtp, findEgressAddress, type EgressInputs } from '../doctor/check-egress.js';
import { checkIpv6Route } from '../doctor/check-ipv6-route.js';
import { checkProxy } from '../doctor/check-proxy.js';
import { checkRedis } from '../doctor/check-redis.js';
import { checkResolvers } from '../doctor/check-resolvers.js';
import type { DoctorCheck } from '../doctor/doctor-check.js';
import { renderDoctorTable } from '../doctor/render-doctor-table.js';
import { boundFlag } from '../options/number-flag.js';
import { splitList } from '../options/probe-flags.js';
import { UsageError } from '../options/usage-error.js';
import type { DoctorFlags } from './doctor-command.js';
import { useColors } from '../output/use-colors.js';

export async function runDoctor(flags: DoctorFlags): Promise<void> {
  const dnsBounds = boundValues(DNS_BOUNDS, {
    queryTimeoutMs: boundFlag('--dns-timeout-ms', flags.dnsTimeoutMs, DNS_BOUNDS.queryTimeoutMs),
  });
  const connectTimeoutMs = boundFlag('--connect-timeout-ms', flags.connectTimeoutMs, SMTP_BOUNDS.connectTimeoutMs);
  let servers = systemDnsServers();
  if (flags.dns !== undefined) {
    const parsed = parseDnsServerList(flags.dns);
    if (parsed.status === 'invalid') throw new UsageError(`--dns: ${parsed.input}: ${parsed.reason}`);
    servers = parsed.servers;
  }
  if (servers.length === 0) throw new UsageError('no DNS resolver configured: pass --dns HOST[:PORT]');
  const zones = splitList(flags.dnsbl).map((raw) => {
    const zone = checkDnsblZone(raw);
    if (zone.status === 'invalid') throw new UsageError(`--dnsbl: ${zone.reason}`);
    return zone.zone;
  });
  if (flags.egressIp !== undefined && isIP(flags.egressIp) === 0)
    throw new UsageError(`--egress-ip: "${flags.egressIp}" is not an IPv4 or IPv6 address`);
  let canary = null;
  if (flags.canary !== undefined) {
    const parsed = parseCanary(flags.canary);
    if (parsed.status === 'invalid') throw new UsageError(`--canary: ${parsed.reason}`);
    canary = parsed.canary;
  }
  let proxy: ProxyEndpoint | null = null;
  let dialer: Dialer = new DirectDialer();
  if (flags.proxy !== undefined) {
    const parsed = parseProxyUrl(flags.proxy);
    if (parsed.status === 'invalid') throw new UsageError(`--proxy: ${parsed.reason}`);
    proxy = parsed.proxy;
    dialer = new Socks5Dialer(proxy, new DirectDialer());
  }
  const resolver = new StubResolver({ servers, bounds: dnsBounds });
  const inputs: EgressInputs = {
    canary,
    dialer,
    resolver,
    connectTimeoutMs,
    egressIp: flags.egressIp ?? null,
    whoamiName: flags.whoamiName ?? null,
    heloName: flags.heloName,
    zones,
    reputation: defaultsOf(REPUTATION_BOUNDS),
  };

  // Independent questions, asked together; printed in a fixed order.
  const [resolvers, smtp, proxyCheck, redis, egress, lists] = await Promise.all([
    checkResolvers(servers, dnsBounds, flags.dnsTestName),
    checkOutboundSmtp(inputs),
    checkProxy(proxy, connectTimeoutMs),
    checkRedis(flags.redis ?? null, flags.redisCluster === true),
    findEgressAddress(inputs).then(async (found) => [found.check, ...(await checkEgressReputation(inputs, found.ip))]),
    Promise.all(zones.map((zone) => checkDnsblHealth(zone, resolver, inputs.reputation))),
  ]);
  const checks: DoctorCheck[] = [...resolvers, smtp, checkIpv6Route(), proxyCheck, ...egress, ...lists, redis];
  if (flags.json === true || process.stdout.isTTY !== true) process.stdout.write(`${JSON.stringify({ checks })}\n`);
  else process.stdout.write(`${renderDoctorTable(checks, pc.createColors(useColors()))}\n`);
  process.exitCode = checks.some((check) => check.status === 'fail') ? 1 : 0;
}
