import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_MAIN } from './run-cli.js';

// The counter of bench/startup: an --import preload that lists every ESM and CommonJS file a process loads.
const COUNTER = fileURLToPath(new URL('../../../bench/lib/loaded-modules.mjs', import.meta.url));
/** What only the fleet, the API or the demo need: `mxv --version` and `mxv check` must load none of it. */
const HEAVY =
  /\/(packages\/fleet|apps\/api|packages\/testkit)\/|\/node_modules\/(bullmq|ioredis|fastify|@fastify|@bull-board|pino|pino-pretty|prom-client|@peculiar|tsyringe|reflect-metadata)\//;

/** The light entry points (`@mxv/fleet/bounds`, `@mxv/api/bounds`): plain tables the flag definitions read. */
const LIGHT = /\/(packages\/fleet|apps\/api)\/(dist|src)\/(bounds|api-bounds|parse-duration|log-levels)\.[jt]s$/;

function heavy(files: string[]): string[] {
  return files.filter((f) => HEAVY.test(f) && !LIGHT.test(f));
}

const BUNDLE_DIR = dirname(CLI_MAIN);
const WORKSPACE = fileURLToPath(new URL('../../../', import.meta.url));
/** The source files in each chunk of the CLI's bundle (written by apps/cli/scripts/bundle.mjs). */
const CHUNK_INPUTS = JSON.parse(readFileSync(join(BUNDLE_DIR, 'chunk-inputs.json'), 'utf8')) as Record<string, string[]>;

/** A loaded chunk of the bundle stands for the source files it holds (absolute paths, as a module graph would load them). */
function sourcesOf(file: string): string[] {
  const inputs = dirname(file) === BUNDLE_DIR ? CHUNK_INPUTS[basename(file)] : undefined;
  return inputs === undefined ? [file] : inputs.map((input) => join(WORKSPACE, input));
}

/** The files `mxv ARGS` loads; the bundle's chunks counted as the source files they hold. */
function loadedFiles(args: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'mxv-startup-test-')), 'modules.txt');
  writeFileSync(file, '');
  const run = spawnSync(process.execPath, ['--import', COUNTER, CLI_MAIN, ...args], {
    env: { ...process.env, MXV_LOADED_MODULES_FILE: file, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return [
    ...new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .flatMap(sourcesOf),
    ),
  ];
}

describe('start-up loads only what the command runs', () => {
  it('mxv --version loads commander and the command definitions, nothing of the engine', () => {
    const files = loadedFiles(['--version']);
    expect(files.some((f) => f.includes('/commander/'))).toBe(true);
    expect([...heavy(files), ...files.filter((f) => f.includes('/node_modules/zod/'))]).toEqual([]);
    // Guard against a new barrel import: today about 30 files.
    expect(files.length).toBeLessThan(60);
  });

  it('mxv check DOMAIN loads the engine and its plain values, not zod, nor anything from fleet, api or testkit', () => {
    // An invalid name is checked without any network: the result is verdict "invalid".
    const files = loadedFiles(['check', '--json', '--dns', '127.0.0.1:9', '..invalid..']);
    expect(files.some((f) => f.includes('/packages/probe/'))).toBe(true);
    expect(files.some((f) => /\/packages\/schema\/(dist|src)\/values\.[jt]s$/.test(f))).toBe(true);
    expect(heavy(files)).toEqual([]);
    // zod is 95 files (half of a check's start-up): the engine validates its options with the bounds tables alone.
    expect(files.filter((f) => f.includes('/node_modules/zod/') || f.includes('-schema.'))).toEqual([]);
    expect(files.length).toBeLessThan(160);
  });
});
