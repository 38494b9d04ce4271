import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkResultSchema, type CheckResult } from '@mxv/schema';

/** The built CLI (scripts/test builds before the suite runs). */
export const CLI_MAIN = fileURLToPath(new URL('../bundle/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** The results of `--json` output (one per line), each checked against the contract's schema. */
export function resultLines(stdout: string): CheckResult[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => checkResultSchema.parse(JSON.parse(line)));
}

/**
 * `mxv worker` flags that lift the provider and network group limits: a simulated
 * world's hosts share one /24 of loopback, so a test about something else would
 * otherwise run at the pace of the network group's defaults (2/s, 4 open).
 */
export const LIFTED_GROUP_LIMITS = [
  '--rate-per-provider',
  '10000',
  '--max-conn-per-provider',
  '10000',
  '--rate-per-network',
  '10000',
  '--max-conn-per-network',
  '10000',
];
