#!/usr/bin/env node
/**
 * API benchmark (issue 4): prints figures, asserts nothing.
 *
 *   node bench/api.mjs [--duration 8] [--connections 50] [--domains 1000] [--rounds 2]
 *   (or bench/api, which builds first)
 *
 * GET /v1/domains/{domain} on cached results (a private redis-server on a free
 * loopback port holds --domains stored results) against a bare Fastify route
 * on the same path pattern that answers a constant of the same size, in the
 * same run: both servers in one child process (so the load generator does not
 * share their event loop), autocannon here, rounds alternating bare / API.
 * The figure that matters is the ratio of requests per second (target ≥ 0.7).
 * A third server, the same API with its 1 s result cache off (a Redis GET per
 * request), is measured alongside for comparison.
 */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('..', import.meta.url));
// autocannon and fastify are dependencies of apps/api: resolve them from there.
const requireFromApi = createRequire(join(root, 'apps/api/package.json'));

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    domains: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '2' },
    serve: { type: 'boolean', default: false },
    redis: { type: 'string' },
  },
});
const DOMAINS = Number(args.domains);
const domainName = (i) => `d${i}.bench.test`;

/** A realistic stored result: two MX hosts with STARTTLS and certificate details (about 2.4 KB of JSON). */
function result(domain, checkedAt) {
  const host = (n) => ({
    exchange: `mx${n}.${domain}`,
    priority: 10 * n,
    ip: `192.0.2.${n}`,
    port: 25,
    connect: 'ok',
    banner: { code: 220, text: `mx${n}.${domain} ESMTP Postfix (Debian/GNU)` },
    ehlo: {
      code: 250,
      command: 'EHLO',
      extensions: [
        'PIPELINING',
        'SIZE 10240000',
        'VRFY',
        'ETRN',
        'STARTTLS',
        'ENHANCEDSTATUSCODES',
        '8BITMIME',
        'DSN',
        'SMTPUTF8',
        'CHUNKING',
      ],
    },
    starttls: 'ok',
    tls: {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      certValid: true,
      hostnameMatch: true,
      notAfter: '2027-02-01T00:00:00.000Z',
      error: null,
      notBefore: '2026-11-01T00:00:00.000Z',
      subject: `CN=mx${n}.${domain}`,
      issuer: "C=US, O=Let's Encrypt, CN=R11",
      subjectAltNames: [`mx${n}.${domain}`],
      fingerprintSha256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
      chainLength: 2,
    },
    timingsMs: { connect: 12, banner: 48, ehlo: 9, tls: 31, total: 118 },
    error: null,
    cached: n === 2,
    probedAt: checkedAt,
  });
  return {
    schema: 1,
    domain,
    input: domain,
    checkedAt,
    durationMs: 240,
    verdict: 'ok',
    checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: true },
    mx: {
      source: 'mx',
      dns: 'NOERROR',
      records: [1, 2].map((n) => ({
        exchange: `mx${n}.${domain}`,
        priority: 10 * n,
        addresses: [`192.0.2.${n}`],
        problems: [],
        ttl: 3600,
        addressTtl: 300,
      })),
    },
    hosts: [host(1), host(2)],
    error: null,
    attempts: 1,
  };
}

if (args.serve) await serve();
else await main();

