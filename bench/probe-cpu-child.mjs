/**
 * Child of bench/probe.mjs: probes a list of hosts with the real SmtpHostProber
 * and prints {probes, cpuMs, wallMs} as JSON. It runs apart from the simulated
 * servers so their CPU is not counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const { SmtpHostProber, createAddressPolicy, parseProbeOptions } = await import(join(root, 'packages/probe/dist/index.js'));
const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const options = parseProbeOptions({ allowNet: job.allowNet, smtp: { port: job.port, hostBudgetMs: 10_000 } });
const policy = createAddressPolicy(options.allowNet);
const prober = new SmtpHostProber({ bounds: options.smtp, policy: policy.policy, extraCaPem: [job.caPem] });

// Warm up (JIT, TLS context) on one host, outside the measurement.
await prober.probe(job.targets[0]);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
const statuses = {};
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (next < job.targets.length) {
      const probe = await prober.probe(job.targets[next++]);
      const key = `${probe.connect}/${probe.starttls}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({
    probes: job.targets.length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - t0,
    statuses,
  }) + '\n',
);
