import type { CheckName, CheckResult, HostResult, MxSection, TlsMode } from '@mxv/schema';
import { NO_SECURITY, RESULT_SCHEMA_VERSION } from '@mxv/schema/values';
import { blockedAddressError, type AddressPolicy } from '../address-policy.js';
import { defaultsOf, DANE_BOUNDS } from '../bounds.js';
import type { DnsResolver } from '../dns/dns-types.js';
import { MemoResolver } from '../dns/memo-resolver.js';
import { ResolverValidation } from '../dns/resolver-validation.js';
import { MAX_DISPLAY_CHARS, normalizeDomain, type InvalidDomainReason } from '../normalize-domain.js';
import type { DaneBounds, PolicyBounds, RouteBounds } from '../options.js';
import { hostMtaSts } from '../policy/check-mta-sts.js';
import { gatherDomainPolicies, type DomainPolicies } from '../policy/gather-domain-policies.js';
import type { StsPolicySource } from '../policy/sts-policy-source.js';
import type { ProbePort } from '../port-list.js';
import { resolveMailRoute, type RouteMx } from '../resolve-mail-route.js';
import { resolveSubmission, type SubmissionDiscovery } from '../resolve-submission.js';
import { certCoversName } from '../smtp/tls-inspect.js';
import { finishDomainSecurity, startDomainSecurity, type DomainSecurity } from './domain-security.js';
import type { HostObtained, HostProbe, HostProbeSource, HostTarget } from './host-types.js';
import { computeChecks, computeVerdict } from './verdict.js';

export interface DomainCheckDeps {
  resolver: DnsResolver;
  hosts: HostProbeSource;
  policy: AddressPolicy;
  route: RouteBounds;
  /** Ports probed on each host; the first is the delivery port the verdict is computed over. */
  ports: readonly ProbePort[];
  /** Which checks run besides the mail route (CONTRACT: --checks); absent ones stay null. */
  checks: readonly CheckName[];
  now?: () => number;
  /** Remembers per TLD whether the resolver validates; share one per resolver (a fresh one asks again). */
  validation?: ResolverValidation;
  dane?: DaneBounds;
  policyBounds: PolicyBounds;
  /** Where MTA-STS policies come from (a cache, or a fetch through it). */
  stsPolicies: StsPolicySource;
  /**
   * For records many domains share (SPF include targets, organizational DMARC, exchanges' and submission
   * servers' addresses and TLSA): a TTL cache over the resolver.
   */
  sharedResolver?: DnsResolver;
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
  // The domain's policy records (MTA-STS, TLS-RPT, SPF, DMARC) are looked up beside the mail route, not after it.
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
  // The SRV questions go out beside the MX question (DESIGN: per-domain facts in parallel).
  // The addresses of exchanges and submission servers are a provider's, shared by its customers: asked through the TTL cache.
  const sharedResolver = deps.sharedResolver ?? resolver;
  const [route, submission] = await Promise.all([
    resolveMailRoute(domain, resolver, deps.route, signal, sharedResolver),
    deps.checks.includes('submission') ? resolveSubmission(domain, resolver, deps.route, signal, sharedResolver) : null,
  ]);

  // Every (exchange, address) on every port, ports in --ports order under each address.
  const jobs: HostJob[] = route.targets.flatMap((target) =>
    deps.ports.map((p) => ({
      target: { ip: target.ip, port: p.port, tlsMode: p.tlsMode, exchange: target.exchange },
      base: { exchange: target.exchange, priority: target.priority, ip: target.ip, port: p.port },
    })),
  );
  if (submission) jobs.push(...submissionJobs(submission, deps.route.maxHostsPerDomain));
  const delivery = deps.ports[0] ?? { port: 25, tlsMode: 'starttls' as const };
  // CONTRACT: the verdict, the five checks and DANE (RFC 7672: SMTP to an MX) are about
  // delivery: the mail exchanges on the first port, never the other ports or the submission servers.
  const isDelivery = (host: Pick<HostResult, 'service' | 'port' | 'tlsMode'>): boolean =>
    host.service === undefined && host.port === delivery.port && host.tlsMode === delivery.tlsMode;

