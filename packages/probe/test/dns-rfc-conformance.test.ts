import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundValues, DNS_BOUNDS, ROUTE_BOUNDS, StubResolver, resolveMailRoute, type DnsServerAddress } from '@mxv/probe';
import { decodeResponse } from '../src/dns/decode-response.js';
import { canonicalDnsName, isEncodableDnsName, isHostName } from '../src/dns/dns-name.js';
import { encodeQuery, matchesQuestion, newQuestion } from '../src/dns/dns-query.js';

/**
 * The stub resolver against the RFCs and what real resolvers send, case by
 * case, with responses written byte by byte (dns-packet cannot write most of
 * them: a cut datagram, a label holding a dot, a record of class CH, a FORMERR
 * without a question) and served from loopback only.
 */

// This file's loopback address: other test files use other 127.x addresses.
const HOST = '127.53.7.1';

// ---------------------------------------------------------------- wire writing

const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, OPT: 41 } as const;
const CLASS_IN = 1;
const CLASS_CH = 3;
const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;

/** A name from its labels, uncompressed; a label may hold any octet (a "." included). */
function wireName(labels: readonly string[]): Buffer {
  return Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function record(owner: readonly string[], type: number, data: Buffer, options: { ttl?: number; rclass?: number } = {}): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(options.rclass ?? CLASS_IN, 2);
  fixed.writeUInt32BE(options.ttl ?? 300, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([wireName(owner), fixed, data]);
}

const aData = (address: string): Buffer => Buffer.from(address.split('.').map(Number));
const mxData = (preference: number, exchange: readonly string[]): Buffer => Buffer.concat([u16(preference), wireName(exchange)]);

/** An OPT record (RFC 6891 6.1.2): root owner, class = payload size, no options. */
function opt(): Buffer {
  return Buffer.concat([Buffer.from([0]), u16(TYPE.OPT), u16(1232), Buffer.alloc(4), u16(0)]);
}

interface Message {
  id: number;
  flags: number;
  question?: { labels: readonly string[]; type: number } | null;
  answers?: Buffer[];
  authorities?: Buffer[];
  additionals?: Buffer[];
  /** Counts written in the header when they are to lie about what follows. */
  counts?: { an?: number; ar?: number };
}

function message(m: Message): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(m.id, 0);
  header.writeUInt16BE(m.flags, 2);
  header.writeUInt16BE(m.question ? 1 : 0, 4);
  header.writeUInt16BE(m.counts?.an ?? m.answers?.length ?? 0, 6);
  header.writeUInt16BE(m.authorities?.length ?? 0, 8);
  header.writeUInt16BE(m.counts?.ar ?? m.additionals?.length ?? 0, 10);
  const question = m.question
    ? Buffer.concat([wireName(m.question.labels), u16(m.question.type), u16(CLASS_IN)])
    : Buffer.alloc(0);
  return Buffer.concat([header, question, ...(m.answers ?? []), ...(m.authorities ?? []), ...(m.additionals ?? [])]);
}

// ---------------------------------------------------------------- query reading

interface Query {
  id: number;
  labels: string[];
  name: string;
  type: number;
  /** An OPT record came with it (ARCOUNT 1 and an OPT after the question). */
  edns: boolean;
  transport: 'udp' | 'tcp';
}

function parseQuery(bytes: Buffer, transport: 'udp' | 'tcp'): Query {
  let offset = 12;
  const labels: string[] = [];
  while (bytes[offset] !== 0) {
    const length = bytes[offset] ?? 0;
    labels.push(bytes.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  offset += 1;
  const type = bytes.readUInt16BE(offset);
  offset += 4;
  const edns = bytes.readUInt16BE(10) === 1 && bytes.length >= offset + 11 && bytes.readUInt16BE(offset + 1) === TYPE.OPT;
  return { id: bytes.readUInt16BE(0), labels, name: labels.join('.'), type, edns, transport };
}

/** The question of a query echoed back, as a resolver does. */
const echo = (query: Query): Message['question'] => ({ labels: query.labels, type: query.type });

// ---------------------------------------------------------------- a raw responder

type Handler = (query: Query) => Buffer[];

interface Responder {
  server: DnsServerAddress;
  received: Query[];
  close(): Promise<void>;
}

const opened: Responder[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((responder) => responder.close()));
});

function bindUdp(): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, HOST, () => resolve(socket));
  });
}

function listenTcp(port: number, onSocket: (socket: Socket) => void): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer(onSocket);
    server.once('error', () => resolve(null));
    server.listen(port, HOST, () => resolve(server));
  });
}

