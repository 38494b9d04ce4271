#!/usr/bin/env node
/**
 * DNS stub resolver benchmark: prints figures, asserts nothing.
 *
 *   node bench/dns.mjs [--queries 100000] [--concurrency 100] [--allocations]
 *   (after a build; or run bench/dns, which builds first)
 *
 * The engine's own stub resolver (`StubResolver`, packages/probe/src/dns/)
 * against a UDP server in this process on 127.0.0.1 that answers every question
 * at once with one TXT record and an OPT record: what one question costs the
 * engine's side (encode, socket pool, decode, classify), with the server's
 * small share included. Prints CPU µs per question and, with --allocations,
 * the bytes allocated per question (V8's sampling heap profiler, garbage
 * included) by function: every check asks 1 to 8 questions, so this is the
 * per-question part of bench/probe's CPU per domain.
 */
import { createSocket } from 'node:dgram';
import { setMaxListeners } from 'node:events';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const { StubResolver } = await import(join(root, 'packages/probe/dist/index.js'));
const { values: args } = parseArgs({
  options: {
    queries: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '100' },
    allocations: { type: 'boolean', default: false },
  },
});
const queries = Number(args.queries);
const concurrency = Number(args.concurrency);

const TXT = Buffer.from('v=spf1 include:_spf.example.test -all');
const server = createSocket('udp4');
server.on('message', (query, from) => {
  let end = 12;
  while (query[end] !== 0) end += (query[end] ?? 0) + 1;
  end += 5;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x81a0, 2); // QR RD RA AD, NOERROR
  header.writeUInt16BE(1, 6); // one answer
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(1, 10); // the OPT record
  const answer = Buffer.from([0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 44, 0, TXT.length + 1, TXT.length]);
  const opt = Buffer.from([0, 0, 41, 4, 208, 0, 0, 0x80, 0, 0, 0]);
  server.send(Buffer.concat([header, query.subarray(12, end), answer, TXT, opt]), from.port, from.address);
});
await new Promise((resolve) => server.bind(0, '127.0.0.1', resolve));
const resolver = new StubResolver({
  servers: [{ host: '127.0.0.1', port: server.address().port }],
  bounds: {
    queryTimeoutMs: 2000,
    attemptsPerServer: 2,
    udpPayloadBytes: 1232,
    maxTcpAnswerBytes: 65535,
    questionsPerUdpSocket: 64,
  },
});
// As the fleet's per-job signal: every question in flight listens on it.
const signal = new AbortController().signal;
setMaxListeners(0, signal);

async function run(count) {
  let asked = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (asked < count) {
        asked += 1;
        const answer = await resolver.query(`d${asked % 1000}.example.test`, 'TXT', signal);
        if (answer.status !== 'NOERROR') throw new Error(`${answer.status} ${answer.error}`);
      }
    }),
  );
}

await run(20_000); // warm up: the code optimized, the socket pool in its steady state
const session = new Session();
session.connect();
if (args.allocations) {
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(queries);
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
console.log(`mxv DNS stub resolver benchmark — node ${process.version}`);
console.log(
  `${queries} TXT questions, ${concurrency} at once, to a UDP server in this process: ${(queries / (wallMs / 1000)).toFixed(0)} questions/s, ${((cpu.user + cpu.system) / queries).toFixed(1)} µs CPU per question (the server's share included)`,
);
if (args.allocations) {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) throw error;
    const byFunction = new Map();
    let total = 0;
    const walk = (node) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|node:)/, '$1')}:${lineNumber + 1}`;
      byFunction.set(where, (byFunction.get(where) ?? 0) + node.selfSize);
      total += node.selfSize;
      node.children.forEach(walk);
    };
    walk(result.profile.head);
    console.log(`allocated: ${(total / queries).toFixed(0)} bytes per question (sampled), by function:`);
    for (const [where, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
      console.log(`  ${(bytes / queries).toFixed(0).padStart(6)} B  ${where}`);
    }
  });
}
server.close();
