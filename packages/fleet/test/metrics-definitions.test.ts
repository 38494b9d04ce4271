import type { DnsAnswer, DnsResolver, HostObtained, HostProbeSource } from '@mxv/probe';
import { describe, expect, it } from 'vitest';
import {
  createMetricsRegistry,
  DELAY_REASON_LABELS,
  createWorkMetrics,
  greetingLabel,
  MeteredHostSource,
  MeteredResolver,
  NETWORK_BUCKETS_SECONDS,
  recordHostProbe,
  recordJobOutcome,
  registerAnonymousCheckMetrics,
  registerFleetGauges,
  registerWorkerGauges,
  type FleetGauges,
  type WorkMetrics,
} from '../src/metrics/index.js';
import { sampleProbe, sampleResult } from './support/sample-result.js';

/** Every label name any mxv metric may carry: closed vocabularies only, never a domain or an address. */
const ALLOWED_LABELS = new Set([
  'verdict',
  'reason',
  'connect',
  'greeting',
  'starttls',
  'type',
  'rcode',
  'phase',
  'state',
  'check',
  'status',
  'outcome',
  'fcrdns',
  // Politeness: the scope (address, provider, network) and the limit (rate, concurrency) that refused, never which address or group.
  'scope',
  'limit',
  // A --dnsbl zone: operator configuration (at most 16), never a domain under check.
  'zone',
]);

const FLEET: FleetGauges = {
  queue: { waiting: 1, prioritized: 0, active: 2, delayed: 3, failed: 0 },
  workersAlive: 1,
  lastHeartbeatSeconds: 1_700_000_000,
  hostsInBackoff: 0,
  groupsInBackoff: 0,
  hostCacheEntries: 4,
};

function fullRegistry(): { registry: ReturnType<typeof createMetricsRegistry>; metrics: WorkMetrics } {
  const registry = createMetricsRegistry({ defaultMetrics: true });
  const metrics = createWorkMetrics(registry);
  registerWorkerGauges(registry, () => ({ inFlight: 0, concurrency: 10 }));
  registerFleetGauges(registry, async () => FLEET);
  registerAnonymousCheckMetrics(registry).refused('per_client');
  return { registry, metrics };
}

/** Series of one metric family in the text exposition, as {labels, value}. */
async function series(registry: ReturnType<typeof createMetricsRegistry>, name: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    const match = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) found.set(match[2] ?? '', Number(match[3]));
  }
  return found;
}

