import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/**
 * Redis, only when --redis is given: connect and PING (the fleet module is
 * loaded only then). A Redis Cluster must also say `cluster_state:ok`: with
 * a slot uncovered, every command on its keys fails.
 */
export async function checkRedis(url: string | null, cluster = false): Promise<DoctorCheck> {
  if (url === null) return doctorCheck('redis', 'skip', 'no --redis given');
  const { connectRedis, Cluster } = await import('@mxv/fleet');
  const connected = await connectRedis(url, 3_000, { cluster });
  if (connected.status === 'failed') return doctorCheck('redis', 'fail', connected.reason);
  try {
    const started = performance.now();
    await connected.redis.ping();
    const ms = Math.round(performance.now() - started);
    if (!(connected.redis instanceof Cluster)) return doctorCheck('redis', 'pass', `PING answered in ${ms} ms`);
    const info = String(await connected.redis.cluster('INFO'));
    const state = /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
    const masters = connected.redis.nodes('master').length;
    const detail = `Redis Cluster: ${masters} master(s), cluster_state:${state}, PING answered in ${ms} ms`;
    return doctorCheck('redis', state === 'ok' ? 'pass' : 'fail', detail);
  } catch (error) {
    return doctorCheck('redis', 'fail', `PING failed: ${(error as Error).message}`);
  } finally {
    connected.redis.disconnect();
  }
}
