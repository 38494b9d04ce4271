import { isIP } from 'node:net';
import {
  AddressReputation,
  checkCanary,
  type CanaryTarget,
  type Dialer,
  type DnsResolver,
  type ReputationBounds,
} from '@mxv/probe';
import { doctorCheck, type DoctorCheck } from './doctor-check.js';

export interface EgressInputs {
  canary: CanaryTarget | null;
  dialer: Dialer;
  resolver: DnsResolver;
  connectTimeoutMs: number;
  /** Given with --egress-ip. */
  egressIp: string | null;
  /** A name whose TXT (or A) answers with the asker's address (--whoami-name); none by default. */
  whoamiName: string | null;
  heloName: string;
  zones: readonly string[];
  reputation: ReputationBounds;
}

/** Outbound SMTP: a connection to the canary and its greeting (through the proxy when one is set). */
export async function checkOutboundSmtp(inputs: EgressInputs): Promise<DoctorCheck> {
  const name = 'egress:smtp';
  if (inputs.canary === null) return doctorCheck(name, 'skip', 'no --canary HOST[:PORT] given');
  const target = `${inputs.canary.host}:${inputs.canary.port}`;
  const outcome = await checkCanary(inputs.canary, {
    dialer: inputs.dialer,
    resolver: inputs.resolver,
    connectTimeoutMs: inputs.connectTimeoutMs,
    greetingTimeoutMs: inputs.connectTimeoutMs,
  });
  switch (outcome.status) {
    case 'reachable':
      return doctorCheck(name, 'pass', `${target} greeted ${outcome.greeting} in ${outcome.elapsedMs} ms`);
    case 'silent':
      return doctorCheck(
        name,
        'fail',
        `${target} accepted the connection but said nothing (${outcome.reason}): something in the path holds port ${inputs.canary.port}`,
      );
    case 'unreachable':
      return doctorCheck(
        name,
        'fail',
        `cannot reach ${target} (${outcome.reason}): outbound port ${inputs.canary.port} looks blocked`,
      );
    case 'unresolved':
      return doctorCheck(name, 'fail', outcome.reason);
  }
}

/** Our egress address: given, or asked of the --whoami-name name. */
export async function findEgressAddress(inputs: EgressInputs): Promise<{ check: DoctorCheck; ip: string | null }> {
  const name = 'egress:address';
  // An address: runDoctor refuses anything else as a usage error.
  if (inputs.egressIp !== null) {
    return { check: doctorCheck(name, 'pass', `${inputs.egressIp} (given)`), ip: inputs.egressIp };
  }
  if (inputs.whoamiName === null)
    return {
      check: doctorCheck(name, 'skip', 'give --egress-ip ADDRESS or --whoami-name NAME to check the egress address'),
      ip: null,
    };
  const txt = await inputs.resolver.query(inputs.whoamiName, 'TXT');
  const fromTxt = txt.records.flatMap((r) => (r.type === 'TXT' ? [r.text.trim()] : [])).find((text) => isIP(text) !== 0);
  const fromA = fromTxt
    ? undefined
    : (await inputs.resolver.query(inputs.whoamiName, 'A')).records.flatMap((r) => (r.type === 'A' ? [r.address] : []))[0];
  const ip = fromTxt ?? fromA ?? null;
  if (ip === null) return { check: doctorCheck(name, 'fail', `${inputs.whoamiName} answered no address (TXT or A)`), ip: null };
  return { check: doctorCheck(name, 'pass', `${ip} (from ${inputs.whoamiName})`), ip };
}

/**
 * The egress address's reverse DNS: many receivers refuse or slow down a client
 * without forward-confirmed reverse DNS, so a probe from it would see refusals
 * that others do not. A PTR that differs from --helo-name is a warning.
 */
export async function checkEgressReputation(inputs: EgressInputs, ip: string | null): Promise<DoctorCheck[]> {
  if (ip === null) {
    return [
      doctorCheck('egress:ptr', 'skip', 'egress address unknown'),
      doctorCheck('egress:dnsbl', 'skip', 'egress address unknown'),
    ];
  }
  const reputation = new AddressReputation(inputs.resolver, inputs.reputation);
  const facts = await reputation.lookup(ip, { ptr: true, zones: inputs.zones });
  const ptr = facts.ptr ?? { names: [], fcrdns: 'dns_error' as const };
  const names = ptr.names.join(', ');
  const helo = inputs.heloName.toLowerCase();
  let ptrCheck: DoctorCheck;
  if (ptr.fcrdns === 'pass')
    ptrCheck = ptr.names.includes(helo)
      ? doctorCheck('egress:ptr', 'pass', `${ip} → ${names}, forward-confirmed, matches --helo-name`)
      : doctorCheck('egress:ptr', 'warn', `${ip} → ${names}, forward-confirmed, but --helo-name is ${inputs.heloName}`);
  else if (ptr.fcrdns === 'none')
    ptrCheck = doctorCheck('egress:ptr', 'fail', `${ip} has no PTR: many mail servers refuse such clients`);
  else if (ptr.fcrdns === 'fail')
    ptrCheck = doctorCheck('egress:ptr', 'fail', `${ip} → ${names}, which does not resolve back (FCrDNS fails)`);
  else ptrCheck = doctorCheck('egress:ptr', 'warn', `PTR of ${ip} could not be looked up`);

  const entries = facts.dnsbl ?? [];
  let listCheck: DoctorCheck;
  if (entries.length === 0) listCheck = doctorCheck('egress:dnsbl', 'skip', 'no --dnsbl lists given');
  else {
    const listed = entries.filter((e) => e.status === 'listed');
    const errors = entries.filter((e) => e.status === 'error');
    if (listed.length > 0)
      listCheck = doctorCheck(
        'egress:dnsbl',
        'fail',
        `${ip} is listed on ${listed.map((e) => `${e.zone} (${e.codes.join(',')})`).join(', ')}`,
      );
    else if (errors.length > 0)
      listCheck = doctorCheck(
        'egress:dnsbl',
        'warn',
        `not listed where asked; no answer from ${errors.map((e) => e.zone).join(', ')}`,
      );
    else listCheck = doctorCheck('egress:dnsbl', 'pass', `${ip} is on none of ${entries.length} list(s)`);
  }
  return [ptrCheck, listCheck];
}
