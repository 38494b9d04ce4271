import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { classifyDnsSocketError } from '../classify-error.js';
import { decodePacket, encodeQuery, matchesQuestion, type DnsQuestion } from './dns-query.js';
import type { ExchangeOutcome, ExchangeTarget } from './exchange-outcome.js';

export interface UdpExchangeOptions {
  timeoutMs: number;
  udpPayloadBytes: number;
  signal?: AbortSignal | undefined;
}

/**
 * One question over UDP on a socket of its own. A new socket per question gets a
 * new OS-chosen random source port (RFC 5452 9.2), and connecting it makes the
 * kernel drop datagrams from any other address and report ICMP unreachable back
 * to us as an error instead of leaving us to wait for the timeout.
 */
export function udpExchange(
  server: ExchangeTarget,
  question: DnsQuestion,
  options: UdpExchangeOptions,
): Promise<ExchangeOutcome> {
  const family = isIP(server.host);
  // The server list holds literals only; a name here would need DNS to reach DNS.
  if (family === 0) return Promise.resolve({ status: 'failed', reason: 'bad_server_address' });
  if (options.signal?.aborted) return Promise.resolve({ status: 'failed', reason: 'aborted' });
  const query = encodeQuery(question, options.udpPayloadBytes);

  return new Promise<ExchangeOutcome>((resolve) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (outcome: ExchangeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('message');
      // Late errors after close must not become unhandled 'error' events.
      socket.on('error', () => undefined);
      try {
        socket.close();
      } catch {
        // Already closed: nothing to release.
      }
      resolve(outcome);
    };
    const onAbort = (): void => finish({ status: 'failed', reason: 'aborted' });
    const timer = setTimeout(() => finish({ status: 'failed', reason: 'timeout' }), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('error', (error) => finish({ status: 'failed', reason: classifyDnsSocketError(error) }));
    socket.on('message', (message) => {
      const packet = decodePacket(message);
      // Undecodable or unmatched datagrams are ignored: the real answer may still come.
      if (packet !== null && matchesQuestion(packet, question)) finish({ status: 'response', packet });
    });
    socket.connect(server.port, server.host, () => {
      if (settled) return;
      socket.send(query, (error) => {
        if (error) finish({ status: 'failed', reason: classifyDnsSocketError(error) });
      });
    });
  });
}