  // The DNSSEC and TLSA questions go out while the hosts are probed (they need nothing from the probes).
  const daneBounds = deps.dane ?? defaultsOf(DANE_BOUNDS);
  const pendingSecurity = startDomainSecurity(
    domain,
    route,
    {
      resolver: deps.resolver,
      tlsaResolver: deps.sharedResolver ?? deps.resolver,
      validation: deps.validation ?? new ResolverValidation(deps.resolver),
      checks: new Set(deps.checks),
      smtpPort: delivery.port,
      dane: daneBounds,
    },
    signal,
  );
  const probed = await probeHosts(jobs, deps, signal);
  if (probed.status === 'deferred') {
    const { retryAfterMs, reason } = probed;
    // The DNSSEC/DANE questions still in flight settle on their own (they never reject); the re-run asks again.
    return { status: 'deferred', domain, retryAfterMs, reason };
  }

  // DANE is judged on the delivery hosts only: the others keep `dane: null`.
  const security = await finishDomainSecurity(
    pendingSecurity,
    route,
    probed.hosts.map((slot) => (isDelivery(slot.result) ? slot : { result: slot.result, probe: null })),
    { dane: daneBounds },
  );
  // A name that does not exist has no policies to speak of (NO_SECURITY: not applicable).
  const domainPolicies: DomainPolicies = route.mx.dns === 'NXDOMAIN' ? NO_SECURITY : await policies;
  // MTA-STS (RFC 8461) is about delivery to the MX hosts too: the others keep `mtaSts: null`.
  const hosts = security.hosts.map((host) =>
    isDelivery(host) ? { ...host, mtaSts: hostMtaSts(domainPolicies.mtaSts, host) } : host,
  );
  const checks = computeChecks(route.mx, hosts.filter(isDelivery));
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
      mx: mxSectionOf(route.mx, security),
      hosts,
      error: route.error,
      security: { ...NO_SECURITY, ...domainPolicies, dane: security.dane },
      submission: submission ? submission.services : null,
    },
  };
}

/**
 * The MX section with its DNSSEC state, written out rather than `{ ...route.mx, dnssec }`: on V8 11
 * (Node 20) a literal that starts with a spread and then adds keys makes new hidden classes each time.
 */
function mxSectionOf(mx: RouteMx, security: Pick<DomainSecurity, 'dnssec' | 'dnssecEde'>): MxSection {
  return {
    source: mx.source,
    dns: mx.dns,
    records: mx.records,
    ...(mx.truncated !== undefined ? { truncated: mx.truncated } : {}),
    ...(mx.totalRecords !== undefined ? { totalRecords: mx.totalRecords } : {}),
    dnssec: security.dnssec,
    ...(security.dnssecEde ? { dnssecEde: security.dnssecEde } : {}),
  };
}

type HostBase = Pick<HostResult, 'exchange' | 'priority' | 'ip' | 'port' | 'service'>;

/** One probe to make for this domain, and where its result goes. */
interface HostJob {
  target: HostTarget;
  base: HostBase;
}

/**
 * The submission servers' (target, address) pairs, in the order listed, at
 * most `maxHosts` of them (the same bound as the exchanges': a zone of
 * thousands of SRV targets must not fan one check out).
 */
function submissionJobs(submission: SubmissionDiscovery, maxHosts: number): HostJob[] {
  const jobs = submission.targets.flatMap((t) =>
    t.addresses.map((ip) => ({
      target: { ip, port: t.port, tlsMode: t.tlsMode, exchange: t.target },
      base: { exchange: t.target, priority: t.priority, ip, port: t.port, service: t.service },
    })),
  );
  return jobs.slice(0, maxHosts);
}

/** A host's result, and the probe it came from (null when blocked): DANE matches against the probe's chain. */
interface ProbedHost {
  result: HostResult;
  probe: HostProbe | null;
}

type HostsProbed = { status: 'complete'; hosts: ProbedHost[] } | { status: 'deferred'; retryAfterMs: number; reason: string };

/**
 * Probes the jobs, at most hostConcurrencyPerDomain at once, results in job
 * order. A blocked address is never handed to the host source; the first
 * "wait" of a politeness gate stops the rest (the caller defers the domain).
 */
