import { DirectDialer, describeProxy, type ProxyEndpoint } from '@mxv/probe';
import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/** The SOCKS5 proxy, when configured: it accepts a TCP connection (the canary check then goes through it). */
export async function checkProxy(proxy: ProxyEndpoint | null, timeoutMs: number): Promise<DoctorCheck> {
  if (proxy === null) return doctorCheck('proxy', 'skip', 'no --proxy given');
  const dialed = await new DirectDialer().dial({ host: proxy.host, port: proxy.port, timeoutMs });
  if (dialed.status === 'connected') {
    dialed.socket.destroy();
    return doctorCheck('proxy', 'pass', `${describeProxy(proxy)} accepts connections`);
  }
  return doctorCheck('proxy', 'fail', `${describeProxy(proxy)}: ${dialed.status}`);
}
