import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { boundValues, DNS_BOUNDS, StubResolver, type DnsBounds, type DnsServerAddress } from '@mxv/probe';

// This file's loopback block: other test files use other 127.x addresses.
const HOST_A = '127.53.0.1';
const HOST_B = '127.53.0.2';

/** IPv6 loopback, when this machine has it (the v6 test is skipped otherwise, and says so). */
const HOST_V6 = '::1';
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createSocket('udp6');
  probe.once('error', () => resolve(false));
  probe.bind(0, HOST_V6, () => probe.close(() => resolve(true)));
});

type Transport = 'udp' | 'tcp';
/** What the responder does with one query: datagrams/messages to send (in order), or nothing. */
type Handler = (query: DecodedPacket, transport: Transport) => Array<Packet | Buffer>;

interface Responder {
  server: DnsServerAddress;
  received: Array<{ query: DecodedPacket; transport: Transport; sourcePort: number }>;
  close(): Promise<void>;
}

const opened: Responder[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((responder) => responder.close()));
});

function bindUdp(host: string): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => resolve(socket));
  });
}

function listenTcp(host: string, port: number, onSocket: (socket: Socket) => void): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer(onSocket);
    server.once('error', () => resolve(null));
    server.listen(port, host, () => resolve(server));
  });
}

/** A tiny DNS responder on UDP and TCP of the same loopback port. */
async function startResponder(host: string, handler: Handler): Promise<Responder> {
  const received: Responder['received'] = [];
  for (let tries = 0; tries < 20; tries++) {
    const udp = await bindUdp(host);
    const port = udp.address().port;
    const sockets = new Set<Socket>();
    const tcp = await listenTcp(host, port, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
        const query = dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        received.push({ query, transport: 'tcp', sourcePort: socket.remotePort ?? 0 });
        for (const reply of handler(query, 'tcp')) {
          const bytes = Buffer.isBuffer(reply) ? reply : dnsPacket.encode(reply);
          const frame = Buffer.alloc(2);
          frame.writeUInt16BE(bytes.length);
          socket.write(Buffer.concat([frame, bytes]));
        }
      });
    });
    if (tcp === null) {
      udp.close();
      continue;
    }
    udp.on('message', (message, rinfo) => {
      const query = dnsPacket.decode(message);
      received.push({ query, transport: 'udp', sourcePort: rinfo.port });
      for (const reply of handler(query, 'udp')) {
        udp.send(Buffer.isBuffer(reply) ? reply : dnsPacket.encode(reply), rinfo.port, rinfo.address);
      }
    });
    const responder: Responder = {
      server: { host, port },
      received,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          udp.close();
          tcp.close(() => resolve());
        }),
    };
    opened.push(responder);
    return responder;
  }
  throw new Error('could not bind a UDP+TCP port pair');
}

