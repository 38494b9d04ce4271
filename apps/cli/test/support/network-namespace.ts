import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasBinary } from '../interop/real-servers.js';

/** The built testkit, for a child module to import inside the namespace (TESTKIT in its environment). */
export const TESTKIT = fileURLToPath(new URL('../../../../packages/testkit/dist/index.js', import.meta.url));

/** Why a namespace cannot be made here, or null: `unshare --net` needs root, unshare and ip. */
export function networkNamespaceUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (unshare --net)';
  return !hasBinary('unshare') || !hasBinary('ip') ? 'needs unshare and ip' : null;
}

/**
 * Runs `setup` (ip commands) and then the ES module `child` in a network namespace of its own, so
 * no packet can leave it whatever the addresses; `child` prints one JSON value on stdout, which is
 * returned. `env` reaches the child (TESTKIT is always there).
 */
export function runInNetworkNamespace<T>(setup: string, child: string, env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const namespace = spawn(
      'unshare',
      ['--net', 'sh', '-c', `${setup} && exec "${process.execPath}" --input-type=module -e "$CHILD"`],
      { env: { ...process.env, NO_COLOR: '1', TESTKIT, ...env, CHILD: child }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    namespace.stdout.on('data', (d: Buffer) => (out += d.toString()));
    namespace.stderr.on('data', (d: Buffer) => (err += d.toString()));
    namespace.on('error', reject);
    namespace.on('close', () => {
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`no run in the namespace: ${out}${err}`));
      }
    });
  });
}
