#!/usr/bin/env node
/**
 * Probe engine benchmark (issue 2): prints figures, asserts nothing.
 *
 *   node bench/probe.mjs [--hosts 300] [--domains 5000] [--concurrency 500] [--checks none --checks all] [--cpu-prof DIR]
 *   (after a build: ./mxv --version builds; or run bench/probe, which builds first)
 *
 * 1. CPU milliseconds per host probe, with and without STARTTLS/TLS: the real
 *    SmtpHostProber in a child process (so the simulated servers' CPU is not
 *    counted) against `--hosts` simulated hosts of each kind.
 * 2. Domains per second for `--domains` domains on the simulated world with
 *    `mxv check --json --concurrency 500`, the real CLI in a child process, with
 *    its CPU time and peak RSS (VmHWM) read from /proc: cold (the list once)
 *    and warm (a second run over the list five times; the four extra passes
 *    find host probes, MTA-STS policies and TLSA answers cached); once per `--checks`
 *    value (default: none, then all), on the same world, and the throughput
 *    ratio of each run to the first. The world's TLD is DNSSEC-signed, so the
 *    DNSSEC and DANE checks do their real work (AD answers, TLSA per exchange).
 * `--node-flag F` (repeatable) runs the CLI under that node option (e.g. --max-semi-space-size=32), to compare.
 * `--cpu-prof DIR` writes a V8 CPU profile of each `mxv check` run (the list once, and the five passes) into DIR
 * (node --cpu-prof; open it in Chrome DevTools), for finding where the time goes.
 * Everything runs on loopback (127.x) with the testkit resolver as --dns.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const { bulkWorldSpec, startWorld, worldProbeFlags } = await import(join(root, 'packages/testkit/dist/index.js'));
const CLI = join(root, 'apps/cli/bundle/main.js');
const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '300' },
    domains: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '500' },
    checks: { type: 'string', multiple: true, default: ['none', 'all'] },
    'cpu-prof': { type: 'string' },
    'node-flag': { type: 'string', multiple: true, default: [] },
  },
});
const hostCount = Number(args.hosts);
const domainCount = Number(args.domains);
const concurrency = Number(args.concurrency);
const work = mkdtempSync(join(tmpdir(), 'mxv-bench-probe-'));
const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * Runs the CLI in a child and follows its CPU and peak RSS. With `markLines`, also notes when
 * that many result lines have come out (the list's first pass): the wall time, the child's CPU
 * and this process's CPU at that moment, so that the passes after it are measured in the same
 * process rather than as the difference of two runs (whose cold parts vary by more than a warm pass takes).
 */
function runChild(argv, { stdoutFile, markLines } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peakRssKiB = 0;
    let cpuTicks = 0;
    let lines = 0;
    let mark = null;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+)/.exec(status);
        if (hwm) peakRssKiB = Math.max(peakRssKiB, Number(hwm[1]));
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        cpuTicks = Number(stat[11]) + Number(stat[12]);
      } catch {
        /* the process has just exited */
      }
    };
    const timer = setInterval(sample, 20);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (markLines === undefined || mark !== null) return;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (lines < markLines) return;
      sample();
      mark = { atMs: performance.now(), cpuMs: (cpuTicks * 1000) / CLOCK_TICKS, worldCpu: process.cpuUsage() };
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (stdoutFile) writeFileSync(stdoutFile, out);
      if (code !== 0) reject(new Error(`child exited ${code}: ${err.slice(0, 2000)}`));
      else resolve({ out, peakRssKiB, cpuMs: (cpuTicks * 1000) / CLOCK_TICKS, mark, endMs: performance.now() });
    });
  });
}

async function cpuPerProbe(tls) {
  const world = await startWorld(
    bulkWorldSpec({ domains: 0, hosts: hostCount, bigProviderHosts: 0, slowShare: 0, unreachableShare: 0, tls, seed: 7 }),
  );
  try {
    const targets = [...world.hosts.values()].map((h) => ({ ip: h.host, port: world.smtpPort, exchange: h.hostname }));
    const jobFile = join(work, `probe-${tls}.json`);
    writeFileSync(
      jobFile,
      JSON.stringify({ targets, port: world.smtpPort, allowNet: world.allowNet, caPem: world.caCertPem, concurrency: 50 }),
    );
    const { out } = await runChild([join(root, 'bench/probe-cpu-child.mjs'), jobFile]);
    return JSON.parse(out);
  } finally {
    await world.stop();
  }
}

