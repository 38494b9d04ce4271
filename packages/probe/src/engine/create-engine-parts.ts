import { createAddressPolicy, restrictIpFamilies, systemOwnAddresses, type AddressPolicy } from '../address-policy.js';
import type { DnsResolver, DnsServerAddress } from '../dns/dns-types.js';
import { parseDnsServer, systemDnsServers } from '../dns/parse-server-list.js';
import { StubResolver } from '../dns/stub-resolver.js';
import { readProbeOptions, type ProbeOptions, type ProbeOptionsInput } from '../options.js';
import type { Dialer } from '../net/dialer.js';
import { DirectDialer } from '../net/direct-dialer.js';
import { parseProxyUrl } from '../net/proxy-url.js';
import { Socks5Dialer } from '../net/socks5-dialer.js';
import { HttpsStsPolicyFetcher, type StsPolicyFetcher } from '../policy/fetch-sts-policy.js';
import { SmtpHostProber } from '../smtp/probe-host.js';
import type { HostProber } from './host-types.js';
import { AddressReputation, type ReputationObserver } from '../reputation/address-reputation.js';
import { ReputationProber } from '../reputation/reputation-prober.js';
import { reputationWanted } from '../reputation/reputation-host-source.js';

export interface EngineParts {
  options: ProbeOptions;
  resolver: DnsResolver;
  policy: AddressPolicy;
  prober: HostProber;
  /** Fetches MTA-STS policies (through the address policy, like SMTP probes); a policy source caches what it returns. */
  stsFetcher: StsPolicyFetcher;
  /** PTR/FCrDNS and block-list lookups per address, shared by the prober and the engine (reputation-host-source.ts). */
  reputation: AddressReputation;
}

export type EngineSetup = { status: 'ok'; parts: EngineParts } | { status: 'invalid'; reason: string };

export interface EngineOverrides {
  /** Extra trusted CAs for the TLS check (tests; people use NODE_EXTRA_CA_CERTS). */
  extraCaPem?: string[];
  resolver?: DnsResolver;
  /** How the prober connects (tests); otherwise direct, or through `options.proxy`. */
  dialer?: Dialer;
  /** Told of each PTR and block-list lookup (the fleet's metrics). */
  reputationObserver?: ReputationObserver;
}

/**
 * Validates options once and builds what every check shares: the resolver, the
 * address policy and the SMTP prober. Direct mode and fleet workers build the
 * same parts; only the host source they hand to MailCheckEngine differs.
 */
export function createEngineParts(input: ProbeOptionsInput, overrides: EngineOverrides = {}): EngineSetup {
  const parsed = readProbeOptions(input);
  if (parsed.status === 'invalid') return parsed;
  const options = parsed.options;
  const policySetup = createAddressPolicy(
    options.allowNet,
    options.blockOwnAddresses ? { ownAddresses: systemOwnAddresses } : {},
  );
  if (policySetup.status === 'invalid')
    return { status: 'invalid', reason: `--allow-net: ${policySetup.entry}: ${policySetup.reason}` };
  const policy = restrictIpFamilies(policySetup.policy, options.ipFamilies);

  let resolver = overrides.resolver;
  if (!resolver) {
    const servers: DnsServerAddress[] = [];
    for (const entry of options.dnsServers) {
      const server = parseDnsServer(entry);
      if (server.status === 'invalid') return { status: 'invalid', reason: `--dns: ${entry}: ${server.reason}` };
      servers.push(server.server);
    }
    const chosen = servers.length > 0 ? servers : systemDnsServers();
    if (chosen.length === 0) return { status: 'invalid', reason: 'no DNS resolver configured: pass --dns HOST[:PORT]' };
    resolver = new StubResolver({ servers: chosen, bounds: options.dns });
  }
  let proxyDialer: Dialer | undefined;
  if (options.proxy !== null) {
    const proxy = parseProxyUrl(options.proxy);
    if (proxy.status === 'invalid') return { status: 'invalid', reason: `--proxy: ${proxy.reason}` };
    proxyDialer = new Socks5Dialer(proxy.proxy, new DirectDialer());
  }
  const dialer = overrides.dialer ?? proxyDialer;
  const smtpProber = new SmtpHostProber({
    bounds: options.smtp,
    policy,
    // A second connection to one address (a server without RFC 5746) keeps its politeness interval.
    reconnectDelayMs: Math.ceil(1000 / options.politeness.connectionsPerSecond),
    ...(dialer ? { dialer } : {}),
    ...(overrides.extraCaPem ? { extraCaPem: overrides.extraCaPem } : {}),
  });
  const reputation = new AddressReputation(resolver, options.reputation, overrides.reputationObserver ?? null);
  const prober = new ReputationProber(smtpProber, reputation, reputationWanted(options.checks, options.dnsbl));
  const stsFetcher = new HttpsStsPolicyFetcher({
    resolver,
    policy,
    bounds: options.policy,
    ...(overrides.extraCaPem ? { extraCaPem: overrides.extraCaPem } : {}),
    port: options.policy.mtaStsPort,
    // The policy host is the domain's server as much as its MX: --proxy carries both (a test's SMTP dialer does not).
    ...(proxyDialer ? { dialer: proxyDialer } : {}),
  });
  return { status: 'ok', parts: { options, resolver, policy, prober, stsFetcher, reputation } };
}
