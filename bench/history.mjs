/**
 * History memory: Redis bytes per domain for a result plus its change records,
 * on a private redis-server. Writes one result per domain, then --changes more
 * that each differ from the one before (verdict, a certificate renewal), through
 * ResultStore (the workers' write path: compare-and-set + history append in one
 * script), and reads used_memory before and after each phase. The events stream
 * is capped small here so that it does not count as history.
 *
 *   bench/history [--domains 100000] [--changes 3] [--concurrency 200]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startRedisServer } = await import(join(root, 'packages/testkit/dist/index.js'));
const { connectRedis, fleetKeys, ResultStore, DEFAULT_HISTORY_MAX } = await import(join(root, 'packages/fleet/dist/index.js'));

const { values: args } = parseArgs({
  options: {
    domains: { type: 'string', default: '100000' },
    changes: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '200' },
  },
});
const DOMAINS = Number(args.domains);
const CHANGES = Number(args.changes);
const CONCURRENCY = Number(args.concurrency);
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** A result shaped like a real one: two MX hosts with STARTTLS and a certificate. */
function result(domain, round) {
  const checkedAt = new Date(Date.UTC(2026, 0, 1) + round * 86_400_000).toISOString();
  const notAfter = new Date(Date.UTC(2027, 0, 1) + Math.floor(round / 2) * 86_400_000 * 90).toISOString();
  const host = (n, ip) => ({
    exchange: `mx${n}.${domain}`,
    priority: 10 * n,
    ip,
    port: 25,
    connect: round % 2 === 1 && n === 1 ? 'refused' : 'ok',
    banner: { code: 220, text: `mx${n}.${domain} ESMTP ready` },
    ehlo: { code: 250, extensions: ['PIPELINING', 'SIZE 52428800', 'STARTTLS', '8BITMIME', 'ENHANCEDSTATUSCODES'] },
    starttls: 'ok',
    tls: {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      certValid: true,
      hostnameMatch: true,
      notAfter,
      error: null,
      fingerprintSha256: `AB:CD:${String(Math.floor(round / 2)).padStart(2, '0')}:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC`,
    },
    timingsMs: { connect: 3, banner: 40, tls: 25, total: 90 },
    error: null,
  });
  return {
    schema: 1,
    domain,
    input: domain,
    checkedAt,
    durationMs: 412,
    verdict: 'ok',
    checks: { mxExists: true, mxResolves: true, smtpReachable: true, bannerValid: true, tlsSupported: true },
    mx: {
      source: 'mx',
      dns: 'NOERROR',
      records: [
        { exchange: `mx1.${domain}`, priority: 10, addresses: ['192.0.2.1'], problems: [] },
        { exchange: `mx2.${domain}`, priority: 20, addresses: ['192.0.2.2'], problems: [] },
      ],
    },
    hosts: [host(1, '192.0.2.1'), host(2, '192.0.2.2')],
    error: null,
  };
}

async function writeAll(store, round) {
  let next = 0;
  let changed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < DOMAINS) {
        const i = next++;
        const outcome = await store.write(result(`d${i}.example`, round));
        if (outcome.status === 'written' && outcome.changes.length > 0) changed += 1;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, changed };
}

const started = await startRedisServer();
if (started.status !== 'ok') throw new Error(started.why);
const connected = await connectRedis(started.server.url, 2_000);
if (connected.status !== 'ok') throw new Error(connected.reason);
const redis = connected.redis;
try {
  const keys = fleetKeys('bench');
  const store = new ResultStore(redis, keys, { eventsMaxLen: 1_000 });
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
  const base = await used();
  log(`writing ${DOMAINS} first results`);
  const first = await writeAll(store, 0);
  const afterResults = await used();
  let records = 0;
  let seconds = 0;
  for (let round = 1; round <= CHANGES; round++) {
    log(`round ${round}/${CHANGES}: a changed result per domain`);
    const run = await writeAll(store, round);
    records += run.changed;
    seconds += run.seconds;
  }
  const afterHistory = await used();
  const sampleHistory = await redis.memory('USAGE', keys.history('d0.example'), 'SAMPLES', 0);
  const sampleResult = await redis.memory('USAGE', keys.result('d0.example'), 'SAMPLES', 0);
  const rows = [
    ['domains', DOMAINS],
    ['change records', `${records} (${CHANGES} per domain; cap ${DEFAULT_HISTORY_MAX})`],
    [
      'result bytes / domain',
      `${Math.round((afterResults - base) / DOMAINS)} B (used_memory delta); MEMORY USAGE of one result ${sampleResult} B`,
    ],
    [
      'history bytes / domain',
      `${Math.round((afterHistory - afterResults) / DOMAINS)} B for ${CHANGES} records (${Math.round((afterHistory - afterResults) / Math.max(records, 1))} B / record); MEMORY USAGE of one history ${sampleHistory} B`,
    ],
    ['total bytes / domain', `${Math.round((afterHistory - base) / DOMAINS)} B with history`],
    [
      'projected, 50 records',
      `${Math.round((afterResults - base) / DOMAINS + (50 * (afterHistory - afterResults)) / Math.max(records, 1))} B / domain`,
    ],
    ['first writes', `${Math.round(DOMAINS / first.seconds)} / s`],
    ['writes with a change', `${Math.round(records / seconds)} / s (read, diff, compare-and-set + append)`],
  ];
  for (const [name, value] of rows) process.stdout.write(`${name.padEnd(24)} ${value}\n`);
} finally {
  redis.disconnect();
  await started.server.stop();
}
