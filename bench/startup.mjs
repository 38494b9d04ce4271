#!/usr/bin/env node
/**
 * Start-up benchmark (issue 9): prints figures, asserts nothing.
 *
 *   node bench/startup.mjs [--runs 15] [--cli apps/cli/bundle/main.js] [--idle-ms 3000]
 *   (after a build; or run bench/startup, which builds first)
 *
 * 1. Median wall time of `node -e 0`, `mxv --version`, `mxv check --help` and
 *    `mxv check --json` of one domain of the simulated world (its loopback
 *    resolver as --dns, --allow-net its 127.x block), measured in the same run,
 *    with the ratio to `node -e 0`, and the module files each loads (ESM and
 *    CommonJS, counted by bench/lib/loaded-modules.mjs in one extra run).
 * 2. Peak RSS of an idle `mxv worker` against a private redis-server (never the
 *    Redis on 6379), with its heap figures (process.memoryUsage, read in the
 *    worker by bench/lib/memory-report.mjs on SIGUSR2).
 * --cli points at another build (e.g. /work/main/apps/cli/bundle/main.js) for a
 * before/after comparison with the same world and the same counter.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('..', import.meta.url));
const { demoWorldSpec, startWorld, startRedisServer, worldProbeFlags } = await import(
  join(root, 'packages/testkit/dist/index.js')
);
const COUNTER = join(root, 'bench/lib/loaded-modules.mjs');
const MEMORY_REPORT = join(root, 'bench/lib/memory-report.mjs');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    cli: { type: 'string', default: join(root, 'apps/cli/bundle/main.js') },
    'idle-ms': { type: 'string', default: '3000' },
  },
});
const runs = Number(args.runs);
const CLI = resolve(args.cli);
const idleMs = Number(args['idle-ms']);
const work = mkdtempSync(join(tmpdir(), 'mxv-bench-startup-'));

function run(argv, env = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${err.slice(0, 2000)}`));
      else resolvePromise({ ms, out });
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function loadedModules(argv) {
  const file = join(work, `modules-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, '');
  await run(['--import', COUNTER, ...argv], { MXV_LOADED_MODULES_FILE: file });
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0),
  );
}

const world = await startWorld(demoWorldSpec());
const caFile = join(work, 'ca.pem');
writeFileSync(caFile, world.caCertPem);
process.env['NODE_EXTRA_CA_CERTS'] = caFile;
const probeFlags = [...worldProbeFlags(world), '--timeout-ms', '2000'];

const cases = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'mxv --version', argv: [CLI, '--version'] },
  { name: 'mxv check --help', argv: [CLI, 'check', '--help'] },
  { name: 'mxv check ok.test', argv: [CLI, 'check', '--json', ...probeFlags, 'ok.test'] },
  // The same with only the mail route: what the security and reputation checks add.
  { name: 'mxv check --checks none', argv: [CLI, 'check', '--json', '--checks', 'none', ...probeFlags, 'ok.test'] },
];

try {
  const verdict = JSON.parse((await run(cases[3].argv)).out).verdict;
  if (verdict !== 'ok') throw new Error(`mxv check ok.test: verdict ${verdict}, expected ok`);
  const times = new Map(cases.map((c) => [c.name, []]));
  // Interleaved, so a burst of load on the machine touches every case alike.
  for (let i = 0; i < runs; i += 1) {
    for (const c of cases) times.get(c.name).push((await run(c.argv)).ms);
  }
  const base = median(times.get('node -e 0'));
  process.stdout.write(`start-up, median of ${runs} runs (${CLI})\n`);
  for (const c of cases) {
    const ms = median(times.get(c.name));
    const modules = await loadedModules(c.argv);
    process.stdout.write(
      `  ${c.name.padEnd(20)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / base).toFixed(2).padStart(5)}× node -e 0  ${String(modules.size).padStart(5)} module files\n`,
    );
  }
  await idleWorker();
} finally {
  await world.stop();
}

async function idleWorker() {
  const started = await startRedisServer();
  if (started.status !== 'ok') {
    process.stdout.write(`idle worker: skipped (${started.why})\n`);
    return;
  }
  const redis = started.server;
  const reportFile = join(work, 'memory.json');
  const modulesFile = join(work, 'worker-modules.txt');
  writeFileSync(modulesFile, '');
  const child = spawn(
    process.execPath,
    ['--import', COUNTER, '--import', MEMORY_REPORT, CLI, 'worker', '--redis', redis.url, '--log-format', 'json', ...probeFlags],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MXV_LOADED_MODULES_FILE: modulesFile, MXV_MEMORY_REPORT_FILE: reportFile },
    },
  );
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const deadline = Date.now() + 30_000;
    while (!err.includes('worker started')) {
      if (Date.now() > deadline) throw new Error(`worker did not start: ${err.slice(0, 2000)}`);
      await sleep(50);
    }
    await sleep(idleMs);
    child.kill('SIGUSR2');
    while (!existsSync(reportFile)) await sleep(50);
    await sleep(100);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const mib = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
    process.stdout.write(
      `idle worker after ${idleMs} ms: peak RSS ${(kib('VmHWM') / 1024).toFixed(1)} MiB, RSS ${(kib('VmRSS') / 1024).toFixed(1)} MiB; ` +
        `heap used ${mib(report.heapUsed)} of ${mib(report.heapTotal)}, external ${mib(report.external)} ` +
        `(array buffers ${mib(report.arrayBuffers)}), code+metadata ${mib(report.codeAndMetadata)}\n`,
    );
  } finally {
    child.kill('SIGTERM');
    await exited;
    await redis.stop();
  }
  const modules = new Set(
    readFileSync(modulesFile, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0),
  );
  process.stdout.write(`  ${modules.size} module files loaded\n`);
}
