import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkWorldSpec, startWorld, worldProbeFlags, type World } from '@mxv/testkit';
import { CLI_MAIN } from './run-cli.js';
import { waitFor } from './support/cli-process.js';

/**
 * `mxv check --file` writing into a real pipe: a reader slower than the checks
 * holds the run back (the results do not pile up in the process), and a reader
 * that goes away (`| head`) ends it at once.
 */

const DOMAINS = 1_000;
let world: World;
let dir: string;

beforeAll(async () => {
  // Few hosts, many domains each: once a host is probed, a domain costs a few DNS questions.
  world = await startWorld(
    bulkWorldSpec({ domains: DOMAINS, hosts: 20, slowShare: 0, unreachableShare: 0, tls: false, seed: 5 }),
  );
  dir = mkdtempSync(join(tmpdir(), 'mxv-pipe-test-'));
  writeFileSync(join(dir, 'domains.txt'), `${world.domains.join('\n')}\n`);
});
afterAll(async () => {
  await world?.stop();
});

/** Spawned here, not by `startCli`, which leaves stdout unread: here the test is the pipe's reader. */
function startCheck(): ChildProcessByStdio<Writable, Readable, Readable> {
  return spawn(
    process.execPath,
    [
      CLI_MAIN,
      'check',
      '--json',
      '--file',
      join(dir, 'domains.txt'),
      '--concurrency',
      '10',
      '--checks',
      'none',
      ...worldProbeFlags(world),
      '--timeout-ms',
      '3000',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Domains whose check has begun: their MX question reached the world's resolver. */
function domainsStarted(): number {
  const listed = new Set(world.domains);
  return new Set(world.dnsServer.queryLog.filter((q) => q.type === 'MX' && listed.has(q.name)).map((q) => q.name)).size;
}

const exited = (child: ChildProcessByStdio<Writable, Readable, Readable>): Promise<number | null> =>
  new Promise((resolve) => child.on('close', (code) => resolve(code)));

describe('mxv check into a pipe', () => {
  it('waits for a reader that does not read, then delivers every result in order', async () => {
    world.dnsServer.clearLog();
    const child = startCheck();
    child.stdin.end();
    const code = exited(child);
    // Nobody reads: the pipe and the stream's buffer fill, and the run must stop there. Wait until no
    // new domain has started for a second (a run that ignored its reader only stops when the list is done).
    let previous = -1;
    const startedWhileStuck = await waitFor(
      'no new domain to start for a second',
      () => {
        const started = domainsStarted();
        const settled = started > 0 && started === previous;
        previous = started;
        return settled ? started : null;
      },
      30_000,
      { intervalMs: 1_000, detail: () => `${previous} domains started` },
    );
    // Results of about 1 KB: a 64 KiB pipe, a 16 KiB stream buffer and the pool's window (4 × 10) hold far fewer than 400.
    expect(startedWhileStuck).toBeGreaterThan(0);
    expect(startedWhileStuck).toBeLessThan(400);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await code).toBe(0);
    const domains = stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { domain: string }).domain);
    expect(domains).toEqual(world.domains);
  });

  it('stops at once when the reader goes away (| head), with the status of a writer killed by SIGPIPE', async () => {
    world.dnsServer.clearLog();
    const child = startCheck();
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = exited(child);
    // Read one chunk, then close our end, as `head -1` does.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    expect(await code).toBe(141);
    expect(stderr).toBe('');
    expect(domainsStarted()).toBeLessThan(DOMAINS / 2);
  });
});
