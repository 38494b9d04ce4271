import { ResolverValidation, StubResolver, type DnsBounds, type DnsServerAddress } from '@mxv/probe';
import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/**
 * Each resolver on its own (`dns:HOST:PORT`): does it answer, does it offer
 * recursion (an authoritative server passed as --dns answers only for its own
 * zones), and does it validate DNSSEC (the `dnssec` and `dane` checks need a
 * validating resolver: without one they say unknown / not_applicable). Asked:
 * the SOA of `testName`'s top-level domain, the question resolver-validation.ts asks.
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
      const said = `SOA ${testName}: ${answer.status}${answer.error ? ` (${answer.error})` : ''}`;
      // A server answered, but as an authoritative server does: only its own zones, never the MX and
      // addresses of other domains (the usual mistake: a domain's own name server passed as --dns).
      if (answer.server !== null && answer.recursionAvailable === false)
        return doctorCheck(
          name,
          'fail',
          `does not offer recursion (RA clear): an authoritative server answers only for its own zones; pass a recursive resolver (${said})`,
        );
      if (answer.status === 'TIMEOUT' || answer.status === 'REFUSED' || answer.status === 'SERVFAIL')
        return doctorCheck(name, 'fail', said);
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