/** UDP and TCP on one loopback port; each query gets the handler's messages, as they are (TCP: length-prefixed). */
async function startResponder(handler: Handler): Promise<Responder> {
  const received: Query[] = [];
  for (let tries = 0; tries < 20; tries++) {
    const udp = await bindUdp();
    const port = udp.address().port;
    const sockets = new Set<Socket>();
    const tcp = await listenTcp(port, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
        const query = parseQuery(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), 'tcp');
        received.push(query);
        for (const reply of handler(query)) socket.write(Buffer.concat([u16(reply.length), reply]));
      });
    });
    if (tcp === null) {
      udp.close();
      continue;
    }
    udp.on('message', (bytes, rinfo) => {
      const query = parseQuery(bytes, 'udp');
      received.push(query);
      for (const reply of handler(query)) udp.send(reply, rinfo.port, rinfo.address);
    });
    const responder: Responder = {
      server: { host: HOST, port },
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

function resolverFor(server: DnsServerAddress): StubResolver {
  return new StubResolver({
    servers: [server],
    bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 300, attemptsPerServer: 2, questionsPerUdpSocket: 1 }),
  });
}

const RESPONSE = FLAG_QR | FLAG_RD | FLAG_RA;
const MX_LABELS = ['example', 'test'];

/** The normal answer: example.test MX 10 mx.example.test, with an OPT record when the query had one. */
function mxAnswer(query: Query, flags = RESPONSE): Buffer {
  return message({
    id: query.id,
    flags,
    question: echo(query),
    answers: [record(MX_LABELS, TYPE.MX, mxData(10, ['mx', 'example', 'test']))],
    additionals: query.edns ? [opt()] : [],
  });
}

// ---------------------------------------------------------------- the cases

describe('RFC 2181 9, RFC 7766 5: a truncated UDP answer that ends mid-record', () => {
  /** What servers send when the answer does not fit: TC, the counts of the whole answer, the bytes cut at the limit. */
  function cutAnswer(query: Query): Buffer {
    const whole = message({
      id: query.id,
      flags: RESPONSE | FLAG_TC,
      question: echo(query),
      answers: Array.from({ length: 40 }, (_, i) => record(MX_LABELS, TYPE.MX, mxData(i, [`mx${i}`, 'example', 'test']))),
    });
    return whole.subarray(0, 512);
  }

  it('is still a truncated response to the decoder for UDP, with its question and no records', () => {
    const query = { id: 7, labels: MX_LABELS, name: 'example.test', type: TYPE.MX, edns: false, transport: 'udp' as const };
    const decoded = decodeResponse(cutAnswer(query), true);
    expect(decoded).toMatchObject({ id: 7, truncated: true, records: [], questions: [{ name: 'example.test', type: TYPE.MX }] });
    // Not on TCP (where a cut message is a broken one), nor without TC.
    expect(decodeResponse(cutAnswer(query))).toBeNull();
    const noTc = Buffer.from(cutAnswer(query));
    noTc.writeUInt16BE(RESPONSE, 2);
    expect(decodeResponse(noTc, true)).toBeNull();
  });

  it('is asked again over TCP (not dropped and waited out)', async () => {
    const responder = await startResponder((query) => [query.transport === 'udp' ? cutAnswer(query) : mxAnswer(query)]);
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'NOERROR', usedTcp: true });
    expect(answer.records).toEqual([{ type: 'MX', name: 'example.test', ttl: 300, priority: 10, exchange: 'mx.example.test' }]);
    expect(responder.received.map((query) => query.transport)).toEqual(['udp', 'tcp']);
  });
});