async function probeHosts(jobs: readonly HostJob[], deps: DomainCheckDeps, signal?: AbortSignal): Promise<HostsProbed> {
  const slots: Array<ProbedHost | undefined> = new Array(jobs.length);
  // Written by the workers (TypeScript cannot see that through the closure, hence the holder object).
  const state: { deferral: { retryAfterMs: number; reason: string } | null } = { deferral: null };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && state.deferral === null) {
      const job = jobs[next++];
      const index = next - 1;
      if (!job) continue;
      const check = deps.policy.check(job.target.ip);
      if (check.status === 'blocked') {
        slots[index] = { result: blockedHost(job.base, job.target.tlsMode, check.range), probe: null };
        continue;
      }
      const obtained: HostObtained = await deps.hosts.obtain(job.target, signal);
      if (obtained.status === 'deferred') {
        state.deferral = { retryAfterMs: obtained.retryAfterMs, reason: obtained.reason };
        return;
      }
      slots[index] = { result: hostResultFor(obtained.probe, job.base, obtained.status === 'cached'), probe: obtained.probe };
    }
  };
  const parallel = Math.min(deps.route.hostConcurrencyPerDomain, Math.max(1, jobs.length));
  await Promise.all(Array.from({ length: parallel }, worker));
  if (state.deferral !== null) return { status: 'deferred', ...state.deferral };
  return { status: 'complete', hosts: slots.filter((host): host is ProbedHost => host !== undefined) };
}

/** A cached probe may have been made under another exchange name: the name match is this exchange's own. */
export function hostResultFor(probe: HostProbe, base: HostBase, cached: boolean): HostResult {
  const { certIdentity, probedAs } = probe;
  const tls =
    probe.tls && probedAs !== base.exchange && certIdentity
      ? { ...probe.tls, hostnameMatch: certCoversName(certIdentity, base.exchange) }
      : probe.tls;
  // Field by field, in the probe's order, rather than `{ ...base, ...rest, tls }`: on V8 11 (Node 20) a
  // literal that starts with a spread and then adds keys makes new hidden classes each time (old-space
  // garbage per host of every check, and a tenth of a busy worker's CPU with the rest of that pattern).
  // The probe's internal fields (certIdentity, probedAs, chainDigests) stay out of the result.
  const result: HostResult = {
    exchange: base.exchange,
    priority: base.priority,
    ip: probe.ip,
    port: probe.port,
    ...(base.service !== undefined ? { service: base.service } : {}),
    connect: probe.connect,
    banner: probe.banner,
    ehlo: probe.ehlo,
    starttls: probe.starttls,
    tls,
    ...(probe.ehloTls !== undefined ? { ehloTls: probe.ehloTls } : {}),
    timingsMs: probe.timingsMs,
    error: probe.error,
    ...(probe.refusal !== undefined && probe.refusal !== null ? { refusal: probe.refusal } : {}),
    probedAt: probe.probedAt,
    tlsMode: probe.tlsMode,
    dane: probe.dane,
    ptr: probe.ptr,
    dnsbl: probe.dnsbl,
    mtaSts: null,
  };
  if (cached) result.cached = true;
  return result;
}

/** Not connected to: an address of a range the address policy blocks, or of an IP version not probed (--ip-families). */
function blockedHost(base: HostBase, tlsMode: TlsMode, range: string): HostResult {
  return {
    ...base,
    connect: 'blocked',
    banner: null,
    ehlo: null,
    starttls: 'not_tried',
    tls: null,
    timingsMs: { connect: null, banner: null, tls: null, total: 0 },
    error: blockedAddressError(range),
    tlsMode,
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

/**
 * The result of an input rejected before it reached the engine (a line of a
 * list longer than the reader holds): the same `invalid` result a bad domain
 * gets, so a list's output has one line per input whatever was wrong with it.
 */
export function rejectedInputResult(input: string, reason: InvalidDomainReason, at: number = Date.now()): CheckResult {
  const display = input.trim().toLowerCase().slice(0, MAX_DISPLAY_CHARS);
  return invalidResult(boundedInput(input), display, reason, at);
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
