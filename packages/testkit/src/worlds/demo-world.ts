import type { DnsBehaviour, ZoneDnssec } from '../dns-zone.js';
import type { WorldHostSpec, WorldRecord, WorldSpec } from '../world-spec.js';
import { DEMO_SCENARIOS, type DemoScenario } from './demo-scenarios.js';

/** Adds `entries` to `into`, refusing a name that another scenario already defined (one would silently win). */
function mergeNamed<T>(into: Record<string, T>, entries: Record<string, T> | undefined, what: string): void {
  for (const [name, value] of Object.entries(entries ?? {})) {
    if (name in into) throw new Error(`demo world: ${what} of "${name}" defined by two scenarios`);
    into[name] = value;
  }
}

/**
 * The hosts in address order. startWorld gives spec.hosts[i] the block's
 * address i + 1, so the slots must be exactly 1..n.
 */
function hostsBySlot(scenarios: readonly DemoScenario[]): WorldHostSpec[] {
  const slotted = scenarios.flatMap((s) => s.hosts ?? []).sort((a, b) => a.slot - b.slot);
  return slotted.map(({ slot, ...host }, index) => {
    if (slot !== index + 1) {
      throw new Error(`demo world: host slots must run 1..${slotted.length} once each; "${host.id}" has ${slot}`);
    }
    return host;
  });
}

/** Puts scenarios together into one world spec: domains in scenario order, hosts in slot order. */
function assembleScenarios(
  scenarios: readonly DemoScenario[],
): Required<Pick<WorldSpec, 'hosts' | 'records' | 'dnsBehaviours' | 'domains' | 'dnssec' | 'policyServers'>> {
  const records: Record<string, WorldRecord[]> = {};
  const dnsBehaviours: Record<string, DnsBehaviour> = {};
  // The demo's TLD is signed, as nearly every real one is: a validating resolver
  // authenticates it, which is how mxv tells "insecure" from "unknown".
  const dnssec: Record<string, ZoneDnssec> = { test: { state: 'secure' } };
  for (const scenario of scenarios) {
    mergeNamed(records, scenario.records, 'records');
    mergeNamed(dnsBehaviours, scenario.dnsBehaviours, 'DNS behaviour');
    mergeNamed(dnssec, scenario.dnssec, 'DNSSEC state');
  }
  return {
    hosts: hostsBySlot(scenarios),
    policyServers: scenarios.flatMap((s) => s.policyServers ?? []),
    records,
    dnsBehaviours,
    dnssec,
    domains: scenarios.map(({ name, description, expect }) => ({ name, description, expect })),
  };
}

/**
 * The demo world: one domain per verdict and per host status the engine can
 * meet (DEMO_SCENARIOS says which, and what each should get).
 */
export function demoWorldSpec(opts: { ipBlock?: string; smtpPort?: number; dnsPort?: number } = {}): WorldSpec {
  const { hosts, policyServers, records, dnsBehaviours, dnssec, domains } = assembleScenarios(DEMO_SCENARIOS);
  return {
    ipBlock: opts.ipBlock,
    smtpPort: opts.smtpPort,
    dnsPort: opts.dnsPort,
    hosts,
    policyServers,
    records,
    dnsBehaviours,
    dnssec,
    domains,
  };
}
