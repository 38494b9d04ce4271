import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAddressPolicy, type DnsAnswer, type DnsResolver } from '@mxv/probe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody, WebhookDeliverer } from '../src/webhook/deliver-webhook.js';

const SECRET = 'test-secret';
let server: Server;
let port: number;
const seen: Array<{ host: string | undefined; signature: string | undefined; body: string; valid: boolean }> = [];
let respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers['x-mxv-signature'] as string | undefined;
      const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      seen.push({ host: req.headers.host, signature, body, valid: signature === expected });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

/** Where hooks.test resolves now. */
let hooksAddress = '127.0.0.1';
/** Resolves hooks.test to hooksAddress and nothing else: no query leaves the process. */
const resolver: DnsResolver = {
  async query(name, type): Promise<DnsAnswer> {
    const records = name === 'hooks.test' && type === 'A' ? [{ type: 'A' as const, name, ttl: 60, address: hooksAddress }] : [];
    return {
      status: records.length ? 'NOERROR' : 'NXDOMAIN',
      records,
      authenticated: false,
      usedTcp: false,
      server: 'stub',
      elapsedMs: 0,
      error: null,
    };
  },
};

function deliverer(allowNet: string[], timeoutMs = 2_000): WebhookDeliverer {
  const policy = createAddressPolicy(allowNet);
  if (policy.status !== 'ok') throw new Error(policy.reason);
  return new WebhookDeliverer(resolver, policy.policy, { secret: SECRET, timeoutMs, maxResponseBytes: 1_024 });
}

describe('WebhookDeliverer', () => {
  it('POSTs the body signed with HMAC-SHA256, to the resolved address with the URL host as Host', async () => {
    seen.length = 0;
    respond = (_req, res) => res.end('ok');
    const body = JSON.stringify({ type: 'changed', domain: 'a.test', at: '2026-01-01T00:00:00.000Z', changes: [] });
    const attempt = await deliverer(['127.0.0.1/32']).deliver(`http://hooks.test:${port}/hook`, body);
    expect(attempt.status).toBe('delivered');
    expect(seen).toEqual([{ host: `hooks.test:${port}`, signature: signBody(SECRET, body), body, valid: true }]);
  });

  it('each delivery connects to the address it just checked, never over a kept-alive socket to the one before', async () => {
    const other: string[] = [];
    const second = createServer((req, res) => {
      other.push(req.headers.host ?? '');
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => second.listen(port, '127.0.0.2', resolve));
    try {
      seen.length = 0;
      respond = (_req, res) => res.end('ok');
      const hooks = deliverer(['127.0.0.1/32', '127.0.0.2/32']);
      expect(await hooks.deliver(`http://hooks.test:${port}/hook`, '{}')).toMatchObject({ status: 'delivered' });
      hooksAddress = '127.0.0.2';
      expect(await hooks.deliver(`http://hooks.test:${port}/hook`, '{}')).toMatchObject({ status: 'delivered' });
      expect([seen.length, other]).toEqual([1, [`hooks.test:${port}`]]);
    } finally {
      hooksAddress = '127.0.0.1';
      await new Promise<void>((resolve) => second.close(() => resolve()));
    }
  });

  it('refuses an address outside the policy without connecting', async () => {
    seen.length = 0;
    const attempt = await deliverer([]).deliver(`http://hooks.test:${port}/hook`, '{}');
    expect(attempt).toEqual({ status: 'give_up', reason: 'blocked_address' });
    expect(await deliverer([]).deliver(`http://127.0.0.1:${port}/hook`, '{}')).toMatchObject({ status: 'give_up' });
    expect(seen).toHaveLength(0);
  });

  it('does not follow redirects; retries 5xx and a closed port; reads a bounded answer', async () => {
    respond = (_req, res) => res.writeHead(302, { location: 'http://192.0.2.1/' }).end();
    expect(await deliverer(['127.0.0.1/32']).deliver(`http://127.0.0.1:${port}/`, '{}')).toEqual({
      status: 'give_up',
      reason: 'redirect_302',
    });
    respond = (_req, res) => res.writeHead(503).end();
    expect(await deliverer(['127.0.0.1/32']).deliver(`http://127.0.0.1:${port}/`, '{}')).toEqual({
      status: 'retry',
      reason: 'http_503',
    });
    respond = (_req, res) => res.end(Buffer.alloc(1_000_000, 0x61));
    expect((await deliverer(['127.0.0.1/32']).deliver(`http://127.0.0.1:${port}/`, '{}')).status).toBe('delivered');
    expect(await deliverer(['127.0.0.1/32']).deliver('http://127.0.0.1:1/', '{}')).toEqual({
      status: 'retry',
      reason: 'econnrefused',
    });
  });

  it('gives one attempt one budget', async () => {
    respond = () => undefined;
    const started = Date.now();
    expect(await deliverer(['127.0.0.1/32'], 300).deliver(`http://127.0.0.1:${port}/`, '{}')).toEqual({
      status: 'retry',
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
