import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/** Redis, only when --redis is given: connect and PING (the fleet module is loaded only then). */
export async function checkRedis(url: string | null): Promise<DoctorCheck> {
  if (url === null) return doctorCheck('redis', 'skip', 'no --redis given');
  const { connectRedis } = await import('@mxv/fleet');
  const connected = await connectRedis(url, 3_000);
  if (connected.status === 'failed') return doctorCheck('redis', 'fail', connected.reason);
  try {
    const started = performance.now();
    await connected.redis.ping();
    return doctorCheck('redis', 'pass', `PING answered in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    return doctorCheck('redis', 'fail', `PING failed: ${(error as Error).message}`);
  } finally {
    connected.redis.disconnect();
  }
}