describe('RFC 6891 7: a server that does not implement EDNS', () => {
  /** FORMERR (or NOTIMP) without OPT to a query with an OPT record; a plain query is answered normally. */
  function noEdns(rcode: number, withQuestion: boolean): Handler {
    return (query) => [
      query.edns
        ? message({ id: query.id, flags: RESPONSE | rcode, question: withQuestion ? echo(query) : null })
        : mxAnswer(query),
    ];
  }

  it('FORMERR echoing the question: asked again without OPT, and that answer counts', async () => {
    const responder = await startResponder(noEdns(1, true));
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'NOERROR', error: null });
    expect(responder.received.map((query) => query.edns)).toEqual([true, false]);
  });

  it('FORMERR with an empty question section (the server could not parse the query): the same', async () => {
    const responder = await startResponder(noEdns(1, false));
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'NOERROR', error: null });
    expect(responder.received.map((query) => query.edns)).toEqual([true, false]);
  });

  it('a server found to refuse EDNS is asked without it from then on (one round trip a question), for ednsRefusalMemoryMs', async () => {
    const responder = await startResponder(noEdns(1, true));
    const resolver = resolverFor(responder.server);
    for (const name of ['example.test', 'example.test', 'example.test']) {
      expect(await resolver.query(name, 'MX')).toMatchObject({ status: 'NOERROR', error: null });
    }
    expect(responder.received.map((query) => query.edns)).toEqual([true, false, false, false]);
    // 0 remembers nothing: every question tries EDNS first.
    const forgetful = await startResponder(noEdns(1, true));
    const noMemory = new StubResolver({
      servers: [forgetful.server],
      bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 300, questionsPerUdpSocket: 1, ednsRefusalMemoryMs: 0 }),
    });
    await noMemory.query('example.test', 'MX');
    await noMemory.query('example.test', 'MX');
    expect(forgetful.received.map((query) => query.edns)).toEqual([true, false, true, false]);
  });

  it('a server that fails the plain question too is not taken for one that refuses EDNS: OPT again next time', async () => {
    const responder = await startResponder((query) => [message({ id: query.id, flags: RESPONSE | 1, question: echo(query) })]);
    const resolver = resolverFor(responder.server);
    await resolver.query('example.test', 'MX');
    await resolver.query('example.test', 'MX');
    expect(responder.received.map((query) => query.edns).slice(0, 2)).toEqual([true, false]);
    expect(responder.received.map((query) => query.edns)[2]).toBe(true);
  });

  it('NOTIMP without OPT: the same', async () => {
    const responder = await startResponder(noEdns(4, true));
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'NOERROR', error: null });
  });

  it('the plain query sent then has no OPT record, and keeps RD and AD', () => {
    const question = { ...newQuestion('example.test', 'MX'), withoutEdns: true };
    const bytes = encodeQuery(question, 1232);
    expect(bytes.readUInt16BE(10)).toBe(0);
    expect(bytes.length).toBe(12 + wireName(MX_LABELS).length + 4);
    expect(bytes.readUInt16BE(2)).toBe(0x0120);
  });

  it('a FORMERR from a server that does speak EDNS (OPT in it) is its answer: no retry without EDNS', async () => {
    const responder = await startResponder((query) => [
      message({ id: query.id, flags: RESPONSE | 1, question: echo(query), additionals: [opt()] }),
    ]);
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'rcode_FORMERR' });
    expect(responder.received.every((query) => query.edns)).toBe(true);
  });

  it('a server that fails the plain query too: its failure, one retry only', async () => {
    const responder = await startResponder((query) => [message({ id: query.id, flags: RESPONSE | 1, question: echo(query) })]);
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'rcode_FORMERR' });
    expect(responder.received.map((query) => query.edns)).toEqual([true, false]);
  });

  it('an empty question section is accepted for FORMERR/NOTIMP only, never for an answer', () => {
    const question = newQuestion('example.test', 'MX');
    const noQuestion = (flags: number): Buffer => message({ id: question.id, flags, answers: [] });
    const formerr = decodeResponse(noQuestion(RESPONSE | 1));
    const noerror = decodeResponse(noQuestion(RESPONSE));
    const servfail = decodeResponse(noQuestion(RESPONSE | 2));
    expect(formerr && matchesQuestion(formerr, question)).toBe(true);
    expect(noerror && matchesQuestion(noerror, question)).toBe(false);
    expect(servfail && matchesQuestion(servfail, question)).toBe(false);
  });
});

describe('RFC 1035 3.2.4: records of a class other than IN', () => {
  it('answer no IN question (an A of class CH is no address)', async () => {
    const responder = await startResponder((query) => [
      message({
        id: query.id,
        flags: RESPONSE,
        question: echo(query),
        answers: [record(['mx', 'example', 'test'], TYPE.A, aData('192.0.2.1'), { rclass: CLASS_CH })],
      }),
    ]);
    const answer = await resolverFor(responder.server).query('mx.example.test', 'A');
    expect(answer.status).toBe('NODATA');
    expect(answer.records).toEqual([{ type: 'OTHER', name: 'mx.example.test', ttl: 300, rrtype: 'A' }]);
  });
});

