import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port.js';

export interface RedisServerOptions {
  /** Fixed port (a restart on the same data); default a free one, with retries if another process takes it first. */
  port?: number;
  /** Data directory; default a temp dir removed on stop. */
  dir?: string;
  /** Append-only file on (fault tests restart Redis on it); default off, nothing kept. */
  appendOnly?: boolean;
  readyTimeoutMs?: number;
  /** More redis-server arguments (a cluster node: `--cluster-enabled yes ...`). */
  extraArgs?: readonly string[];
}

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  pid: number;
  /** Ends the server (SIGTERM writes the AOF; SIGKILL does not) and removes a temp dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export type RedisServerStart =
  { status: 'ok'; server: RedisServerHandle } | { status: 'missing'; why: string } | { status: 'failed'; why: string };

const PORT_ATTEMPTS = 5;

/**
 * A private redis-server on 127.0.0.1, for tests, the demo and the benchmarks:
 * they never touch a Redis they did not start. Ready means it answers as *this*
 * process (another one may have taken the port) and has loaded its AOF.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerStart> {
  let last: RedisServerStart = { status: 'failed', why: 'redis-server did not start' };
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    last = await launch(options.port ?? (await freeLoopbackPort()), options);
    if (last.status !== 'failed') return last;
  }
  return last;
}

async function launch(port: number, options: RedisServerOptions): Promise<RedisServerStart> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mxv-redis-'));
  const cleanup = (): void => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const persistence = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  let child: ChildProcess;
  try {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        ...persistence,
        '--loglevel',
        'warning',
        ...(options.extraArgs ?? []),
      ],
      { stdio: 'ignore' },
    );
  } catch (error) {
    cleanup();
    return { status: 'missing', why: `redis-server could not be started (${String(error)})` };
  }
  const spawnFailure = new Promise<string>((resolve) => child.once('error', (error) => resolve(error.message)));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  let ready = false;
  while (!ready && Date.now() < deadline && child.exitCode === null) {
    const raced = await Promise.race([answersAs(port, child.pid), spawnFailure.then((why) => ({ missing: why }))]);
    if (typeof raced === 'object') {
      cleanup();
      return { status: 'missing', why: `redis-server is not installed (${raced.missing})` };
    }
    ready = raced;
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!ready) {
    child.kill('SIGKILL');
    cleanup();
    return { status: 'failed', why: `redis-server on port ${port} did not become ready` };
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
    cleanup();
  };
  return { status: 'ok', server: { url: `redis://127.0.0.1:${port}`, port, dir, pid: child.pid ?? 0, stop } };
}

/** INFO over a raw socket: true when the server on `port` is process `pid` and not still loading. */
function answersAs(port: number, pid: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.startsWith('-')) return done(false); // -LOADING while the AOF is read
      const line = /process_id:(\d+)\r\n/.exec(text);
      if (line) done(Number(line[1]) === pid);
    });
  });
}