console.log(`mxv probe benchmark — node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
const withTls = await cpuPerProbe(true);
const withoutTls = await cpuPerProbe(false);
const perProbe = (r) => (r.cpuMs / r.probes).toFixed(2);
console.log(`\n1. CPU per host probe (${hostCount} hosts each, 50 at once, prober process only)`);
console.log(
  `   with STARTTLS + TLS 1.3 + EHLO again : ${perProbe(withTls)} ms CPU/probe   (${withTls.probes} probes in ${withTls.wallMs.toFixed(0)} ms; ${JSON.stringify(withTls.statuses)})`,
);
console.log(
  `   without STARTTLS (plain EHLO, QUIT)  : ${perProbe(withoutTls)} ms CPU/probe   (${withoutTls.probes} probes in ${withoutTls.wallMs.toFixed(0)} ms; ${JSON.stringify(withoutTls.statuses)})`,
);

// 2. The real CLI over a bulk world: domains share hosts like real ones do.
const bulkHosts = Math.max(50, Math.round(domainCount / 10));
const world = await startWorld({
  ...bulkWorldSpec({
    domains: domainCount,
    hosts: bulkHosts,
    slowShare: 0.02,
    slowDelayMs: 500,
    unreachableShare: 0.02,
    seed: 11,
  }),
  // Signed TLDs, as nearly all real ones are: the DNSSEC and DANE checks see AD answers and ask for TLSA.
  dnssec: { test: { state: 'secure' }, example: { state: 'secure' } },
});
// Warm throughput (issue 10: "warm cache") in direct mode, where the caches live as long as the process:
// the same run once over the list, and once over it PASSES times; the difference is PASSES - 1 passes
// that find the host probes, MTA-STS policies and TLSA answers cached (each still asks its domains'
// own DNS questions). Timing passes inside one run would not do: results come out in input order and
// the pool runs ahead of a pass's slowest domain.
const PASSES = 5;
const list = join(work, 'domains.txt');
writeFileSync(list, world.domains.join('\n') + '\n');
const listPasses = join(work, 'domains-passes.txt');
writeFileSync(listPasses, Array.from({ length: PASSES }, () => world.domains.join('\n')).join('\n') + '\n');
const caFile = join(work, 'ca.pem');
writeFileSync(caFile, world.caCertPem);
process.env.NODE_EXTRA_CA_CERTS = caFile;

/** `mxv check` over one list file: wall time, CPU, results. */
async function timedCheck(file, checks, profileName, markLines) {
  const t0 = performance.now();
  const worldCpu0 = process.cpuUsage();
  const run = await runChild(
    [
      ...(args['cpu-prof'] && profileName
        ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`, `--cpu-prof-name=${profileName}`]
        : []),
      ...args['node-flag'],
      CLI,
      'check',
      '--json',
      '--file',
      file,
      '--concurrency',
      String(concurrency),
      ...worldProbeFlags(world),
      '--timeout-ms',
      '5000',
      '--checks',
      checks,
    ],
    { stdoutFile: join(work, 'results.ndjson'), markLines },
  );
  const worldCpu = process.cpuUsage(worldCpu0);
  const cpuOf = (usage) => (usage.user + usage.system) / 1000;
  return {
    wallS: (performance.now() - t0) / 1000,
    cpuMs: run.cpuMs,
    // This process runs the simulated world (DNS server, SMTP hosts, policy server): on a machine with few
    // CPUs its work competes with the CLI's, so a rate may be bound by the world, not by mxv.
    worldCpuMs: cpuOf(worldCpu),
    // From the first pass's last result to the end: the later passes alone.
    afterMark: run.mark && {
      wallS: (run.endMs - run.mark.atMs) / 1000,
      cpuMs: run.cpuMs - run.mark.cpuMs,
      worldCpuMs: cpuOf(process.cpuUsage()) - cpuOf(run.mark.worldCpu),
    },
    peakRssKiB: run.peakRssKiB,
    lines: run.out.trim().split('\n'),
  };
}