describe('RFC 1035 5.1, RFC 2181 11: a label that holds a "." or a backslash', () => {
  /** example.test MX 10 "mx.evil" + example.test: three labels on the wire, the first one holding a dot. */
  const dotted = ['mx.evil', 'example', 'test'];

  it('is read escaped, so it is not another (four-label) name', () => {
    const bytes = message({
      id: 1,
      flags: RESPONSE,
      question: { labels: MX_LABELS, type: TYPE.MX },
      answers: [record(MX_LABELS, TYPE.MX, mxData(10, dotted))],
    });
    const decoded = decodeResponse(bytes);
    expect(decoded?.records).toEqual([
      { type: 'MX', name: 'example.test', ttl: 300, priority: 10, exchange: 'mx\\.evil.example.test' },
    ]);
    const backslash = decodeResponse(
      message({ id: 1, flags: RESPONSE, question: { labels: ['a\\b', 'test'], type: TYPE.A }, answers: [] }),
    );
    expect(backslash?.questions[0]?.name).toBe('a\\\\b.test');
  });

  it('an echoed question with such a label does not match the question it reads like (RFC 5452 9.1)', () => {
    const question = newQuestion('mx.evil.example.test', 'A');
    const spoof = decodeResponse(message({ id: question.id, flags: RESPONSE, question: { labels: dotted, type: TYPE.A } }));
    expect(spoof).not.toBeNull();
    expect(spoof && matchesQuestion(spoof, question)).toBe(false);
  });

  it('is never asked for (it is no host name, and split on dots it would be another one)', async () => {
    const responder = await startResponder((query) => [mxAnswer(query)]);
    const answer = await resolverFor(responder.server).query('mx\\.evil.example.test', 'A');
    expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'bad_name' });
    expect(responder.received).toEqual([]);
    expect(isEncodableDnsName('mx\\.evil.example.test')).toBe(false);
  });

  it('keeps an escaped final dot, which is part of a label, not the root', () => {
    expect(canonicalDnsName('A\\.')).toBe('a\\.');
    expect(canonicalDnsName('a\\\\.')).toBe('a\\\\');
    expect(canonicalDnsName('Example.TEST.')).toBe('example.test');
  });

  it('through the mail route: the exchange is listed as published, the other name never looked up', async () => {
    const responder = await startResponder((query) =>
      query.type === TYPE.MX
        ? [
            message({
              id: query.id,
              flags: RESPONSE,
              question: echo(query),
              answers: [record(MX_LABELS, TYPE.MX, mxData(10, dotted))],
              additionals: [opt()],
            }),
          ]
        : [
            message({
              id: query.id,
              flags: RESPONSE,
              question: echo(query),
              answers: [record(query.labels, TYPE.A, aData('192.0.2.66'))],
              additionals: [opt()],
            }),
          ],
    );
    const route = await resolveMailRoute('example.test', resolverFor(responder.server), boundValues(ROUTE_BOUNDS, {}));
    expect(route.mx.source).toBe('mx');
    expect(route.mx.records[0]).toMatchObject({ exchange: 'mx\\.evil.example.test', addresses: [] });
    expect(route.mx.records[0]?.problems).toContain('no_address');
    expect(route.targets).toEqual([]);
    expect(responder.received.map((query) => query.name)).toEqual(['example.test']);
  });
});

