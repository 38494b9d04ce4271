import { hostResultSchema } from '@mxv/schema';
import { describe, expect, it } from 'vitest';
import { hostResultFor } from '../src/engine/check-domain.js';
import { hostProbeSchema } from '../src/engine/host-probe-schema.js';
import type { HostProbe } from '../src/engine/host-types.js';

/** A probe made by the engine (probe-host.ts builds its fields in this order), with TLS and every internal field. */
function probeMadeAs(exchange: string): HostProbe {
  return {
    ip: '192.0.2.25',
    port: 25,
    connect: 'ok',
    banner: { code: 220, text: 'mx ESMTP' },
    ehlo: { code: 250, command: 'EHLO', extensions: ['STARTTLS'] },
    starttls: 'ok',
    tls: {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      certValid: true,
      hostnameMatch: true,
      notAfter: '2027-01-01',
      error: null,
    },
    ehloTls: { code: 250, command: 'EHLO', extensions: [] },
    timingsMs: { connect: 1, banner: 2, ehlo: 3, tls: 4, total: 10 },
    error: null,
    probedAt: '2026-12-01T08:00:00.000Z',
    tlsMode: 'starttls',
    dane: null,
    ptr: null,
    dnsbl: null,
    probedAs: exchange,
    certIdentity: { commonName: exchange, subjectAltName: `DNS:${exchange}` },
    chainDigests: [{ certSha256: 'aa', certSha512: 'bb', spkiSha256: 'cc', spkiSha512: 'dd', leafChains: true }],
  };
}

const MX_BASE = { exchange: 'mx.example.test', priority: 10, ip: '192.0.2.25', port: 25 };

/** The result's keys, in the order the JSON shows them (the order results had when this was a spread). */
const HOST_KEYS = [
  'exchange',
  'priority',
  'ip',
  'port',
  'connect',
  'banner',
  'ehlo',
  'starttls',
  'tls',
  'ehloTls',
  'timingsMs',
  'error',
  'probedAt',
  'tlsMode',
  'dane',
  'ptr',
  'dnsbl',
  'mtaSts',
];

describe('hostResultFor: a host result from a (possibly shared) probe', () => {
  it('keeps every public field in order and none of the probe-internal ones', () => {
    const result = hostResultFor(probeMadeAs('mx.example.test'), MX_BASE, false);
    expect(Object.keys(result)).toEqual(HOST_KEYS);
    expect(JSON.stringify(result)).not.toMatch(/certIdentity|probedAs|chainDigests|cached/);
    expect(hostResultSchema.safeParse(result).success).toBe(true);
    expect(result.tls?.hostnameMatch).toBe(true);
  });

  it('marks a cached probe, last', () => {
    const result = hostResultFor(probeMadeAs('mx.example.test'), MX_BASE, true);
    expect(Object.keys(result)).toEqual([...HOST_KEYS, 'cached']);
    expect(result.cached).toBe(true);
  });

  it('places a submission server’s service after its port', () => {
    const result = hostResultFor(
      probeMadeAs('smtp.example.test'),
      { exchange: 'smtp.example.test', priority: 0, ip: '192.0.2.25', port: 587, service: 'submission' },
      false,
    );
    expect(Object.keys(result).slice(0, 6)).toEqual(['exchange', 'priority', 'ip', 'port', 'service', 'connect']);
    expect(result.service).toBe('submission');
  });

  it('leaves ehloTls out when a probe parsed from the cache has none (an older mxv wrote it)', () => {
    const { ehloTls: _dropped, ...older } = probeMadeAs('mx.example.test');
    const parsed = hostProbeSchema.parse(JSON.parse(JSON.stringify(older)));
    const result = hostResultFor(parsed, MX_BASE, true);
    expect(Object.keys(result)).not.toContain('ehloTls');
    expect(Object.keys(result)).toEqual([...HOST_KEYS.filter((key) => key !== 'ehloTls'), 'cached']);
  });

  it('judges the name for this exchange when the probe was made under another, without touching the shared probe', () => {
    const shared = probeMadeAs('mx.other.test');
    const result = hostResultFor(shared, MX_BASE, true);
    expect(result.tls?.hostnameMatch).toBe(false);
    expect(shared.tls?.hostnameMatch).toBe(true);
    expect(hostResultFor(shared, { ...MX_BASE, exchange: 'mx.other.test' }, true).tls?.hostnameMatch).toBe(true);
  });
});
