import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResultSchema } from '@mxv/schema';
import { startWorld, worldProbeFlags, type World } from '@mxv/testkit';
import { CLI_MAIN } from './run-cli.js';

/**
 * Ctrl-C during `mxv check --file`: results are printed in input order, so a domain whose server never
 * greets holds back everything after it. Stopped, the run prints what finished (in order, the unfinished
 * skipped) and says so, instead of leaving nothing after minutes of work.
 */

const FAST_DOMAINS = 20;
let world: World;

beforeAll(async () => {
  world = await startWorld({
    hosts: [
      { id: 'silent', behaviour: 'silent', hostname: 'mx.silent.test' },
      { id: 'quick', behaviour: 'no_starttls', hostname: 'mx.quick.test' },
    ],
    records: {
      'silent.test': [{ type: 'MX', priority: 10, exchange: 'mx.silent.test' }],
      'mx.silent.test': [{ type: 'A', host: 'silent' }],
      'mx.quick.test': [{ type: 'A', host: 'quick' }],
      ...Object.fromEntries(
        Array.from({ length: FAST_DOMAINS }, (_, i) => [`q${i}.test`, [{ type: 'MX', priority: 10, exchange: 'mx.quick.test' }]]),
      ),
    },
    domains: [],
  });
});

afterAll(async () => {
  await world?.stop();
});

describe('mxv check: Ctrl-C', () => {
  it('prints what finished, in order, says what was left, and exits 130 at once', async () => {
    const list = ['silent.test', ...Array.from({ length: FAST_DOMAINS }, (_, i) => `q${i}.test`)].join('\n');
    const child = spawn(
      process.execPath,
      [
        CLI_MAIN,
        'check',
        '--json',
        '--checks',
        'none',
        ...worldProbeFlags(world),
        '--greeting-timeout-ms',
        '30000',
        '--timeout-ms',
        '40000',
        '--file',
        '-',
      ],
      { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(`${list}\n`);
    // The quick domains finish in well under this; the silent one would take 30 s.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(stdout).toBe('');
    const signalledAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(Date.now() - signalledAt).toBeLessThan(2_000);
    expect(code).toBe(130);
    const printed = stdout
      .trim()
      .split('\n')
      .map((line) => checkResultSchema.parse(JSON.parse(line)).domain);
    expect(printed).toEqual(Array.from({ length: FAST_DOMAINS }, (_, i) => `q${i}.test`));
    expect(stderr).toContain(`mxv: interrupted: ${FAST_DOMAINS} result(s) printed of ${FAST_DOMAINS + 1} domain(s) taken`);
  });
});