describe('RFC 1035 5.1: octets outside printable ASCII in a name', () => {
  const ESC_LABEL = 'mx\x1b[31mred\x1b[0m';
  const UTF8_LABEL = Buffer.from('mxüd', 'utf8').toString('latin1');

  it('are read as \\DDD, as dig writes them: no terminal escape, space or raw UTF-8 survives decoding', () => {
    const decoded = decodeResponse(
      message({
        id: 1,
        flags: RESPONSE,
        question: { labels: MX_LABELS, type: TYPE.MX },
        answers: [
          record(MX_LABELS, TYPE.MX, mxData(10, [ESC_LABEL, 'example', 'test'])),
          record(MX_LABELS, TYPE.MX, mxData(20, ['mx a', 'example', 'test'])),
          record(MX_LABELS, TYPE.MX, mxData(30, [UTF8_LABEL, 'example', 'test'])),
          record(MX_LABELS, TYPE.MX, mxData(40, ['mx\x80c\x7f\x00', 'example', 'test'])),
        ],
      }),
    );
    expect(decoded?.records.map((r) => (r.type === 'MX' ? r.exchange : null))).toEqual([
      'mx\\027[31mred\\027[0m.example.test',
      'mx\\032a.example.test',
      'mx\\195\\188d.example.test',
      'mx\\128c\\127\\000.example.test',
    ]);
  });

  it('make no host name (Postfix: "malformed domain name"); letters, digits, "-" inside and "_" do', () => {
    for (const name of [
      'mx\\027[31mred.example.test',
      'mx\\032a.example.test',
      'mx\\.b.example.test',
      '*.example.test',
      '-mx.example.test',
      'mx-.example.test',
      'mx..example.test',
      'mx@x.example.test',
      '',
      `${'a'.repeat(64)}.test`,
    ]) {
      expect(isHostName(name), name).toBe(false);
    }
    for (const name of [
      'mx.example.test',
      'mx-1.example.test',
      '_mx.example.test',
      'xn--bcher-kva.example',
      '1.example.test',
      `${'a'.repeat(63)}.test`,
      'localhost',
    ]) {
      expect(isHostName(name), name).toBe(true);
    }
  });

  it('through the mail route: such an exchange is listed, marked malformed_name, never asked; the others are used', async () => {
    const responder = await startResponder((query) =>
      query.type === TYPE.MX
        ? [
            message({
              id: query.id,
              flags: RESPONSE,
              question: echo(query),
              answers: [
                record(MX_LABELS, TYPE.MX, mxData(10, [ESC_LABEL, 'example', 'test'])),
                record(MX_LABELS, TYPE.MX, mxData(20, ['mx2', 'example', 'test'])),
              ],
              additionals: [opt()],
            }),
          ]
        : [
            message({
              id: query.id,
              flags: RESPONSE,
              question: echo(query),
              answers: query.type === TYPE.A ? [record(query.labels, TYPE.A, aData('192.0.2.66'))] : [],
              additionals: [opt()],
            }),
          ],
    );
    const route = await resolveMailRoute('example.test', resolverFor(responder.server), boundValues(ROUTE_BOUNDS, {}));
    expect(route.mx.records[0]).toMatchObject({
      exchange: 'mx\\027[31mred\\027[0m.example.test',
      addresses: [],
      problems: ['malformed_name', 'no_address'],
    });
    expect(route.mx.records[1]).toMatchObject({ exchange: 'mx2.example.test', addresses: ['192.0.2.66'], problems: [] });
    expect(route.targets.map((target) => target.exchange)).toEqual(['mx2.example.test']);
    expect(responder.received.map((query) => query.name).sort()).toEqual([
      'example.test',
      'mx2.example.test',
      'mx2.example.test',
    ]);
  });
});

describe('RFC 1034 4.3.1, RFC 2308 2.2: a referral from a server that does not recurse', () => {
  /** What NSD answers for a name under a zone it delegates: NOERROR, no answer, the child's NS, no SOA, AA and RA clear. */
  const referral = (query: Query): Buffer =>
    message({
      id: query.id,
      flags: FLAG_QR | FLAG_RD,
      question: echo(query),
      authorities: [record(['example', 'test'], TYPE.NS, wireName(['ns', 'elsewhere', 'example']))],
    });

  it('is no answer: SERVFAIL referral, not NODATA (which would make an MX-less domain of every domain)', async () => {
    const responder = await startResponder((query) => [referral(query)]);
    const answer = await resolverFor(responder.server).query('example.test', 'MX');
    expect(answer).toMatchObject({ status: 'SERVFAIL', error: 'referral', recursionAvailable: false });
    const route = await resolveMailRoute('example.test', resolverFor(responder.server), boundValues(ROUTE_BOUNDS, {}));
    expect(route.mx).toMatchObject({ source: 'none', dns: 'SERVFAIL' });
    expect(route.error).toBe('mx_servfail:referral');
  });

  it('the next server is asked, as after a SERVFAIL; a real NODATA (with its SOA) and an answer with RA are not referrals', async () => {
    const auth = await startResponder((query) => [referral(query)]);
    const recursive = await startResponder((query) => [mxAnswer(query)]);
    const both = new StubResolver({
      servers: [auth.server, recursive.server],
      bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 300, attemptsPerServer: 1, questionsPerUdpSocket: 1 }),
    });
    expect(await both.query('example.test', 'MX')).toMatchObject({ status: 'NOERROR' });
    const nodata = await startResponder((query) => [
      message({
        id: query.id,
        flags: FLAG_QR | FLAG_RD,
        question: echo(query),
        authorities: [
          record(['example', 'test'], TYPE.NS, wireName(['ns', 'example', 'test'])),
          record(
            ['example', 'test'],
            TYPE.SOA,
            Buffer.concat([wireName(['ns', 'example', 'test']), wireName(['h', 'example', 'test']), Buffer.alloc(20)]),
          ),
        ],
      }),
    ]);
    expect((await resolverFor(nodata.server).query('example.test', 'MX')).status).toBe('NODATA');
    const withRa = await startResponder((query) => [
      message({
        id: query.id,
        flags: RESPONSE,
        question: echo(query),
        authorities: [record(['example', 'test'], TYPE.NS, wireName(['ns', 'example', 'test']))],
      }),
    ]);
    expect((await resolverFor(withRa.server).query('example.test', 'MX')).status).toBe('NODATA');
  });
});
