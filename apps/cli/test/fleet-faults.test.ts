import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 6, "Faults", the short version of bench/faults.mjs (which runs them on
 * 10,000 domains): real worker processes, a real redis-server with append-only
 * persistence, the simulated world. Zero results lost in every fault; the
 * figures are printed.
 */

const BENCH = fileURLToPath(new URL('../../../bench/faults.mjs', import.meta.url));
const DOMAINS = 300;

interface Phase {
  results: number;
  lost: number;
  duplicates: number;
  wrongVerdicts: number;
  finished: boolean;
  recoverySeconds?: number;
  exitCode?: number;
  drainSeconds?: number;
  drainBoundSeconds?: number;
  workersExit?: number[];
  reconnectSeconds?: number | null;
}

function runFaults(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, '--domains', String(DOMAINS), '--silence-ms', '3000', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('fleet faults (real processes, real Redis)', () => {
  it('kill -9, Redis restart, SIGTERM, a silent world: nothing lost, nothing wrong', async () => {
    const run = await runFaults();
    expect(run.code, run.stderr).toBe(0);
    const figures = JSON.parse(run.stdout) as { domains: number; phases: Record<string, Phase> };
    console.log(run.stderr.trim());
    expect(Object.keys(figures.phases)).toEqual(['killWorker', 'restartRedis', 'sigterm', 'silence']);
    for (const [name, phase] of Object.entries(figures.phases)) {
      expect(phase.finished, name).toBe(true);
      expect(phase.results, name).toBe(DOMAINS);
      expect(phase.lost, name).toBe(0);
      expect(phase.wrongVerdicts, name).toBe(0);
    }
    // A killed worker's in-flight jobs may be re-run (at-least-once), never more than it held.
    expect(figures.phases.killWorker?.duplicates).toBeLessThanOrEqual(200);
    expect(figures.phases.restartRedis?.workersExit).toEqual([0, 0, 0]);
    // Workers wrote results again after the restart (unless everything was already stored before it).
    const restart = figures.phases.restartRedis as Phase & { storedBeforeRestart?: number };
    if ((restart.storedBeforeRestart ?? 0) < DOMAINS) expect(restart.reconnectSeconds).not.toBeNull();
    const term = figures.phases.sigterm as Phase;
    expect(term.exitCode).toBe(0);
    expect(term.drainSeconds).toBeLessThan((term.drainBoundSeconds ?? 0) + 2);
  }, 120_000);
});
