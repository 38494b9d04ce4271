import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters (no replicas); `redis-cli --cluster create` needs at least 3. */
  masters?: number;
  /** Append-only file on, so a restarted master comes back with its data. */
  appendOnly?: boolean;
  /**
   * cluster-node-timeout: how long a master may be unreachable before the
   * others mark it failed (and, without replicas, the cluster refuses commands
   * until it is back). Tests restart a master well within it.
   */
  nodeTimeoutMs?: number;
  readyTimeoutMs?: number;
}

export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...`, what mxv's --redis takes. */
  url: string;
  ports: number[];
  /** The process id of master `index`'s current server. */
  pid(index: number): number;
  /** Stops master `index` (SIGTERM writes its AOF) and starts it again on the same port and directory; resolves once it serves again. */
  restart(index: number, options?: { downMs?: number }): Promise<void>;
  /** Stops master `index` only (a test may restart it with restart()). */
  stopNode(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** `cluster_state` as each master reports it. */
  states(): Promise<string[]>;
  stop(): Promise<void>;
}

export type RedisClusterStart =
  { status: 'ok'; cluster: RedisClusterHandle } | { status: 'missing'; why: string } | { status: 'failed'; why: string };

/**
 * A private Redis Cluster on loopback for tests and benchmarks: `masters`
 * redis-servers with `--cluster-enabled yes` on free ports, each in its own
 * temp directory, joined with `redis-cli --cluster create ... --cluster-replicas 0`,
 * ready once every master says `cluster_state:ok`. Never touches a Redis it
 * did not start.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterStart> {
  const masters = options.masters ?? 3;
  if (!(Number.isInteger(masters) && masters >= 3)) return { status: 'failed', why: 'a Redis Cluster needs at least 3 masters' };
  try {
    await run('redis-cli', ['--version']);
  } catch (error) {
    return { status: 'missing', why: `redis-cli is not installed (${String(error)}); Debian: apt-get install redis-tools` };
  }
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 15_000;
  const dirs: string[] = [];
  const servers: RedisServerHandle[] = [];
  const argsFor = (): string[] => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
  ];
  const cleanup = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop('SIGKILL').catch(() => undefined)));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < masters; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'mxv-redis-cluster-'));
    dirs.push(dir);
    const started = await startRedisServer({
      dir,
      appendOnly: options.appendOnly === true,
      extraArgs: argsFor(),
      ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    });
    if (started.status !== 'ok') {
      await cleanup();
      return started;
    }
    servers.push(started.server);
  }
  const ports = servers.map((server) => server.port);
  try {
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
  } catch (error) {
    await cleanup();
    return { status: 'failed', why: `redis-cli --cluster create failed: ${String(error)}` };
  }
  const states = (): Promise<string[]> => Promise.all(ports.map((port) => clusterState(port)));
  const waitForOk = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await states()).every((state) => state === 'ok')) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };
  if (!(await waitForOk(options.readyTimeoutMs ?? 30_000))) {
    await cleanup();
    return { status: 'failed', why: 'the cluster did not reach cluster_state:ok' };
  }
  const serverAt = (index: number): RedisServerHandle => {
    const server = servers[index];
    if (!server) throw new Error(`no master ${index}`);
    return server;
  };
  const stopNode = (index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => serverAt(index).stop(signal);
  return {
    status: 'ok',
    cluster: {
      url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
      ports,
      pid: (index) => serverAt(index).pid,
      stopNode,
      async restart(index, restartOptions = {}) {
        const before = serverAt(index);
        await before.stop('SIGTERM');
        if (restartOptions.downMs) await new Promise((resolve) => setTimeout(resolve, restartOptions.downMs));
        const started = await startRedisServer({
          port: before.port,
          dir: before.dir,
          appendOnly: options.appendOnly === true,
          extraArgs: argsFor(),
        });
        if (started.status !== 'ok') throw new Error(`master ${index} did not restart: ${started.why}`);
        servers[index] = started.server;
        if (!(await waitForOk(30_000)))
          throw new Error(`the cluster did not come back to cluster_state:ok after master ${index} restarted`);
      },
      states,
      stop: cleanup,
    },
  };
}

async function clusterState(port: number): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'CLUSTER', 'INFO'], { timeout: 5_000 });
    return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    return 'down';
  }
}
