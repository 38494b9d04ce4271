#!/usr/bin/env node
/**
 * Start a simulated mail world and keep it up until Ctrl-C, for trying the
 * engine by hand:
 *
 *   node packages/testkit/dist/serve-world.js [--demo] [--bulk N] [--ip-block 127.A] [--smtp-port N] [--dns-port N]
 *
 * --demo (the default) serves the demo world; --bulk N a generated world of N domains.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startWorld } from './world.js';
import { demoWorldSpec } from './worlds/demo-world.js';
import { bulkWorldSpec } from './worlds/bulk-world.js';

function usage(message: string): never {
  process.stderr.write(
    `serve-world: ${message}\nusage: serve-world [--demo | --bulk N] [--ip-block 127.A] [--smtp-port N] [--dns-port N]\n`,
  );
  process.exit(2);
}

function portArg(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) usage(`${flag} wants a port number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        demo: { type: 'boolean' },
        bulk: { type: 'string' },
        'ip-block': { type: 'string' },
        'smtp-port': { type: 'string' },
        'dns-port': { type: 'string' },
      },
    }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  const ipBlock = args['ip-block'];
  if (ipBlock !== undefined && !/^127\.\d{1,3}(\.\d{1,3})?$/.test(ipBlock))
    usage(`--ip-block wants "127.A" or "127.A.B", got "${ipBlock}"`);
  const smtpPort = portArg(args['smtp-port'], '--smtp-port');
  const dnsPort = portArg(args['dns-port'], '--dns-port');
  let spec;
  if (args.bulk !== undefined) {
    const n = Number(args.bulk);
    if (!Number.isInteger(n) || n < 1) usage(`--bulk wants a number of domains, got "${args.bulk}"`);
    spec = bulkWorldSpec({ domains: n, hosts: Math.max(5, Math.ceil(n / 10)), ipBlock, smtpPort, dnsPort });
  } else {
    spec = demoWorldSpec({ ipBlock, smtpPort, dnsPort });
  }

  const world = await startWorld(spec);
  const dir = mkdtempSync(join(tmpdir(), 'mxv-world-'));
  const caFile = join(dir, 'ca.pem');
  const domainsFile = join(dir, 'domains.txt');
  writeFileSync(caFile, world.caCertPem);
  writeFileSync(domainsFile, world.domains.join('\n') + '\n');

  const out = process.stdout;
  out.write(`mail world up: ${world.domains.length} domains, ${world.hosts.size} SMTP hosts\n`);
  out.write(`  DNS resolver  ${world.dns}\n`);
  out.write(`  SMTP port     ${world.smtpPort}\n`);
  out.write(`  HTTPS port    ${world.httpsPort} (MTA-STS policy hosts)\n`);
  out.write(`  addresses     ${world.allowNet.join(', ')}\n`);
  out.write(`  CA cert       ${caFile}\n`);
  out.write(`  domain list   ${domainsFile}\n\n`);
  out.write(
    `try:\n  NODE_EXTRA_CA_CERTS=${caFile} ./mxv check --dns ${world.dns} --smtp-port ${world.smtpPort} --mta-sts-port ${world.httpsPort} --allow-net ${world.allowNet.join(',')} --file ${domainsFile}\n\n`,
  );
  if (args.bulk === undefined) {
    for (const d of spec.domains)
      out.write(`  ${d.name.padEnd(30)} ${(d.expect?.verdict ?? '').padEnd(13)} ${d.description ?? ''}\n`);
  }
  out.write('\nCtrl-C to stop.\n');

  const shutdown = (): void => {
    world.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`serve-world: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
