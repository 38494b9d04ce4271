import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';

export type Decoded = DecodedPacket & { rcode: string };

export interface AskOptions {
  /** EDNS payload size to advertise; none means no OPT record. */
  edns?: number;
  timeoutMs?: number;
  rd?: boolean;
}

function query(name: string, type: RecordType, opts: AskOptions): Packet {
  return {
    type: 'query',
    id: Math.floor(Math.random() * 65535),
    flags: opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals:
      opts.edns === undefined
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: opts.edns,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  };
}

/** One UDP question; resolves null on timeout. Also reports the raw size. */
export function askUdp(
  host: string,
  port: number,
  name: string,
  type: RecordType,
  opts: AskOptions = {},
): Promise<{ packet: Decoded; bytes: number } | null> {
  return sendUdpRaw(host, port, dnsPacket.encode(query(name, type, opts)), opts.timeoutMs ?? 1000).then((buf) =>
    buf === null ? null : { packet: dnsPacket.decode(buf) as Decoded, bytes: buf.length },
  );
}

export function sendUdpRaw(host: string, port: number, msg: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(null);
    }, timeoutMs);
    sock.on('message', (buf) => {
      clearTimeout(timer);
      sock.close();
      resolve(buf);
    });
    sock.send(msg, port, host);
  });
}

/** Several questions over one TCP connection (RFC 7766 pipelining); resolves with answers in arrival order, or null on timeout. */
export function askTcp(
  host: string,
  port: number,
  questions: Array<[string, RecordType]>,
  opts: AskOptions = {},
): Promise<Decoded[] | null> {
  return new Promise((resolve) => {
    const out: Decoded[] = [];
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(null);
    }, opts.timeoutMs ?? 2000);
    sock.on('connect', () => {
      sock.write(Buffer.concat(questions.map(([n, t]) => dnsPacket.streamEncode(query(n, t, opts)))));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        out.push(dnsPacket.decode(buf.subarray(2, 2 + len)) as Decoded);
        buf = buf.subarray(2 + len);
      }
      if (out.length === questions.length) {
        clearTimeout(timer);
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}