describe('metric definitions', () => {
  it('names carry the mxv_ prefix and their unit, labels come from closed vocabularies', async () => {
    const { registry } = fullRegistry();
    const families = await registry.getMetricsAsJSON();
    expect(families.length).toBeGreaterThan(20);
    for (const family of families) {
      expect(family.name, family.name).toMatch(/^mxv_[a-z0-9_]+$/);
      // prom-client's types declare `type` a numeric enum (MetricType); at run time it is the
      // exposition's type name ('counter', 'histogram', ...), which is what is compared here.
      const type = String(family.type);
      if (type === 'counter') expect(family.name, family.name).toMatch(/_total$/);
      if (type === 'histogram' && !family.name.startsWith('mxv_nodejs_')) {
        expect(family.name, family.name).toMatch(/_seconds$/);
      }
      if (/bytes/.test(family.name)) expect(family.name, family.name).toMatch(/_bytes(_total)?$/);
      for (const value of family.values) {
        for (const label of Object.keys(value.labels)) {
          if (label === 'le' || family.name.startsWith('mxv_nodejs_') || family.name.startsWith('mxv_process_')) continue;
          expect(ALLOWED_LABELS.has(label), `${family.name}{${label}}`).toBe(true);
        }
      }
    }
    const names = families.map((family) => family.name);
    for (const name of [
      'mxv_jobs_completed_total',
      'mxv_jobs_retried_total',
      'mxv_jobs_delayed_total',
      'mxv_jobs_delayed_seconds_total',
      'mxv_jobs_failed_total',
      'mxv_jobs_handed_back_total',
      'mxv_host_probes_total',
      'mxv_host_cache_hits_total',
      'mxv_host_cache_misses_total',
      'mxv_host_cache_invalid_entries_total',
      'mxv_dns_answers_total',
      'mxv_mta_sts_policy_fetches_total',
      'mxv_phase_duration_seconds',
      'mxv_security_checks_total',
      'mxv_queue_jobs',
      'mxv_workers_alive',
      'mxv_worker_last_heartbeat_timestamp_seconds',
      'mxv_hosts_in_backoff',
      'mxv_groups_in_backoff',
      'mxv_politeness_waits_total',
      'mxv_host_cache_entries',
      'mxv_worker_jobs_in_flight',
      'mxv_worker_concurrency',
      'mxv_process_cpu_seconds_total',
      'mxv_process_resident_memory_bytes',
      'mxv_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('histogram buckets run from a millisecond to minutes, increasing', () => {
    expect(NETWORK_BUCKETS_SECONDS[0]).toBe(0.001);
    expect(NETWORK_BUCKETS_SECONDS.at(-1)).toBeGreaterThanOrEqual(300);
    for (let i = 1; i < NETWORK_BUCKETS_SECONDS.length; i++) {
      expect(NETWORK_BUCKETS_SECONDS[i]).toBeGreaterThan(NETWORK_BUCKETS_SECONDS[i - 1]!);
    }
  });

  it('counters exist at 0 for every verdict and reason before any work (rate() sees the first increment)', async () => {
    const { registry } = fullRegistry();
    const completed = await series(registry, 'mxv_jobs_completed_total');
    expect(completed.size).toBe(9);
    expect([...completed.values()].every((v) => v === 0)).toBe(true);
    expect((await series(registry, 'mxv_jobs_delayed_total')).get('{reason="politeness_rate"}')).toBe(0);
    expect((await series(registry, 'mxv_phase_duration_seconds_count')).get('{phase="tls_handshake"}')).toBe(0);
    expect((await series(registry, 'mxv_queue_jobs')).get('{state="delayed"}')).toBe(3);
  });
});

describe('recording', () => {
  it('classifies greetings by their first digit', () => {
    expect(
      [null, { code: 220 }, { code: 421 }, { code: 554 }, { code: 250 }, { code: 999 }].map((banner) => greetingLabel(banner)),
    ).toEqual(['none', 'ok', 'tempfail', 'rejected', 'unexpected', 'unexpected']);
  });

  it('counts job outcomes under bounded labels', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createWorkMetrics(registry);
    const result = { ...sampleResult('a.test', new Date().toISOString()), durationMs: 1500, attempts: 1 };
    recordJobOutcome(metrics, { status: 'stored', result, write: 'written' });
    recordJobOutcome(metrics, { status: 'stored', result: { ...result, verdict: 'unreachable' }, write: 'written' });
    recordJobOutcome(metrics, { status: 'delayed', why: 'deferred', delayMs: 1200, reason: 'politeness_rate', attempt: 1 });
    recordJobOutcome(metrics, { status: 'delayed', why: 'deferred', delayMs: 800, reason: 'politeness_rate', attempt: 1 });
    // An unknown reason (a newer peer, a bug) is "other", not a new series.
    recordJobOutcome(metrics, { status: 'delayed', why: 'deferred', delayMs: 10, reason: 'mx.a.test busy', attempt: 1 });
    recordJobOutcome(metrics, { status: 'delayed', why: 'transient', delayMs: 5000, reason: 'dns_error', attempt: 1 });
    recordJobOutcome(metrics, { status: 'delayed', why: 'handed_back', delayMs: 0, reason: 'worker_shutdown', attempt: 1 });
    recordJobOutcome(metrics, { status: 'bad_job', reason: 'job without id' });

    expect((await series(registry, 'mxv_jobs_completed_total')).get('{verdict="ok"}')).toBe(1);
    expect((await series(registry, 'mxv_jobs_completed_total')).get('{verdict="unreachable"}')).toBe(1);
    const delayed = await series(registry, 'mxv_jobs_delayed_total');
    expect(delayed.get('{reason="politeness_rate"}')).toBe(2);
    expect(delayed.get('{reason="other"}')).toBe(1);
    // Every reason's series exists from the start (at 0).
    expect(delayed.size).toBe(DELAY_REASON_LABELS.length);
    expect((await series(registry, 'mxv_jobs_delayed_seconds_total')).get('{reason="politeness_rate"}')).toBeCloseTo(2);
    expect((await series(registry, 'mxv_jobs_retried_total')).get('{verdict="dns_error"}')).toBe(1);
    expect((await series(registry, 'mxv_jobs_handed_back_total')).get('')).toBe(1);
    expect((await series(registry, 'mxv_jobs_failed_total')).get('{reason="bad_job"}')).toBe(1);
    const domain = await series(registry, 'mxv_phase_duration_seconds_bucket');
    expect(domain.get('{le="1",phase="domain"}')).toBe(0);
    expect(domain.get('{le="2.5",phase="domain"}')).toBe(2);
  });

  it('counts each security check of a stored result by status; a check that did not run is not counted', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createWorkMetrics(registry);
    const base = sampleResult('a.test', new Date().toISOString());
    const secure = {
      ...base,
      mx: { ...base.mx, dnssec: 'secure' as const },
      security: { dane: 'pass' as const, mtaSts: null, tlsRpt: null, spf: null, dmarc: null },
    };
    recordJobOutcome(metrics, { status: 'stored', result: secure, write: 'written' });
    recordJobOutcome(metrics, {
      status: 'stored',
      result: { ...secure, security: { ...secure.security, dane: null } },
      write: 'written',
    });
    const counted = await series(registry, 'mxv_security_checks_total');
    expect(counted.get('{check="dnssec",status="secure"}')).toBe(2);
    expect(counted.get('{check="dane",status="pass"}')).toBe(1);
    // Every status of the checks this module reads exists from the start.
    expect(counted.get('{check="dnssec",status="bogus"}')).toBe(0);
    expect(counted.get('{check="dane",status="not_applicable"}')).toBe(0);
  });

  it('times the phases a probe reached, and no conversation for a blocked address', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createWorkMetrics(registry);
    recordHostProbe(
      metrics,
      sampleProbe('192.0.2.1', { starttls: 'ok', timingsMs: { connect: 4, banner: 30, tls: 12, total: 60 } }),
    );
    recordHostProbe(
      metrics,
      sampleProbe('192.0.2.2', {
        connect: 'refused',
        banner: null,
        starttls: 'not_tried',
        timingsMs: { connect: null, banner: null, tls: null, total: 1 },
      }),
    );
    recordHostProbe(
      metrics,
      sampleProbe('10.0.0.1', {
        connect: 'blocked',
        banner: null,
        starttls: 'not_tried',
        timingsMs: { connect: null, banner: null, tls: null, total: 0 },
      }),
    );
    const probes = await series(registry, 'mxv_host_probes_total');
    expect(probes.get('{connect="ok",greeting="ok",starttls="ok"}')).toBe(1);
    expect(probes.get('{connect="refused",greeting="none",starttls="not_tried"}')).toBe(1);
    expect(probes.get('{connect="blocked",greeting="none",starttls="not_tried"}')).toBe(1);
    const counts = await series(registry, 'mxv_phase_duration_seconds_count');
    expect(Object.fromEntries(counts)).toMatchObject({
      '{phase="connect"}': 1,
      '{phase="greeting"}': 1,
      '{phase="tls_handshake"}': 1,
      '{phase="host"}': 2,
    });
    const sums = await series(registry, 'mxv_phase_duration_seconds_sum');
    expect(sums.get('{phase="greeting"}')).toBeCloseTo(0.03);
  });

  it('the metered resolver and host source never put a domain or an address in a label', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createWorkMetrics(registry);
    const statuses: DnsAnswer['status'][] = ['NOERROR', 'NXDOMAIN', 'SERVFAIL'];
    let asked = 0;
    const inner: DnsResolver = {
      query: async () => ({
        status: statuses[asked++ % statuses.length]!,
        records: [],
        authenticated: false,
        usedTcp: false,
        server: '127.0.0.1:53',
        elapsedMs: 7,
        error: null,
      }),
    };
    const resolver = new MeteredResolver(inner, metrics);
    let probed = 0;
    const source: HostProbeSource = {
      obtain: async (target): Promise<HostObtained> =>
        probed++ % 2 === 0
          ? { status: 'probed', probe: sampleProbe(target.ip) }
          : { status: 'cached', probe: sampleProbe(target.ip) },
    };
    const names: string[] = [];
    const ips: string[] = [];
    for (let i = 0; i < 60; i++) {
      const domain = `d${i}.label-check.test`;
      const ip = `192.0.2.${i + 1}`;
      names.push(domain);
      ips.push(ip);
      await resolver.query(domain, i % 2 === 0 ? 'MX' : 'AAAA');
      await new MeteredHostSource(source, metrics, null, { jobId: domain, domain }).obtain({
        ip,
        port: 25,
        tlsMode: 'starttls',
        exchange: `mx.${domain}`,
      });
    }
    const text = await registry.metrics();
    for (const value of [...names, ...ips]) expect(text).not.toContain(value);
    const answers = await series(registry, 'mxv_dns_answers_total');
    expect(answers.size).toBe(6);
    expect([...answers.values()].reduce((a, b) => a + b, 0)).toBe(60);
    expect((await series(registry, 'mxv_host_cache_hits_total')).get('')).toBe(30);
    expect((await series(registry, 'mxv_host_cache_misses_total')).get('')).toBe(30);
    // Probe outcomes count the probes made, not the cached reuses.
    expect([...(await series(registry, 'mxv_host_probes_total')).values()]).toEqual([30]);
    expect((await series(registry, 'mxv_phase_duration_seconds_count')).get('{phase="dns"}')).toBe(60);
  });
});
