import { ResolverValidation, StubResolver, type DnsBounds, type DnsServerAddress } from '@mxv/probe';
import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/**
 * Each resolver on its own (`dns:HOST:PORT`): does it answer, and does it
 * validate DNSSEC (the `dnssec` and `dane` checks need a validating resolver:
 * without one they say unknown / not_applicable). Asked: the SOA of `testName`'s
 * top-level domain, the question resolver-validation.ts asks.
 */
export async function checkResolvers(
  servers: readonly DnsServerAddress[],
  bounds: DnsBounds,
  testName: string,
): Promise<DoctorCheck[]> {
  return Promise.all(
    servers.map(async (server) => {
      const label = server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
      const resolver = new StubResolver({ servers: [server], bounds });
      const answer = await resolver.query(testName, 'SOA');
      const name = `dns:${label}`;
      if (answer.status === 'TIMEOUT' || answer.status === 'REFUSED' || answer.status === 'SERVFAIL')
        return doctorCheck(name, 'fail', `SOA ${testName}: ${answer.status}${answer.error ? ` (${answer.error})` : ''}`);
      const validates = await new ResolverValidation(resolver).validatesFor(testName);
      return validates
        ? doctorCheck(name, 'pass', `answers (${answer.elapsedMs} ms) and validates DNSSEC`)
        : doctorCheck(
            name,
            'warn',
            `answers (${answer.elapsedMs} ms) but does not validate DNSSEC: dnssec/dane checks will say unknown`,
          );
    }),
  );
}