/** One `--checks` value: the list once (cold), then PASSES times (the extra passes warm). */
async function checkRun(checks) {
  world.dnsServer.clearLog();
  const questionsBefore = world.dnsServer.queryCount();
  const once = await timedCheck(list, checks, `check-${checks}.cpuprofile`);
  const questionsOnce = world.dnsServer.queryCount() - questionsBefore;
  const byType = {};
  for (const entry of world.dnsServer.queryLog) byType[entry.type] = (byType[entry.type] ?? 0) + 1;
  const many = await timedCheck(listPasses, checks, `check-${checks}-passes.cpuprofile`, domainCount);
  const warmDomains = (PASSES - 1) * domainCount;
  // The passes after the first, in the same process (see runChild's markLines).
  const warmS = many.afterMark.wallS;
  const warmCpuMs = many.afterMark.cpuMs;
  const verdicts = {};
  for (const line of once.lines) {
    const v = JSON.parse(line).verdict;
    verdicts[v] = (verdicts[v] ?? 0) + 1;
  }
  const passVerdicts = Array.from({ length: PASSES }, () => ({}));
  many.lines.forEach((line, i) => {
    const v = JSON.parse(line).verdict;
    const pass = passVerdicts[Math.floor(i / domainCount)];
    pass[v] = (pass[v] ?? 0) + 1;
  });
  const sameEveryPass = passVerdicts.every((p) => JSON.stringify(p) === JSON.stringify(verdicts));
  console.log(
    `\n2. mxv check --json --concurrency ${concurrency} --checks ${checks}: ${domainCount} domains over ${bulkHosts} host addresses (a third on a 4-address provider; 2% slow, 2% refusing)`,
  );
  console.log(
    `   results            : ${once.lines.length} (${JSON.stringify(verdicts)}); the list ${PASSES} times: ${many.lines.length}, ${sameEveryPass ? 'the same verdicts every pass' : JSON.stringify(passVerdicts)}`,
  );
  console.log(
    `   cold (the list once): ${once.wallS.toFixed(2)} s  → ${(domainCount / once.wallS).toFixed(0)} domains/s (process start included)`,
  );
  console.log(
    `   warm (${PASSES - 1} more passes) : ${warmS.toFixed(2)} s after the first pass's last result → ${(warmDomains / warmS).toFixed(0)} domains/s (host probes, MTA-STS policies and TLSA cached; each domain's own DNS questions asked again)`,
  );
  console.log(
    `   CLI CPU            : cold ${once.cpuMs.toFixed(0)} ms → ${(once.cpuMs / domainCount).toFixed(2)} ms/domain; warm ${(warmCpuMs / warmDomains).toFixed(2)} ms/domain`,
  );
  console.log(
    `   world CPU (this process: DNS, SMTP, HTTPS servers): cold ${(once.worldCpuMs / domainCount).toFixed(2)} ms/domain; warm ${(many.afterMark.worldCpuMs / warmDomains).toFixed(2)} ms/domain`,
  );
  console.log(
    `   peak RSS (VmHWM)   : ${(once.peakRssKiB / 1024).toFixed(0)} MiB once, ${(many.peakRssKiB / 1024).toFixed(0)} MiB ${PASSES} passes`,
  );
  console.log(
    `   DNS questions      : ${questionsOnce} → ${(questionsOnce / domainCount).toFixed(2)} per domain, the list once (${JSON.stringify(byType)})`,
  );
  console.log(
    `   note: politeness is in force (≤ 2 connections open and ≤ 1 new connection/s per address); each host is probed once and shared.`,
  );
  return {
    checks,
    cold: domainCount / once.wallS,
    warm: warmDomains / warmS,
    coldCpu: once.cpuMs / domainCount,
    warmCpu: warmCpuMs / warmDomains,
  };
}

try {
  const runs = [];
  for (const checks of args.checks) runs.push(await checkRun(checks));
  const [first, ...others] = runs;
  if (first && others.length > 0) {
    console.log(`
   throughput relative to --checks ${first.checks} (${first.warm.toFixed(0)} domains/s warm, ${first.cold.toFixed(0)} cold):`);
    for (const run of others) {
      console.log(
        `   --checks ${run.checks}: warm ${run.warm.toFixed(0)} domains/s = ${(run.warm / first.warm).toFixed(2)}× (CPU ${(run.warmCpu / first.warmCpu).toFixed(2)}× per domain); cold ${run.cold.toFixed(0)} domains/s = ${(run.cold / first.cold).toFixed(2)}× (CPU ${(run.coldCpu / first.coldCpu).toFixed(2)}×)`,
      );
    }
  }
} finally {
  await world.stop();
}
