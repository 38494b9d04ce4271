import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainHistorySchema } from '@mxv/fleet';
import { sampleResult, startTestRedis, testApi, type TestApi, type TestRedis } from './support.js';

let server: TestRedis;
let api: TestApi;

beforeAll(async () => {
  server = await startTestRedis();
  api = await testApi(server, 'history');
});
afterAll(async () => {
  await api?.close();
  await server?.stop();
});

const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 1, 0, minutes)).toISOString();

describe('GET /v1/domains/{domain}/history', () => {
  it('answers the CONTRACT shape, newest first', async () => {
    await api.store.write(sampleResult('hist.test', at(1)));
    await api.store.write(sampleResult('hist.test', at(2), { verdict: 'unreachable' }));
    await api.store.write(sampleResult('hist.test', at(3)));
    const res = await api.app.inject('/v1/domains/HIST.test./history');
    expect(res.statusCode).toBe(200);
    const body = domainHistorySchema.parse(JSON.parse(res.body));
    expect(body).toEqual({
      domain: 'hist.test',
      changes: [
        { at: at(3), changes: [{ path: 'verdict', from: 'unreachable', to: 'ok' }] },
        { at: at(2), changes: [{ path: 'verdict', from: 'ok', to: 'unreachable' }] },
      ],
    });
  });

  it('404 with a JSON error when the domain has no result', async () => {
    const res = await api.app.inject('/v1/domains/never.test/history');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('is in the OpenAPI document with its schema inline', async () => {
    const doc = JSON.parse((await api.app.inject('/openapi.json')).body) as {
      paths: Record<string, { get?: { responses?: Record<string, unknown> } }>;
    };
    const route = doc.paths['/v1/domains/{domain}/history'];
    expect(route?.get?.responses?.['200']).toBeDefined();
  });

  it('the lookup page shows the timeline, escaped', async () => {
    const evil = '<script>alert(1)</script>';
    const first = sampleResult('page-hist.test', at(1));
    await api.store.write(first);
    await api.store.write({
      ...sampleResult('page-hist.test', at(2)),
      mx: { ...first.mx, records: [{ exchange: evil, priority: 10, addresses: ['192.0.2.1'], problems: [] }] },
    });
    const res = await api.app.inject('/d/page-hist.test');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('What changed, when');
    expect(res.body).toContain('<code>mx.records</code>');
    expect(res.body).toContain('10 &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain(evil);
  });
});
