import {
  NO_SECURITY,
  RESULT_SCHEMA_VERSION,
  type CheckName,
  type CheckResult,
  type HostResult,
  type MxSection,
} from '@mxv/schema';
import type { AddressPolicy } from '../address-policy.js';
import type { DnsResolver } from '../dns/dns-types.js';
import { MemoResolver } from '../dns/memo-resolver.js';
import { normalizeDomain } from '../normalize-domain.js';
import type { PolicyBounds, RouteBounds } from '../options.js';
import { hostMtaSts } from '../policy/check-mta-sts.js';
import { gatherDomainPolicies, type DomainPolicies } from '../policy/gather-domain-policies.js';
import type { StsPolicySource } from '../policy/sts-policy-source.js';
import { resolveMailRoute } from '../resolve-mail-route.js';
import { certCoversName } from '../smtp/tls-inspect.js';
import type { HostObtained, HostProbe, HostProbeSource } from './host-types.js';
import { computeChecks, computeVerdict } from './verdict.js';

export interface DomainCheckDeps {
  resolver: DnsResolver;
  hosts: HostProbeSource;
  policy: AddressPolicy;
  route: RouteBounds;
  smtpPort: number;
  /** The checks asked for besides the mail route (--checks). */
  checks: readonly CheckName[];
  policyBounds: PolicyBounds;
  /** Where MTA-STS policies come from (a cache, or a fetch through it). */
  stsPolicies: StsPolicySource;
  /** For records many domains share (SPF include targets, organizational DMARC): a TTL cache over the resolver. */
  sharedResolver?: DnsResolver;
  now?: () => number;
}

/**
 * A domain check either completes, or (fleet mode) is deferred because a
 * politeness gate said "not now" for one of its hosts: the caller re-runs it
 * later, when the hosts already probed come from the cache.
 */
export type DomainCheck =
  { status: 'complete'; result: CheckResult } | { status: 'deferred'; retryAfterMs: number; reason: string; domain: string };

/** Follows one domain's mail chain (DESIGN steps 1–3): normalize, resolve, probe every host, assemble, verdict. */
export async function checkDomain(input: string, deps: DomainCheckDeps, signal?: AbortSignal): Promise<DomainCheck> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const normalized = normalizeDomain(input);
  if (normalized.status === 'invalid') {
    return { status: 'complete', result: invalidResult(boundedInput(input), normalized.domain, normalized.reason, startedAt) };
  }
  const domain = normalized.domain;
  // Questions asked twice within this check (the route's and SPF's MX of the domain) are asked once.
  const resolver = new MemoResolver(deps.resolver);
  // The domain's policy records are looked up beside the mail route, not after it.
  const policies = gatherDomainPolicies(
    domain,
    {
      resolver,
      stsPolicies: deps.stsPolicies,
      bounds: deps.policyBounds,
      checks: deps.checks,
      ...(deps.sharedResolver ? { sharedResolver: deps.sharedResolver } : {}),
    },
    signal,
  );
  // Awaited below; a deferred check leaves it behind, and must not leave an unhandled rejection with it.
  policies.catch(() => undefined);
  const route = await resolveMailRoute(domain, resolver, deps.route, signal);

  const slots: Array<HostResult | undefined> = new Array(route.targets.length);
  let deferral: { retryAfterMs: number; reason: string } | null = null;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < route.targets.length && deferral === null) {
      const index = next++;
      const target = route.targets[index];
      if (!target) continue;
      const base = { exchange: target.exchange, priority: target.priority, ip: target.ip, port: deps.smtpPort };
      const verdict = deps.policy.check(target.ip);
      if (verdict.status === 'blocked') {
        slots[index] = blockedHost(base);
        continue;
      }
      const obtained: HostObtained = await deps.hosts.obtain(
        { ip: target.ip, port: deps.smtpPort, exchange: target.exchange },
        signal,
      );
      if (obtained.status === 'deferred') {
        deferral = { retryAfterMs: obtained.retryAfterMs, reason: obtained.reason };
        return;
      }
      slots[index] = hostResultFor(obtained.probe, base, obtained.status === 'cached');
    }
  };
  const parallel = Math.min(deps.route.hostConcurrencyPerDomain, Math.max(1, route.targets.length));
  await Promise.all(Array.from({ length: parallel }, worker));
  if (deferral !== null) {
    const { retryAfterMs, reason } = deferral;
    return { status: 'deferred', domain, retryAfterMs, reason };
  }

  // A name that does not exist has no policies to speak of (NO_SECURITY: not applicable).
  const domainPolicies: DomainPolicies = route.mx.dns === 'NXDOMAIN' ? NO_SECURITY : await policies;
  const hosts = slots
    .filter((host): host is HostResult => host !== undefined)
    .map((host) => ({ ...host, mtaSts: hostMtaSts(domainPolicies.mtaSts, host) }));
  const checks = computeChecks(route.mx, hosts);
  return {
    status: 'complete',
    result: {
      schema: RESULT_SCHEMA_VERSION,
      domain,
      input: boundedInput(input),
      checkedAt: new Date(startedAt).toISOString(),
      durationMs: Math.max(0, Math.round(now() - startedAt)),
      verdict: computeVerdict(route.mx, checks),
      checks,
      mx: { ...route.mx, dnssec: null },
      hosts,
      error: route.error,
      security: { ...NO_SECURITY, ...domainPolicies },
      submission: null,
    },
  };
}

type HostBase = Pick<HostResult, 'exchange' | 'priority' | 'ip' | 'port'>;

/** A cached probe may have been made under another exchange name: the name match is this exchange's own. */
export function hostResultFor(probe: HostProbe, base: HostBase, cached: boolean): HostResult {
  const { certIdentity, probedAs, ...shared } = probe;
  const tls =
    shared.tls && probedAs !== base.exchange && certIdentity
      ? { ...shared.tls, hostnameMatch: certCoversName(certIdentity, base.exchange) }
      : shared.tls;
  return { ...base, ...shared, tls, mtaSts: null, ...(cached ? { cached: true } : {}) };
}

function blockedHost(base: HostBase): HostResult {
  return {
    ...base,
    connect: 'blocked',
    banner: null,
    ehlo: null,
    starttls: 'not_tried',
    tls: null,
    timingsMs: { connect: null, banner: null, tls: null, total: 0 },
    error: 'blocked_address',
    tlsMode: 'starttls',
    dane: null,
    mtaSts: null,
    ptr: null,
    dnsbl: null,
  };
}

/** What was asked is echoed back, but a hostile multi-megabyte "domain" must not be (results are stored and served). */
const MAX_ECHOED_INPUT_CHARS = 1024;

function boundedInput(input: string): string {
  return input.length > MAX_ECHOED_INPUT_CHARS ? `${input.slice(0, MAX_ECHOED_INPUT_CHARS)}…` : input;
}

const EMPTY_MX: MxSection = { source: 'none', dns: 'NOERROR', records: [], dnssec: null };

function invalidResult(input: string, domain: string, reason: string, startedAt: number): CheckResult {
  return {
    schema: RESULT_SCHEMA_VERSION,
    domain,
    input,
    checkedAt: new Date(startedAt).toISOString(),
    durationMs: 0,
    verdict: 'invalid',
    checks: { mxExists: false, mxResolves: false, smtpReachable: false, bannerValid: false, tlsSupported: false },
    mx: EMPTY_MX,
    hosts: [],
    error: reason,
    security: NO_SECURITY,
    submission: null,
  };
}