/** A port where nothing listens: bound, then closed. */
async function closedPort(host: string): Promise<DnsServerAddress> {
  const socket = await bindUdp(host);
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { host, port };
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

function reply(
  query: DecodedPacket,
  options: {
    rcode?: number;
    answers?: Answer[];
    authorities?: Answer[];
    ad?: boolean;
    tc?: boolean;
    id?: number;
    name?: string;
  } = {},
): Packet {
  const question = query.questions?.[0];
  if (question === undefined) throw new Error('query without question');
  let flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (options.rcode ?? 0);
  if (options.ad) flags |= dnsPacket.AUTHENTIC_DATA;
  if (options.tc) flags |= dnsPacket.TRUNCATED_RESPONSE;
  return {
    type: 'response',
    id: options.id ?? query.id ?? 0,
    flags,
    questions: [{ ...question, name: options.name ?? question.name }],
    answers: options.answers ?? [],
    authorities: options.authorities ?? [],
  };
}

function bounds(overrides: Partial<DnsBounds> = {}) {
  return boundValues(DNS_BOUNDS, { queryTimeoutMs: 300, attemptsPerServer: 2, ...overrides });
}

const A = (name: string, address: string, ttl = 300): Answer => ({ type: 'A', name, ttl, data: address });
const MX = (name: string, preference: number, exchange: string, ttl = 3600): Answer => ({
  type: 'MX',
  name,
  ttl,
  data: { preference, exchange },
});
const CNAME = (name: string, target: string): Answer => ({ type: 'CNAME', name, ttl: 60, data: target });
/** The zone's SOA in the authority section: what makes NOERROR without data a real NODATA (RFC 2308 2.2). */
const SOA = (zone: string): Answer => ({
  type: 'SOA',
  name: zone,
  ttl: 60,
  data: { mname: `ns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 60 },
});

describe('StubResolver against a loopback responder', () => {
  it('returns a normal answer with records decoded, lower case, without trailing dot', async () => {
    const responder = await startResponder(HOST_A, (query) => [
      reply(query, {
        answers: [MX('Mail.Example.TEST.', 10, 'MX1.Mail.Example.TEST.'), MX('mail.example.test', 20, 'mx2.mail.example.test')],
      }),
    ]);
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds() });
    const answer = await resolver.query('mail.example.test', 'MX');
    expect(answer).toMatchObject({
      status: 'NOERROR',
      authenticated: false,
      usedTcp: false,
      server: `${HOST_A}:${responder.server.port}`,
      error: null,
      records: [
        { type: 'MX', name: 'mail.example.test', ttl: 3600, priority: 10, exchange: 'mx1.mail.example.test' },
        { type: 'MX', name: 'mail.example.test', ttl: 3600, priority: 20, exchange: 'mx2.mail.example.test' },
      ],
    });
  });

  it('sends RD and AD, an EDNS(0) OPT with the configured payload size, and one question', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query, { answers: [A('a.example.test', '192.0.2.1')] })]);
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds({ udpPayloadBytes: 1400 }) });
    await resolver.query('A.Example.Test.', 'A');
    const query = responder.received[0]?.query;
    expect(query?.flag_rd).toBe(true);
    expect(query?.flag_ad).toBe(true);
    expect(query?.flag_qr).toBe(false);
    expect(query?.questions).toEqual([{ name: 'a.example.test', type: 'A', class: 'IN' }]);
    const opt = query?.additionals?.find((record) => record.type === 'OPT');
    expect(opt).toMatchObject({ type: 'OPT', udpPayloadSize: 1400, ednsVersion: 0 });
  });

  it('uses a random id and a fresh source port for each question', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query)]);
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds() });
    for (let i = 0; i < 8; i++) await resolver.query('ids.example.test', 'A');
    const ids = new Set(responder.received.map((entry) => entry.query.id));
    const ports = new Set(responder.received.map((entry) => entry.sourcePort));
    expect(responder.received).toHaveLength(8);
    // 8 draws from 65536 ids / ~28000 ports: a collision down to 1 distinct value is impossible in practice.
    expect(ids.size).toBeGreaterThan(4);
    expect(ports.size).toBeGreaterThan(4);
  });

  it('carries overlapping questions on one socket up to questionsPerUdpSocket, each with its own id and answer', async () => {
    const responder = await startResponder(HOST_A, (query) => {
      const name = query.questions?.[0]?.name ?? '';
      return [reply(query, { answers: [A(name, `192.0.2.${Number(name.split('.')[0]?.slice(1))}`)] })];
    });
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds({ questionsPerUdpSocket: 4 }) });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => resolver.query(`q${i}.example.test`, 'A')));
    // Each answer is the one to its own question, whichever socket carried it.
    answers.forEach((answer, i) => expect(answer.records).toEqual([expect.objectContaining({ address: `192.0.2.${i}` })]));
    const byPort = new Map<number, number[]>();
    for (const entry of responder.received)
      byPort.set(entry.sourcePort, [...(byPort.get(entry.sourcePort) ?? []), entry.query.id ?? -1]);
    // 10 questions, at most 4 a socket: 3 sockets (4 + 4 + 2), ids unique on each.
    expect([...byPort.values()].map((ids) => ids.length).sort()).toEqual([2, 4, 4]);
    for (const ids of byPort.values()) expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every question a socket of its own with questionsPerUdpSocket 1', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query)]);
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds({ questionsPerUdpSocket: 1 }) });
    await Promise.all(Array.from({ length: 6 }, (_, i) => resolver.query(`p${i}.example.test`, 'A')));
    expect(new Set(responder.received.map((entry) => entry.sourcePort)).size).toBe(6);
  });

  it('answers the others on a shared socket while one question on it times out', async () => {
    const responder = await startResponder(HOST_A, (query) => {
      const name = query.questions?.[0]?.name ?? '';
      return name === 'silent.example.test' ? [] : [reply(query, { answers: [A(name, '192.0.2.1')] })];
    });
    const resolver = new StubResolver({
      servers: [responder.server],
      bounds: bounds({ queryTimeoutMs: 150, attemptsPerServer: 1, questionsPerUdpSocket: 8 }),
    });
    const silent = resolver.query('silent.example.test', 'A');
    const others = await Promise.all(['o1', 'o2', 'o3'].map((n) => resolver.query(`${n}.example.test`, 'A')));
    expect(others.map((answer) => answer.status)).toEqual(['NOERROR', 'NOERROR', 'NOERROR']);
    expect(new Set(responder.received.map((entry) => entry.sourcePort)).size).toBe(1);
    expect(await silent).toMatchObject({ status: 'TIMEOUT', error: 'timeout' });
  });

  it('fails every question waiting on a socket when the server is unreachable (ICMP), without waiting out the timeout', async () => {
    const closed = await closedPort(HOST_A);
    const resolver = new StubResolver({
      servers: [closed],
      bounds: bounds({ queryTimeoutMs: 5000, attemptsPerServer: 1, questionsPerUdpSocket: 8 }),
    });
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => resolver.query(`u${i}.example.test`, 'A')));
    for (const answer of answers) expect(answer).toMatchObject({ status: 'TIMEOUT', error: 'connection_refused' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('surfaces the AD bit of the response', async () => {
    const responder = await startResponder(HOST_A, (query) => [
      reply(query, { ad: true, answers: [A('signed.example.test', '192.0.2.7')] }),
    ]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('signed.example.test', 'A');
    expect(answer.status).toBe('NOERROR');
    expect(answer.authenticated).toBe(true);
  });

  it('maps NXDOMAIN, even with a CNAME chain in the answer', async () => {
    const responder = await startResponder(HOST_A, (query) => [
      reply(query, { rcode: RCODE.NXDOMAIN, answers: [CNAME('alias.example.test', 'gone.example.test')] }),
    ]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('alias.example.test', 'MX');
    expect(answer.status).toBe('NXDOMAIN');
    expect(answer.records).toEqual([{ type: 'CNAME', name: 'alias.example.test', ttl: 60, target: 'gone.example.test' }]);
  });

  it('a SOA question answered with the SOA is NOERROR', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query, { answers: [SOA('example.test')] })]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('example.test', 'SOA');
    expect(answer.status).toBe('NOERROR');
    expect(answer.records).toEqual([{ type: 'SOA', name: 'example.test', ttl: 60, primary: 'ns.example.test' }]);
    expect(answer.recursionAvailable).toBe(true);
  });

  it('maps NOERROR without records of the asked type to NODATA', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query)]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('empty.example.test', 'MX');
    expect(answer.status).toBe('NODATA');
    expect(answer.records).toEqual([]);
  });

  it('follows the CNAME chain: records of the asked type at the chain end are NOERROR, a chain with the SOA is NODATA', async () => {
    const responder = await startResponder(HOST_A, (query) => {
      const name = query.questions?.[0]?.name ?? '';
      const chain = [CNAME(name, 'mid.example.test'), CNAME('mid.example.test', 'end.example.test')];
      if (name.startsWith('full')) return [reply(query, { answers: [...chain, A('end.example.test', '192.0.2.9')] })];
      return [reply(query, { answers: chain, authorities: [SOA('example.test')] })];
    });
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds() });
    const full = await resolver.query('full.example.test', 'A');
    expect(full.status).toBe('NOERROR');
    expect(full.records.map((record) => record.type)).toEqual(['CNAME', 'CNAME', 'A']);
    const chainOnly = await resolver.query('chain.example.test', 'A');
    expect(chainOnly.status).toBe('NODATA');
    // The resolver said NODATA for the chain's end: nothing is asked again.
    expect(responder.received).toHaveLength(2);
    // An A record owned by another name than the chain end does not count.
    const stray = await startResponder(HOST_B, (query) => [
      reply(query, { answers: [A('other.example.test', '192.0.2.1')], authorities: [SOA('example.test')] }),
    ]);
    expect((await new StubResolver({ servers: [stray.server], bounds: bounds() }).query('x.example.test', 'A')).status).toBe(
      'NODATA',
    );
  });

  describe('a CNAME chain the resolver left unfinished (NOERROR, no data, no SOA: BIND past its restart limit)', () => {
    /** Each name `c<i>.chain.test` is an alias of `c<i+1>`; a question gets `hops` of them, then the chain stops. */
    function chainResponder(hops: number, last: (query: DecodedPacket, index: number) => Packet | null, ad = true) {
      return startResponder(HOST_A, (query) => {
        const name = query.questions?.[0]?.name ?? '';
        const start = Number(/^c(\d+)\./.exec(name)?.[1] ?? 0);
        const answers: Answer[] = [];
        for (let index = start; index < start + hops; index++) {
          const ending = last(query, index);
          if (ending !== null) {
            ending.answers = [...answers, ...(ending.answers ?? [])];
            return [ending];
          }
          answers.push(CNAME(`c${index}.chain.test`, `c${index + 1}.chain.test`));
        }
        return [reply(query, { answers, ad })];
      });
    }

    it('asks again for the end of the chain, as Postfix does, and joins the parts', async () => {
      const responder = await chainResponder(3, (query, index) =>
        index === 7 ? reply(query, { answers: [A('c7.chain.test', '192.0.2.7')], ad: true }) : null,
      );
      const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('c0.chain.test', 'A');
      expect(answer.status).toBe('NOERROR');
      expect(answer.authenticated).toBe(true);
      expect(answer.records.map((record) => record.name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `c${i}.chain.test`));
      expect(answer.records.at(-1)).toMatchObject({ type: 'A', address: '192.0.2.7' });
      expect(responder.received.map((entry) => entry.query.questions?.[0]?.name)).toEqual([
        'c0.chain.test',
        'c3.chain.test',
        'c6.chain.test',
      ]);
    });

    it('AD only when every part had it; the rcode of the last part (NXDOMAIN at the chain end)', async () => {
      const insecureTail = await chainResponder(
        2,
        (query, index) => (index === 3 ? reply(query, { answers: [A('c3.chain.test', '192.0.2.3')], ad: false }) : null),
        true,
      );
      const mixed = await new StubResolver({ servers: [insecureTail.server], bounds: bounds() }).query('c0.chain.test', 'A');
      expect(mixed).toMatchObject({ status: 'NOERROR', authenticated: false });
      const gone = await chainResponder(2, (query, index) =>
        index === 3 ? reply(query, { rcode: RCODE.NXDOMAIN, authorities: [SOA('chain.test')] }) : null,
      );
      const nx = await new StubResolver({ servers: [gone.server], bounds: bounds() }).query('c0.chain.test', 'MX');
      expect(nx.status).toBe('NXDOMAIN');
      expect(nx.records.map((record) => record.type)).toEqual(['CNAME', 'CNAME', 'CNAME']);
    });

    it('a chain that comes back on itself: SERVFAIL cname_loop, without asking again', async () => {
      const responder = await startResponder(HOST_A, (query) => [
        reply(query, { answers: [CNAME('l1.loop.test', 'l2.loop.test'), CNAME('l2.loop.test', 'l1.loop.test')] }),
      ]);
      const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('l1.loop.test', 'A');
      expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'cname_loop', authenticated: false });
      expect(answer.records).toHaveLength(2);
      expect(responder.received).toHaveLength(1);
    });

    it('a loop found across answers: SERVFAIL cname_loop', async () => {
      // c0 → c1 → c2, then asked for c2: c2 → c0.
      const responder = await chainResponder(2, (query, index) =>
        index === 2 ? reply(query, { answers: [CNAME('c2.chain.test', 'c0.chain.test')] }) : null,
      );
      const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('c0.chain.test', 'A');
      expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'cname_loop' });
      expect(responder.received).toHaveLength(2);
    });

    it("by default 10 questions in all, as Postfix's dns_lookup asks (count < 10): one alias per answer, 9 aliases deep works, 10 do not", async () => {
      const endsAt = (depth: number) =>
        chainResponder(1, (query, index) =>
          index === depth ? reply(query, { answers: [A(`c${depth}.chain.test`, '192.0.2.9')], ad: true }) : null,
        );
      const nine = await endsAt(9);
      const found = await new StubResolver({ servers: [nine.server], bounds: bounds() }).query('c0.chain.test', 'A');
      expect(found).toMatchObject({ status: 'NOERROR' });
      expect(nine.received).toHaveLength(10);
      const ten = await endsAt(10);
      const lost = await new StubResolver({ servers: [ten.server], bounds: bounds() }).query('c0.chain.test', 'A');
      expect(lost).toMatchObject({ status: 'SERVFAIL', error: 'cname_chain_too_long' });
      expect(ten.received).toHaveLength(10);
    });

    it('a chain without end: cnameFollowUps questions more, then SERVFAIL cname_chain_too_long', async () => {
      const responder = await chainResponder(4, () => null);
      const answer = await new StubResolver({ servers: [responder.server], bounds: bounds({ cnameFollowUps: 3 }) }).query(
        'c0.chain.test',
        'TXT',
      );
      expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'cname_chain_too_long', authenticated: false });
      expect(answer.records).toHaveLength(16);
      expect(responder.received).toHaveLength(4);
      const never = await new StubResolver({ servers: [responder.server], bounds: bounds({ cnameFollowUps: 0 }) }).query(
        'c0.chain.test',
        'TXT',
      );
      expect(never).toMatchObject({ status: 'SERVFAIL', error: 'cname_chain_too_long' });
      expect(responder.received).toHaveLength(5);
    });

    it('a question of type CNAME is not followed', async () => {
      const responder = await chainResponder(1, () => null);
      const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('c0.chain.test', 'CNAME');
      expect(answer.status).toBe('NOERROR');
      expect(responder.received).toHaveLength(1);
    });
  });

  it('asks the next server after SERVFAIL and returns its answer', async () => {
    const failing = await startResponder(HOST_A, (query) => [reply(query, { rcode: RCODE.SERVFAIL })]);
    const working = await startResponder(HOST_B, (query) => [reply(query, { answers: [A('x.example.test', '192.0.2.3')] })]);
    const answer = await new StubResolver({ servers: [failing.server, working.server], bounds: bounds() }).query(
      'x.example.test',
      'A',
    );
    expect(answer.status).toBe('NOERROR');
    expect(answer.server).toBe(`${HOST_B}:${working.server.port}`);
    // SERVFAIL is an answer: the failing server is not asked a second time.
    expect(failing.received).toHaveLength(1);
  });

  it('returns SERVFAIL when every server fails, preferring it over REFUSED', async () => {
    const refusing = await startResponder(HOST_A, (query) => [reply(query, { rcode: RCODE.REFUSED })]);
    const failing = await startResponder(HOST_B, (query) => [reply(query, { rcode: RCODE.SERVFAIL })]);
    const answer = await new StubResolver({ servers: [refusing.server, failing.server], bounds: bounds() }).query(
      'x.example.test',
      'A',
    );
    expect(answer.status).toBe('SERVFAIL');
    expect(answer.server).toBe(`${HOST_B}:${failing.server.port}`);
    expect(refusing.received).toHaveLength(1);
  });

  it('returns REFUSED after trying the other servers', async () => {
    const refusing = await startResponder(HOST_A, (query) => [reply(query, { rcode: RCODE.REFUSED })]);
    const silent = await startResponder(HOST_B, () => []);
    const answer = await new StubResolver({
      servers: [refusing.server, silent.server],
      bounds: bounds({ queryTimeoutMs: 60, attemptsPerServer: 1 }),
    }).query('x.example.test', 'A');
    expect(answer.status).toBe('REFUSED');
    expect(answer.server).toBe(`${HOST_A}:${refusing.server.port}`);
    expect(silent.received).toHaveLength(1);
  });

  it.each([
    ['FORMERR', RCODE.FORMERR],
    ['NOTIMP', RCODE.NOTIMP],
  ])('maps rcode %s to SERVFAIL with the rcode in error', async (name, rcode) => {
    const responder = await startResponder(HOST_A, (query) => [reply(query, { rcode })]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('x.example.test', 'A');
    expect(answer).toMatchObject({ status: 'SERVFAIL', error: `rcode_${name}` });
  });

  it('gives TIMEOUT within its bounds when the server stays silent, after attemptsPerServer tries', async () => {
    const silent = await startResponder(HOST_A, () => []);
    const resolver = new StubResolver({
      servers: [silent.server],
      bounds: bounds({ queryTimeoutMs: 100, attemptsPerServer: 3 }),
    });
    const started = performance.now();
    const answer = await resolver.query('slow.example.test', 'A');
    const elapsed = performance.now() - started;
    expect(answer).toMatchObject({ status: 'TIMEOUT', error: 'timeout', server: null, records: [] });
    expect(silent.received).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(290);
  });

  it('reports an unreachable server (ICMP port unreachable) as TIMEOUT with the reason, without waiting out the timeout', async () => {
    const closed = await closedPort(HOST_A);
    const resolver = new StubResolver({ servers: [closed], bounds: bounds({ queryTimeoutMs: 5000, attemptsPerServer: 2 }) });
    const started = performance.now();
    const answer = await resolver.query('x.example.test', 'A');
    expect(answer).toMatchObject({ status: 'TIMEOUT', error: 'connection_refused', server: null });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('moves on from an unreachable server to one that answers', async () => {
    const closed = await closedPort(HOST_A);
    const working = await startResponder(HOST_B, (query) => [reply(query, { answers: [A('x.example.test', '192.0.2.3')] })]);
    const answer = await new StubResolver({ servers: [closed, working.server], bounds: bounds() }).query('x.example.test', 'A');
    expect(answer.status).toBe('NOERROR');
    expect(answer.server).toBe(`${HOST_B}:${working.server.port}`);
  });

  it('ignores responses with a wrong id or a different question, and takes the matching one', async () => {
    const responder = await startResponder(HOST_A, (query) => [
      reply(query, { id: ((query.id ?? 0) + 1) % 0x10000, answers: [A('x.example.test', '198.51.100.66')] }),
      reply(query, { name: 'evil.example.test', answers: [A('evil.example.test', '198.51.100.67')] }),
      Buffer.from('garbage that is not a DNS message'),
      // Question echoed in another case: names compare case-insensitively (RFC 4343).
      reply(query, { name: 'X.EXAMPLE.TEST', answers: [A('x.example.test', '192.0.2.5')] }),
    ]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('x.example.test', 'A');
    expect(answer.status).toBe('NOERROR');
    expect(answer.records).toEqual([{ type: 'A', name: 'x.example.test', ttl: 300, address: '192.0.2.5' }]);
  });

  it('times out when only mismatched responses arrive', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query, { id: ((query.id ?? 0) + 1) % 0x10000 })]);
    const answer = await new StubResolver({
      servers: [responder.server],
      bounds: bounds({ queryTimeoutMs: 80, attemptsPerServer: 1 }),
    }).query('x.example.test', 'A');
    expect(answer).toMatchObject({ status: 'TIMEOUT', error: 'timeout' });
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const responder = await startResponder(HOST_A, (query, transport) =>
      transport === 'udp' ? [reply(query, { tc: true })] : [reply(query, { answers: [A('big.example.test', '192.0.2.10')] })],
    );
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('big.example.test', 'A');
    expect(answer).toMatchObject({ status: 'NOERROR', usedTcp: true });
    expect(answer.records).toHaveLength(1);
    expect(responder.received.map((entry) => entry.transport)).toEqual(['udp', 'tcp']);
    expect(responder.received[1]?.query.id).toBe(responder.received[0]?.query.id);
  });

  it('reads 1,000 MX records over TCP', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => MX('many.example.test', i, `mx${i}.many.example.test`));
    const responder = await startResponder(HOST_A, (query, transport) =>
      transport === 'udp' ? [reply(query, { tc: true })] : [reply(query, { answers: many })],
    );
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('many.example.test', 'MX');
    expect(answer.status).toBe('NOERROR');
    expect(answer.usedTcp).toBe(true);
    expect(answer.records).toHaveLength(1000);
    expect(answer.records[999]).toEqual({
      type: 'MX',
      name: 'many.example.test',
      ttl: 3600,
      priority: 999,
      exchange: 'mx999.many.example.test',
    });
  });

  it('refuses a TCP answer larger than maxTcpAnswerBytes', async () => {
    const many = Array.from({ length: 100 }, (_, i) => MX('many.example.test', i, `mx${i}.many.example.test`));
    const responder = await startResponder(HOST_A, (query, transport) =>
      transport === 'udp' ? [reply(query, { tc: true })] : [reply(query, { answers: many })],
    );
    const answer = await new StubResolver({
      servers: [responder.server],
      bounds: bounds({ maxTcpAnswerBytes: 512, attemptsPerServer: 1 }),
    }).query('many.example.test', 'MX');
    expect(answer).toMatchObject({ status: 'TIMEOUT', error: 'tcp_answer_too_large', records: [] });
  });

  it('decodes the null MX exchange "." as an empty string', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query, { answers: [MX('nomail.example.test', 0, '.')] })]);
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('nomail.example.test', 'MX');
    expect(answer.records).toEqual([{ type: 'MX', name: 'nomail.example.test', ttl: 3600, priority: 0, exchange: '' }]);
  });

  it('decodes AAAA, TXT and TLSA records', async () => {
    const certificate = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const responder = await startResponder(HOST_A, (query) => {
      const type = query.questions?.[0]?.type;
      if (type === 'AAAA')
        return [reply(query, { answers: [{ type: 'AAAA', name: 'v6.example.test', ttl: 30, data: '2001:db8::25' }] })];
      if (type === 'TXT')
        return [reply(query, { answers: [{ type: 'TXT', name: 'v6.example.test', ttl: 30, data: ['v=spf1 ', '-all'] }] })];
      return [
        reply(query, {
          answers: [
            {
              type: 'TLSA',
              name: '_25._tcp.v6.example.test',
              ttl: 30,
              data: { usage: 3, selector: 1, matchingType: 1, certificate },
            },
          ],
        }),
      ];
    });
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds() });
    expect((await resolver.query('v6.example.test', 'AAAA')).records).toEqual([
      { type: 'AAAA', name: 'v6.example.test', ttl: 30, address: '2001:db8::25' },
    ]);
    expect((await resolver.query('v6.example.test', 'TXT')).records).toEqual([
      { type: 'TXT', name: 'v6.example.test', ttl: 30, text: 'v=spf1 -all' },
    ]);
    const tlsa = await resolver.query('_25._tcp.v6.example.test', 'TLSA');
    expect(tlsa.status).toBe('NOERROR');
    expect(tlsa.records).toEqual([
      {
        type: 'TLSA',
        name: '_25._tcp.v6.example.test',
        ttl: 30,
        usage: 3,
        selector: 1,
        matchingType: 1,
        data: '00112233445566778899aabbccddeeff',
      },
    ]);
  });

  it('stops at once when the signal is aborted', async () => {
    const silent = await startResponder(HOST_A, () => []);
    const resolver = new StubResolver({ servers: [silent.server], bounds: bounds({ queryTimeoutMs: 5000 }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const answer = await resolver.query('x.example.test', 'A', controller.signal);
    expect(answer).toMatchObject({ status: 'TIMEOUT', error: 'aborted' });
    expect(performance.now() - started).toBeLessThan(1000);
    const already = await resolver.query('x.example.test', 'A', AbortSignal.abort());
    expect(already).toMatchObject({ status: 'TIMEOUT', error: 'aborted' });
    expect(silent.received).toHaveLength(1);
  });

  it('answers without sending for a name that cannot be encoded, and with no servers', async () => {
    const responder = await startResponder(HOST_A, (query) => [reply(query)]);
    const resolver = new StubResolver({ servers: [responder.server], bounds: bounds() });
    expect(await resolver.query(`${'a'.repeat(64)}.example.test`, 'A')).toMatchObject({ status: 'SERVFAIL', error: 'bad_name' });
    expect(await resolver.query('a..example.test', 'A')).toMatchObject({ status: 'SERVFAIL', error: 'bad_name' });
    expect(responder.received).toHaveLength(0);
    expect(await new StubResolver({ servers: [], bounds: bounds() }).query('x.example.test', 'A')).toMatchObject({
      status: 'TIMEOUT',
      error: 'no_servers',
    });
  });

  it.skipIf(!hasIpv6Loopback)('talks to a resolver on an IPv6 address, over UDP and TCP', async () => {
    const responder = await startResponder(HOST_V6, (query, transport) =>
      transport === 'udp' ? [reply(query, { tc: true })] : [reply(query, { answers: [A('v6.example.test', '192.0.2.66')] })],
    );
    const answer = await new StubResolver({ servers: [responder.server], bounds: bounds() }).query('v6.example.test', 'A');
    expect(answer).toMatchObject({ status: 'NOERROR', usedTcp: true, server: `[::1]:${responder.server.port}` });
    expect(answer.records).toHaveLength(1);
  });
});
