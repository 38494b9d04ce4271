import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_MAIN } from '../run-cli.js';

/** An `mxv` command that runs until the test ends it (a worker, the API), unlike a `runCli` run. */
export interface CliProcess {
  child: ChildProcess;
  /** Its exit code (null when a signal ended it); listened for from the start, so an early exit is not missed. */
  exited: Promise<number | null>;
  /** The tail of its stderr so far: its log lines, to assert on or to explain a failure. */
  logs: () => string;
}

export interface StartCliOptions {
  /** Where the process is kept for `killStillRunning`, so a test that fails before it ends the process leaves none behind. */
  children: Set<ChildProcess>;
  /** Over `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * How much of stderr `logs()` keeps: bounded, so a long run of a chatty process cannot grow the test's
   * memory without end. `Infinity` for a test that reads every line the process wrote.
   */
  logTailChars?: number;
}

/** Starts `mxv ...args`; stdout is not read: these commands report through their logs, Redis or HTTP. */
export function startCli(args: string[], options: StartCliOptions): CliProcess {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  options.children.add(child);
  const limit = options.logTailChars ?? 8000;
  let stderr = '';
  // Strings, not Buffers: a character split across two chunks is not garbled.
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > limit) stderr = stderr.slice(-limit);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, logs: () => stderr };
}

/** For `afterEach`/`afterAll`: SIGKILLs every process in `children` still running (a test that failed midway left it), and forgets them all. */
export function killStillRunning(children: Set<ChildProcess>): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** What a `waitFor` check returns while what it waits for has not come yet. */
type NotYet = false | null | undefined;

export interface WaitForOptions {
  /** Appended to the timeout's error: the state waited on, so the failure explains itself. */
  detail?: () => string | Promise<string>;
  /** 100 ms unless set. */
  intervalMs?: number;
  /**
   * Poll again when the check throws (a server still starting refuses connections) rather than fail at
   * once; the last error goes in the timeout's message.
   */
  retryErrors?: boolean;
}

/**
 * Polls `check` until it returns anything but false, null or undefined, and resolves with that value: a
 * boolean check waits for a state, a check that returns what it found (a query's answer) hands it over.
 * The processes a test waits on run on their own; a bounded, named wait says which step never came,
 * where the test's own timeout would only say that the test took too long.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | NotYet | Promise<T | NotYet>,
  timeoutMs: number,
  options: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) return value as T;
    } catch (error) {
      if (!options.retryErrors) throw error;
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  const why = [lastError === undefined ? '' : String(lastError), options.detail ? await options.detail() : ''].filter(Boolean);
  throw new Error(`timed out waiting for ${what}${why.length > 0 ? `: ${why.join('; ')}` : ''}`);
}

/**
 * The base URL (`http://127.0.0.1:port`, no trailing slash) of an `mxv api` started with `--port 0`: the
 * port it got is known only from the line it logs at start.
 */
export function waitForApiUrl(api: CliProcess, timeoutMs: number): Promise<string> {
  return waitFor('the API to log its URL', () => /mxv api: (http:\/\/127\.0\.0\.1:\d+)\//.exec(api.logs())?.[1], timeoutMs, {
    detail: api.logs,
  });
}