/** Child: the API and the bare route, each on its own port; prints their URLs as one JSON line on stdout. */
async function serve() {
  const { buildApiApp } = await import(join(root, 'apps/api/dist/index.js'));
  const { connectRedis, fleetKeys, ResultStore } = await import(join(root, 'packages/fleet/dist/index.js'));
  const Fastify = requireFromApi('fastify');
  const connected = await connectRedis(args.redis);
  if (connected.status !== 'ok') throw new Error(connected.reason);
  const keys = fleetKeys('bench');
  const store = new ResultStore(connected.redis, keys);
  const checkedAt = new Date().toISOString();
  for (let i = 0; i < DOMAINS; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, DOMAINS - i) }, (_, k) => store.write(result(domainName(i + k), checkedAt))),
    );
  }
  connected.redis.disconnect();
  const api = await buildApiApp({ redis: args.redis, prefix: 'bench', limits: { rateLimitPerMinute: 0 } });
  await api.listen({ host: '127.0.0.1', port: 0 });
  // For comparison: the same route reading Redis on every request (result cache off).
  const uncached = await buildApiApp({ redis: args.redis, prefix: 'bench', limits: { rateLimitPerMinute: 0, resultCacheMs: 0 } });
  await uncached.listen({ host: '127.0.0.1', port: 0 });
  // The same bytes the API answers with (the stored JSON plus ageSeconds), as a constant.
  const constant = `${JSON.stringify(result(domainName(0), checkedAt)).slice(0, -1)},"ageSeconds":0}`;
  const bare = Fastify({ logger: false });
  bare.get('/v1/domains/:domain', async (_request, reply) => reply.type('application/json; charset=utf-8').send(constant));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const url = (app) => `http://127.0.0.1:${app.server.address().port}`;
  process.stdout.write(
    `${JSON.stringify({ api: url(api), uncached: url(uncached), bare: url(bare), bytes: Buffer.byteLength(constant) })}\n`,
  );
  process.on('SIGTERM', async () => {
    await Promise.all([api.close(), uncached.close(), bare.close()]);
    process.exit(0);
  });
}

async function main() {
  const autocannon = requireFromApi('autocannon');
  const redis = await startRedis();
  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--redis', redis.url, '--domains', String(DOMAINS)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    const [line] = await once(child.stdout, 'data');
    const servers = JSON.parse(String(line).trim().split('\n')[0]);
    const log = (text) => process.stderr.write(`bench: ${text}\n`);
    log(
      `${DOMAINS} stored results, ${servers.bytes} bytes per answer; ${args.connections} connections, ${args.duration} s per run`,
    );
    const run = (url) =>
      new Promise((resolve, reject) => {
        let i = 0;
        autocannon(
          {
            url,
            connections: Number(args.connections),
            duration: Number(args.duration),
            requests: [{ setupRequest: (request) => ({ ...request, path: `/v1/domains/${domainName(i++ % DOMAINS)}` }) }],
          },
          (error, outcome) => (error ? reject(error) : resolve(outcome)),
        );
      });
    // Warm both (JIT, connections, Redis) before measuring.
    await run(servers.bare);
    await run(servers.api);
    await run(servers.uncached);
    const totals = { bare: [], api: [], uncached: [] };
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const which of ['bare', 'api', 'uncached']) {
        const outcome = await run(servers[which]);
        if (outcome.non2xx > 0 || outcome.errors > 0) log(`${which}: ${outcome.non2xx} non-2xx, ${outcome.errors} errors`);
        totals[which].push(outcome);
        log(
          `round ${round + 1} ${which}: ${Math.round(outcome.requests.average)} req/s, p50 ${outcome.latency.p50} ms, p99 ${outcome.latency.p99} ms`,
        );
      }
    }
    const summary = (list) => ({
      rps: list.reduce((sum, o) => sum + o.requests.average, 0) / list.length,
      p50: Math.max(...list.map((o) => o.latency.p50)),
      p99: Math.max(...list.map((o) => o.latency.p99)),
    });
    const bare = summary(totals.bare);
    const api = summary(totals.api);
    const uncached = summary(totals.uncached);
    const row = (name, s) =>
      `${name.padEnd(34)}${String(Math.round(s.rps)).padStart(9)}${String(s.p50).padStart(9)}${String(s.p99).padStart(9)}`;
    console.log(`${'route'.padEnd(34)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`);
    console.log(row('bare Fastify, constant', bare));
    console.log(row('GET /v1/domains/{domain} (cached)', api));
    console.log(row('  same, Redis read every request', uncached));
    console.log(
      `ratio api/bare: ${(api.rps / bare.rps).toFixed(2)} (target >= 0.7); Redis every request: ${(uncached.rps / bare.rps).toFixed(2)}`,
    );
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit').catch(() => undefined);
    await redis.stop();
  }
}

async function startRedis() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    {
      stdio: 'ignore',
    },
  );
  const { connectRedis } = await import(join(root, 'packages/fleet/dist/index.js'));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const connected = await connectRedis(url, 500);
    if (connected.status === 'ok') {
      connected.redis.disconnect();
      return {
        url,
        stop: async () => {
          child.kill('SIGTERM');
          await once(child, 'exit');
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start');
}
