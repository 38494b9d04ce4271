import { describe, expect, it } from 'vitest';
import { SchedulingSlack } from '@mxv/testkit';
import type { HostProbe, HostProber, HostTarget, ProbeCallOptions } from '../src/engine/host-types.js';
import { LocalPolitenessGate } from '../src/engine/local-politeness-gate.js';
import { MemoryHostSource } from '../src/engine/memory-host-source.js';

function fakeProbe(target: HostTarget): HostProbe {
  return {
    ip: target.ip,
    port: target.port,
    connect: 'ok',
    banner: { code: 220, text: 'fake' },
    ehlo: null,
    starttls: 'not_offered',
    tls: null,
    timingsMs: { connect: 1, banner: 1, tls: null, total: 2 },
    error: null,
    probedAt: new Date().toISOString(),
    probedAs: target.exchange,
    certIdentity: null,
    tlsMode: target.tlsMode,
    dane: null,
    ptr: null,
    dnsbl: null,
    chainDigests: null,
  };
}

class CountingProber implements HostProber {
  calls = 0;
  active = 0;
  peakActive = 0;
  starts: number[] = [];
  constructor(private readonly delayMs: number) {}
  async probe(target: HostTarget): Promise<HostProbe> {
    this.calls += 1;
    this.active += 1;
    this.peakActive = Math.max(this.peakActive, this.active);
    this.starts.push(Date.now());
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.active -= 1;
    return fakeProbe(target);
  }
}

describe('MemoryHostSource', () => {
  it('probes an (ip, port) once for concurrent and later askers', async () => {
    const prober = new CountingProber(30);
    const source = new MemoryHostSource({
      prober,
      gate: new LocalPolitenessGate({ connectionsPerSecond: 100, maxConcurrentPerIp: 2 }),
      ttlMs: 60_000,
      maxEntries: 10,
    });
    const target: HostTarget = { ip: '192.0.2.7', port: 25, tlsMode: 'starttls', exchange: 'mx.a.test' };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => source.obtain({ ...target, exchange: `mx${i}.test` })),
    );
    const later = await source.obtain(target);
    expect(prober.calls).toBe(1);
    expect(results.filter((r) => r.status === 'probed')).toHaveLength(1);
    expect(later.status).toBe('cached');
    expect(source.stats).toEqual({ hits: 20, misses: 1, entries: 1 });
  });

  it("a probe's further connection goes through the same gate: the first lease given back, the address's interval kept", async () => {
    const connections: number[] = [];
    let probes = 0;
    const prober: HostProber = {
      async probe(target: HostTarget, _signal?: AbortSignal, options?: ProbeCallOptions): Promise<HostProbe> {
        connections.push(Date.now());
        // At most one connection to the address at a time: without the first lease given back this never returns.
        probes += 1;
        const leave = await options?.reconnect?.();
        if (leave?.status === 'granted') connections.push(Date.now());
        return fakeProbe(target);
      },
    };
    const gate = new LocalPolitenessGate({ connectionsPerSecond: 5, maxConcurrentPerIp: 1 });
    const source = new MemoryHostSource({ prober, gate, ttlMs: 60_000, maxEntries: 10 });
    const target: HostTarget = { ip: '192.0.2.9', port: 25, tlsMode: 'starttls', exchange: 'mx.a.test' };
    expect((await source.obtain(target)).status).toBe('probed');
    expect(probes).toBe(1);
    expect(connections).toHaveLength(2);
    expect((connections[1] ?? 0) - (connections[0] ?? 0)).toBeGreaterThanOrEqual(195);
    // And the second lease is given back when the probe is over: the address is free for the next one.
    const next = await Promise.race([
      gate.acquire(target).then((d) => d.status),
      new Promise((resolve) => setTimeout(() => resolve('still held'), 1_000)),
    ]);
    expect(next).toBe('granted');
  });

  it('keeps a different port apart', async () => {
    const prober = new CountingProber(1);
    const source = new MemoryHostSource({
      prober,
      gate: new LocalPolitenessGate({ connectionsPerSecond: 100, maxConcurrentPerIp: 2 }),
      ttlMs: 60_000,
      maxEntries: 10,
    });
    await source.obtain({ ip: '192.0.2.7', port: 25, tlsMode: 'starttls', exchange: 'a.test' });
    await source.obtain({ ip: '192.0.2.7', port: 587, tlsMode: 'starttls', exchange: 'a.test' });
    expect(prober.calls).toBe(2);
  });
});

describe('LocalPolitenessGate', () => {
  it('holds concurrency and spacing per address', async () => {
    const gate = new LocalPolitenessGate({ connectionsPerSecond: 20, maxConcurrentPerIp: 2 });
    // A start is stamped when its await resumes, which a busy machine delays: an earlier start stamped
    // late shortens the gap seen after it by as much, never the gate's own spacing.
    const slack = new SchedulingSlack(5);
    let active = 0;
    let peak = 0;
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const decision = await gate.acquire({ ip: '192.0.2.9', exchange: 'mx.example.test' });
        if (decision.status !== 'granted') throw new Error('local gate must grant');
        starts.push(Date.now());
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 20));
        active -= 1;
        decision.release();
      }),
    );
    starts.sort((a, b) => a - b);
    expect(peak).toBeLessThanOrEqual(2);
    // 20/s means starts at least 50 ms apart, less how late this process ran its timers.
    const late = slack.ms();
    slack.stop();
    for (let i = 1; i < starts.length; i += 1) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(50 - late);
  });

  it('does not hold back other addresses', async () => {
    const gate = new LocalPolitenessGate({ connectionsPerSecond: 1, maxConcurrentPerIp: 1 });
    const t0 = Date.now();
    const decisions = await Promise.all(
      ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((ip) => gate.acquire({ ip, exchange: 'mx.example.test' })),
    );
    expect(Date.now() - t0).toBeLessThan(200);
    for (const d of decisions) if (d.status === 'granted') d.release();
  });
});
