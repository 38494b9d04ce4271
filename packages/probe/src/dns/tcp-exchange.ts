import { createConnection, isIP } from 'node:net';
import { classifyDnsSocketError } from '../classify-error.js';
import { decodeResponse } from './decode-response.js';
import { encodeQuery, matchesQuestion, type DnsQuestion } from './dns-query.js';
import type { ExchangeOutcome, ExchangeTarget } from './exchange-outcome.js';

export interface TcpExchangeOptions {
  timeoutMs: number;
  udpPayloadBytes: number;
  /** Largest message accepted; the 2-byte length prefix is read first and checked against it. */
  maxAnswerBytes: number;
  signal?: AbortSignal | undefined;
}

/**
 * One question over TCP, after a truncated UDP answer (RFC 1035 4.2.2 framing:
 * each message is preceded by its length as two octets; RFC 7766 5: a stub
 * retries over TCP when TC is set). One connection per question, closed after
 * the answer: we never pipeline.
 */
export function tcpExchange(
  server: ExchangeTarget,
  question: DnsQuestion,
  options: TcpExchangeOptions,
): Promise<ExchangeOutcome> {
  if (isIP(server.host) === 0) return Promise.resolve({ status: 'failed', reason: 'bad_server_address' });
  if (options.signal?.aborted) return Promise.resolve({ status: 'failed', reason: 'aborted' });
  const query = encodeQuery(question, options.udpPayloadBytes);
  const framed = Buffer.alloc(2 + query.length);
  framed.writeUInt16BE(query.length, 0);
  query.copy(framed, 2);

  return new Promise<ExchangeOutcome>((resolve) => {
    const socket = createConnection({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    let expected: number | null = null;
    let settled = false;
    const finish = (outcome: ExchangeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ status: 'failed', reason: 'aborted' });
    const timer = setTimeout(() => finish({ status: 'failed', reason: 'timeout' }), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('connect', () => socket.write(framed));
    socket.on('error', (error) => finish({ status: 'failed', reason: classifyDnsSocketError(error) }));
    socket.on('close', () => finish({ status: 'failed', reason: 'tcp_closed' }));
    socket.on('data', (chunk: Buffer) => {
      // Bounded: at most 2 + maxAnswerBytes plus one chunk is ever held.
      buffered = Buffer.concat([buffered, chunk]);
      if (expected === null && buffered.length >= 2) {
        expected = buffered.readUInt16BE(0);
        if (expected > options.maxAnswerBytes) return finish({ status: 'failed', reason: 'tcp_answer_too_large' });
      }
      if (expected === null || buffered.length < 2 + expected) return;
      const packet = decodeResponse(buffered.subarray(2, 2 + expected));
      if (packet === null) return finish({ status: 'failed', reason: 'tcp_malformed' });
      // Only one question was sent on this connection, so any other message is wrong.
      if (!matchesQuestion(packet, question)) return finish({ status: 'failed', reason: 'tcp_mismatch' });
      finish({ status: 'response', packet });
    });
  });
}
