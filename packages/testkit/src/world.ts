import { normalizeName, type ZoneRecord } from './dns-records.js';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { startPolicyServer, type PolicyServerHandle } from './https-policy-server.js';
import { modpDhParametersPem } from './dh-params.js';
import { blockAddress, randomIpBlock } from './loopback.js';
import { startSmtpHost, type SmtpHostHandle, type SmtpHostOptions, type SmtpTlsMaterial } from './smtp-server.js';
import { createTestCa, type IssuedCert, type TestCa } from './test-ca.js';
import { tlsaForChain } from './tlsa-for-cert.js';
import {
  SMTP_PORT_TOKEN,
  type DomainExpectation,
  type WorldCertSpec,
  type WorldHostSpec,
  type WorldPolicyServerSpec,
  type WorldSpec,
} from './world-spec.js';

export interface WorldOptions {
  /** Reuse a CA (creating one costs a few ms; tests that start many worlds may share). */
  ca?: TestCa;
  /** Tries at a random shared SMTP port before giving up. */
  portAttempts?: number;
  /** Hosts bound at once while starting. */
  startConcurrency?: number;
}

export interface World {
  /** "host:port" of the world's resolver, for --dns. */
  dns: string;
  smtpPort: number;
  /** The port every policy server of the world listens on (0 when there is none). */
  httpsPort: number;
  /** Policy servers by spec id. */
  policyServers: Map<string, PolicyServerHandle>;
  ca: TestCa;
  /** PEM of the CA root: trust it to make the world's valid certificates valid. */
  caCertPem: string;
  /** Listening hosts by address. */
  hosts: Map<string, SmtpHostHandle>;
  /** The listeners of the hosts' `extraPorts`. */
  extraHosts: SmtpHostHandle[];
  /** Every host spec id → its address (refused hosts included) and handle (null when refused). */
  hostsById: Map<string, { ip: string; handle: SmtpHostHandle | null }>;
  /** Domains of the spec, in order. */
  domains: string[];
  expectations: Map<string, DomainExpectation>;
  /** CIDR covering the world's addresses, for --allow-net. */
  allowNet: string[];
  ipBlock: string;
  dnsServer: DnsServer;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const DEFAULT_PORT_ATTEMPTS = 10;
const DEFAULT_START_CONCURRENCY = 256;

function certKey(c: WorldCertSpec): string {
  return JSON.stringify([c.names, c.variant ?? 'valid', c.intermediates ?? 0, c.key ?? null, c.signatureHash ?? null]);
}

function issueFor(ca: TestCa, c: WorldCertSpec): Promise<IssuedCert> {
  const now = Date.now();
  const key = { ...(c.key ? { key: c.key } : {}), ...(c.signatureHash ? { signatureHash: c.signatureHash } : {}) };
  switch (c.variant ?? 'valid') {
    case 'expired':
      return ca.issue({
        names: c.names,
        notBefore: new Date(now - 90 * DAY_MS),
        notAfter: new Date(now - DAY_MS),
        intermediates: c.intermediates,
        ...key,
      });
    case 'not_yet_valid':
      return ca.issue({
        names: c.names,
        notBefore: new Date(now + DAY_MS),
        notAfter: new Date(now + 90 * DAY_MS),
        intermediates: c.intermediates,
        ...key,
      });
    case 'self_signed':
      return ca.issue({ names: c.names, selfSigned: true, ...key });
    case 'expired_intermediate':
      return ca.issue({
        names: c.names,
        intermediates: c.intermediates ?? 1,
        intermediateValidity: { notBefore: new Date(now - 400 * DAY_MS), notAfter: new Date(now - 2 * DAY_MS) },
        ...key,
      });
    case 'valid':
      return ca.issue({ names: c.names, intermediates: c.intermediates, ...key });
  }
}

/**
 * What a host's server is given for STARTTLS: its certificate as issued (one object, so one secure context,
 * for every host sharing it) or, with TLS settings of its own, the certificate with them.
 */
function tlsMaterialFor(spec: WorldHostSpec, cert: IssuedCert | undefined): SmtpTlsMaterial | undefined {
  if (cert === undefined || spec.tls === undefined) return cert;
  const { maxVersion, ciphers, dhGroup } = spec.tls;
  return {
    ...cert,
    contextOptions: {
      ...(maxVersion ? { maxVersion } : {}),
      ...(ciphers ? { ciphers } : {}),
      ...(dhGroup ? { dhparam: modpDhParametersPem(dhGroup) } : {}),
    },
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function blockCidr(block: string): string {
  return block.split('.').length === 2 ? `${block}.0.0/16` : `${block}.0/24`;
}

/**
 * Bind every listening host on one port at its own address. With no fixed port,
 * the first host takes a free one and the rest follow; if any address has that
 * port taken, everything started is stopped and another port is tried.
 */
async function startHostsOnSharedPort(
  hosts: Array<{ spec: WorldHostSpec; ip: string; cert: IssuedCert | undefined }>,
  fixedPort: number | undefined,
  attempts: number,
  concurrency: number,
): Promise<{ port: number; handles: Map<string, SmtpHostHandle> }> {
  const optionsFor = (h: (typeof hosts)[number], port: number): SmtpHostOptions => ({
    host: h.ip,
    port,
    behaviour: h.spec.behaviour,
    hostname: h.spec.hostname,
    tls: tlsMaterialFor(h.spec, h.cert),
    greetingDelayMs: h.spec.greetingDelayMs,
    replyDelayMs: h.spec.replyDelayMs,
  });
  for (let attempt = 1; ; attempt++) {
    const started: SmtpHostHandle[] = [];
    try {
      const first = hosts[0];
      if (first === undefined) return { port: fixedPort ?? 0, handles: new Map() };
      const head = await startSmtpHost(optionsFor(first, fixedPort ?? 0));
      started.push(head);
      // Every start is let finish (or fail) before deciding, so none is left running unseen.
      let failure: unknown = null;
      await mapLimit(hosts.slice(1), concurrency, async (h) => {
        if (failure !== null) return;
        try {
          started.push(await startSmtpHost(optionsFor(h, head.port)));
        } catch (err) {
          failure ??= err;
        }
      });
      if (failure !== null) throw failure;
      return { port: head.port, handles: new Map(started.map((s) => [s.host, s])) };
    } catch (err) {
      await Promise.all(started.map((s) => s.stop()));
      const code = (err as NodeJS.ErrnoException).code;
      if (fixedPort !== undefined || code !== 'EADDRINUSE' || attempt >= attempts) throw err;
    }
  }
}

/** The `extraPorts` listeners of every live host (fixed ports, each host on its own address). */
async function startExtraPorts(
  specs: readonly WorldHostSpec[],
  addressOf: ReadonlyMap<string, string>,
  certByKey: ReadonlyMap<string, IssuedCert>,
): Promise<SmtpHostHandle[]> {
  const started: SmtpHostHandle[] = [];
  try {
    for (const spec of specs) {
      if (spec.refused === true) continue;
      const cert = spec.cert ? certByKey.get(certKey(spec.cert)) : undefined;
      for (const extra of spec.extraPorts ?? []) {
        started.push(
          await startSmtpHost({
            host: addressOf.get(spec.id) as string,
            port: extra.port,
            behaviour: spec.behaviour,
            hostname: spec.hostname,
            tls: tlsMaterialFor(spec, cert),
            implicitTls: extra.implicitTls === true,
            greetingDelayMs: spec.greetingDelayMs,
            replyDelayMs: spec.replyDelayMs,
          }),
        );
      }
    }
    return started;
  } catch (err) {
    await Promise.all(started.map((h) => h.stop()));
    throw err;
  }
}

/** Every policy server on one port at its own address, tried again on another port if one address has it taken. */
async function startPolicyServersOnSharedPort(
  servers: Array<{ spec: WorldPolicyServerSpec; ip: string; cert: IssuedCert }>,
  attempts: number,
): Promise<{ port: number; handles: Map<string, PolicyServerHandle> }> {
  for (let attempt = 1; ; attempt++) {
    const started: PolicyServerHandle[] = [];
    try {
      let port = 0;
      for (const s of servers) {
        const handle = await startPolicyServer({
          host: s.ip,
          port,
          certPem: s.cert.certPem,
          keyPem: s.cert.keyPem,
          chainPem: s.cert.chainPem,
          ...(s.spec.cert.signatureHash === 'SHA-1' ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
          behaviour: s.spec.behaviour,
        });
        started.push(handle);
        port = handle.port;
      }
      return { port, handles: new Map(servers.map((s, i) => [s.spec.id, started[i] as PolicyServerHandle])) };
    } catch (err) {
      await Promise.all(started.map((s) => s.stop()));
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= attempts) throw err;
    }
  }
}

/** Start a simulated mail world: one resolver and every SMTP host of the spec, all on loopback. */
export async function startWorld(spec: WorldSpec, opts: WorldOptions = {}): Promise<World> {
  const ipBlock = spec.ipBlock ?? randomIpBlock();
  const ca = opts.ca ?? (await createTestCa());

  // Address 0 of the block is the resolver; hosts follow in spec order.
  const dnsHost = blockAddress(ipBlock, 0);
  const addressOf = new Map<string, string>();
  spec.hosts.forEach((h, i) => {
    if (addressOf.has(h.id)) throw new Error(`world spec: duplicate host id "${h.id}"`);
    addressOf.set(h.id, blockAddress(ipBlock, i + 1));
  });

  const policySpecs = spec.policyServers ?? [];
  policySpecs.forEach((p, i) => {
    if (addressOf.has(p.id)) throw new Error(`world spec: duplicate host id "${p.id}"`);
    addressOf.set(p.id, blockAddress(ipBlock, spec.hosts.length + i + 1));
  });

  const certs = new Map<string, Promise<IssuedCert>>();
  for (const c of [...spec.hosts.map((h) => h.cert), ...policySpecs.map((p) => p.cert)]) {
    if (c && !certs.has(certKey(c))) certs.set(certKey(c), issueFor(ca, c));
  }
  const certByKey = new Map(await Promise.all([...certs].map(async ([k, p]) => [k, await p] as const)));

  const records: Record<string, ZoneRecord[]> = {};
  for (const [name, recs] of Object.entries(spec.records)) {
    records[name] = recs.map((r): ZoneRecord => {
      if (!('host' in r)) return r;
      if (r.type === 'TLSA') {
        const host = spec.hosts.find((h) => h.id === r.host);
        const cert = host?.cert ? certByKey.get(certKey(host.cert)) : undefined;
        if (cert === undefined) throw new Error(`world spec: TLSA of ${name} names host "${r.host}" without a certificate`);
        return { ...tlsaForChain(cert.chainPem, r, r.of, ca.certPem), ttl: r.ttl };
      }
      const ip = addressOf.get(r.host);
      if (ip === undefined) throw new Error(`world spec: record of ${name} names unknown host "${r.host}"`);
      return { type: 'A', address: ip, ttl: r.ttl };
    });
  }
  // A host's `ptr` names live at its address's reverse name.
  for (const h of spec.hosts) {
    const ip = addressOf.get(h.id);
    if (h.ptr === undefined || ip === undefined) continue;
    const owner = `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
    records[owner] = [...(records[owner] ?? []), ...h.ptr.map((target): ZoneRecord => ({ type: 'PTR', target }))];
  }
  const zones =
    spec.zones ??
    [
      ...new Set([
        'test',
        'example',
        'invalid',
        // Reverse names (PTR of the hosts, RFC 1035 3.5): served, so an address without PTR is NXDOMAIN, not REFUSED.
        'arpa',
        ...Object.keys(spec.records).map((n) => normalizeName(n).split('.').at(-1) ?? ''),
      ]),
    ].filter((z) => z !== '');

  // Names that carry the SMTP port are served once the hosts listen and the port is known.
  const portNamed = Object.keys(records).filter((name) => name.includes(SMTP_PORT_TOKEN));
  const portNamedBehaviours = Object.keys(spec.dnsBehaviours ?? {}).filter((name) => name.includes(SMTP_PORT_TOKEN));
  const dnsServer = await startDnsServer({
    host: dnsHost,
    port: spec.dnsPort ?? 0,
    records: Object.fromEntries(Object.entries(records).filter(([name]) => !portNamed.includes(name))),
    behaviours: Object.fromEntries(
      Object.entries(spec.dnsBehaviours ?? {}).filter(([name]) => !portNamedBehaviours.includes(name)),
    ),
    zones,
    ...(spec.dnssec ? { dnssec: spec.dnssec } : {}),
  });
  let hosts: Map<string, SmtpHostHandle>;
  let smtpPort: number;
  try {
    const live = spec.hosts
      .filter((h) => h.refused !== true)
      .map((h) => ({ spec: h, ip: addressOf.get(h.id) as string, cert: h.cert ? certByKey.get(certKey(h.cert)) : undefined }));
    ({ port: smtpPort, handles: hosts } = await startHostsOnSharedPort(
      live,
      spec.smtpPort,
      opts.portAttempts ?? DEFAULT_PORT_ATTEMPTS,
      opts.startConcurrency ?? DEFAULT_START_CONCURRENCY,
    ));
  } catch (err) {
    await dnsServer.stop();
    throw err;
  }
  let extraHosts: SmtpHostHandle[];
  try {
    extraHosts = await startExtraPorts(spec.hosts, addressOf, certByKey);
  } catch (err) {
    await Promise.all([dnsServer.stop(), ...[...hosts.values()].map((h) => h.stop())]);
    throw err;
  }
  let policyServers: Map<string, PolicyServerHandle>;
  let httpsPort: number;
  try {
    ({ port: httpsPort, handles: policyServers } = await startPolicyServersOnSharedPort(
      policySpecs.map((p) => ({
        spec: p,
        ip: addressOf.get(p.id) as string,
        cert: certByKey.get(certKey(p.cert)) as IssuedCert,
      })),
      opts.portAttempts ?? DEFAULT_PORT_ATTEMPTS,
    ));
  } catch (err) {
    await Promise.all([dnsServer.stop(), ...[...hosts.values(), ...extraHosts].map((h) => h.stop())]);
    throw err;
  }

  for (const name of portNamed) dnsServer.setRecords(name.replace(SMTP_PORT_TOKEN, String(smtpPort)), records[name] ?? []);
  for (const name of portNamedBehaviours) {
    const behaviour = spec.dnsBehaviours?.[name];
    if (behaviour) dnsServer.setBehaviour(name.replace(SMTP_PORT_TOKEN, String(smtpPort)), behaviour);
  }

  const hostsById = new Map(
    spec.hosts.map((h) => [
      h.id,
      { ip: addressOf.get(h.id) as string, handle: hosts.get(addressOf.get(h.id) as string) ?? null },
    ]),
  );
  let stopping: Promise<void> | null = null;
  return {
    dns: dnsServer.address,
    smtpPort,
    httpsPort,
    policyServers,
    ca,
    caCertPem: ca.certPem,
    hosts,
    extraHosts,
    hostsById,
    domains: spec.domains.map((d) => d.name),
    expectations: new Map(spec.domains.flatMap((d) => (d.expect ? [[d.name, d.expect] as const] : []))),
    allowNet: [blockCidr(ipBlock)],
    ipBlock,
    dnsServer,
    stop() {
      stopping ??= Promise.all([
        dnsServer.stop(),
        ...[...hosts.values(), ...extraHosts].map((h) => h.stop()),
        ...[...policyServers.values()].map((p) => p.stop()),
      ]).then(() => undefined);
      return stopping;
    },
  };
}

/**
 * The `mxv` flags that point a probing command at this world: its resolver, its
 * SMTP port, its policy hosts' port and, unless `allow` is false, its address block opted in past the
 * address policy (the world lives on loopback, which is blocked by default).
 */
export function worldProbeFlags(world: Pick<World, 'dns' | 'smtpPort' | 'allowNet' | 'httpsPort'>, allow = true): string[] {
  return [
    '--dns',
    world.dns,
    '--smtp-port',
    String(world.smtpPort),
    ...(world.httpsPort > 0 ? ['--mta-sts-port', String(world.httpsPort)] : []),
    ...(allow ? ['--allow-net', world.allowNet.join(',')] : []),
  ];
}
