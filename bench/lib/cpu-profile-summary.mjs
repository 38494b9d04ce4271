#!/usr/bin/env node
/**
 * Sums the self time of a V8 .cpuprofile (`node --cpu-prof`) by function and by
 * file (package), to see where a worker spends its CPU:
 *
 *   node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [--top 40]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '40' } }, allowPositionals: true });
const top = Number(values.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  // timeDeltas[i] is the time before samples[i]: charge it to that sample's node.
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byFile = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = nodes.get(id);
    const where = shortUrl(callFrame.url);
    const fn = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(groupOf(where, callFrame.functionName), (byFile.get(groupOf(where, callFrame.functionName)) ?? 0) + us);
  }
  const print = (title, map) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(
        `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`,
      );
    }
  };
  process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
  print('self time by package / file', byFile);
  print('self time by function', byFunction);
}

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const packages = url.search(/(packages|apps)\//);
  return packages >= 0 ? url.slice(packages) : url.replace(/^file:\/\//, '');
}

/** A package name (node_modules/<pkg>), our own file, node's internals, or V8's (GC, program, idle). */
function groupOf(where, functionName) {
  if (!where) return `(${functionName || 'native'})`;
  const m = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(where);
  if (where.startsWith('node:')) return where;
  if (where.startsWith('packages/') || where.startsWith('apps/')) return where;
  return m ? m[1] : where;
}
