import {
  NO_SECURITY,
  RESULT_SCHEMA_VERSION,
  type CheckName,
  type CheckResult,
  type HostResult,
  type MxSection,
} from '@mxv/schema';
import type { AddressPolicy } from '../address-policy.js';
import { CHECK_NAMES, defaultsOf, DANE_BOUNDS } from '../bounds.js';
import type { DnsResolver } from '../dns/dns-types.js';
import { ResolverValidation } from '../dns/resolver-validation.js';
import { normalizeDomain } from '../normalize-domain.js';
import type { DaneBounds, RouteBounds } from '../options.js';
import { resolveMailRoute } from '../resolve-mail-route.js';
import { certCoversName } from '../smtp/tls-inspect.js';
import { finishDomainSecurity, startDomainSecurity } from './domain-security.js';
import type { HostObtained, HostProbe, HostProbeSource } from './host-types.js';
import { computeChecks, computeVerdict } from './verdict.js';

export interface DomainCheckDeps {
  resolver: DnsResolver;
  hosts: HostProbeSource;
  policy: AddressPolicy;
  route: RouteBounds;
  smtpPort: number;
  now?: () => number;
  /** Which checks run besides the mail route (--checks); all when absent. */
  checks?: readonly CheckName[];
  /** Remembers per TLD whether the resolver validates; share one per resolver (a fresh one asks again). */
  validation?: ResolverValidation;
  dane?: DaneBounds;
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
  const route = await resolveMailRoute(domain, deps.resolver, deps.route, signal);
  const daneBounds = deps.dane ?? defaultsOf(DANE_BOUNDS);
  const pendingSecurity = startDomainSecurity(
    domain,
    route,
    {
      resolver: deps.resolver,
      validation: deps.validation ?? new ResolverValidation(deps.resolver),
      checks: new Set(deps.checks ?? CHECK_NAMES),
      smtpPort: deps.smtpPort,
      dane: daneBounds,
    },
    signal,
  );

  const slots: Array<{ result: HostResult; probe: HostProbe | null } | undefined> = new Array(route.targets.length);
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
        slots[index] = { result: blockedHost(base), probe: null };
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
      slots[index] = { result: hostResultFor(obtained.probe, base, obtained.status === 'cached'), probe: obtained.probe };
    }
  };
  const parallel = Math.min(deps.route.hostConcurrencyPerDomain, Math.max(1, route.targets.length));
  await Promise.all(Array.from({ length: parallel }, worker));
  if (deferral !== null) {
    const { retryAfterMs, reason } = deferral;
    // The DNSSEC/DANE questions still in flight settle on their own (they never reject); the re-run asks again.
    return { status: 'deferred', domain, retryAfterMs, reason };
  }

  const security = await finishDomainSecurity(
    pendingSecurity,
    route,
    slots.filter((slot) => slot !== undefined),
    { dane: daneBounds },
  );
  const hosts = security.hosts;
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
      mx: { ...route.mx, dnssec: security.dnssec, ...(security.dnssecEde ? { dnssecEde: security.dnssecEde } : {}) },
      hosts,
      error: route.error,
      security: { ...NO_SECURITY, dane: security.dane },
      submission: null,
    },
  };
}

type HostBase = Pick<HostResult, 'exchange' | 'priority' | 'ip' | 'port'>;

/** A cached probe may have been made under another exchange name: the name match is this exchange's own. */
export function hostResultFor(probe: HostProbe, base: HostBase, cached: boolean): HostResult {
  const { certIdentity, probedAs, chainDigests: _chainDigests, ...shared } = probe;
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
