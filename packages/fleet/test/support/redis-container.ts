import { freeLoopbackPort } from '@mxv/testkit';

/**
 * A Redis in a container, through testcontainers, when a container engine is
 * reachable. Host networking on a free loopback port: CI's private dockerd
 * has no bridge network (scripts/docker-engine), so exposed ports and the
 * Redis module's getConnectionUrl() cannot be used there.
 */
export type RedisContainerStart =
  | { status: 'ok'; url: string; port: number; stop: () => Promise<void> }
  | { status: 'no-engine'; why: string }
  | { status: 'failed'; why: string };

/** The official image on a laptop; CI sets the one scripts/docker-engine builds offline (mxv-local/redis:7). */
const DEFAULT_IMAGE = 'redis:7.4-alpine';
const PORT_ATTEMPTS = 3;
const START_TIMEOUT_MS = 30_000;

let engine: Promise<string | null> | undefined;

/** null when an engine answers, else why not; asked once per test process. */
function engineProblem(): Promise<string | null> {
  engine ??= import('testcontainers').then(
    async ({ getContainerRuntimeClient }) => {
      try {
        await getContainerRuntimeClient();
        return null;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    (error: unknown) => `testcontainers could not be loaded (${String(error)})`,
  );
  return engine;
}

export async function startRedisContainer(): Promise<RedisContainerStart> {
  const problem = await engineProblem();
  if (problem !== null) return { status: 'no-engine', why: problem };
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = process.env['MXV_TEST_REDIS_IMAGE'] || DEFAULT_IMAGE;
  let why = '';
  // A free port can be taken between the check and the container's bind: then the next one.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt += 1) {
    const port = await freeLoopbackPort();
    try {
      const container = await new GenericContainer(image)
        .withNetworkMode('host')
        .withCommand(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])
        .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
        .withStartupTimeout(START_TIMEOUT_MS)
        .start();
      const stop = async (): Promise<void> => {
        await container.stop({ timeout: 1_000 });
      };
      return { status: 'ok', url: `redis://127.0.0.1:${port}`, port, stop };
    } catch (error) {
      why = `container ${image} on port ${port}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { status: 'failed', why };
}
