import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { ErrorCode } from '../errors/error-codes.js';
import { apiErrorBody } from './send-api-error.js';

type ClientError = Error & { code?: string; rawPacket?: unknown };

/**
 * Fastify's `clientErrorHandler` option: requests Node's HTTP parser refused
 * before Fastify saw them (headers past maxHeaderSize, a URL too long to fit in
 * them, an unknown method, bytes that are not HTTP, a request that took too
 * long). Fastify's default answers in its own shape; this one in ours, written
 * on the socket as Node itself would, then the connection is closed (the
 * parser cannot resume after an error).
 */
export function answerClientError(log: FastifyBaseLogger, error: ClientError, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError = new ApiError(clientErrorCode(error));
  log.debug({ code: apiError.code, parser: error.code }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(apiErrorBody(apiError));
    const status = apiError.statusCode;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function clientErrorCode(error: ClientError): ErrorCode {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(error.rawPacket) ? 'uri_too_long' : 'headers_too_large';
    case 'HPE_INVALID_METHOD':
      return 'method_not_implemented';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout';
    default:
      return 'bad_http';
  }
}

/**
 * Node reports one overflow for the request line and the headers together; the
 * request line alone filling maxHeaderSize is a URL too long (414), anything
 * else headers too large (431). `rawPacket` is the chunk being parsed: only
 * when it starts a request can its first line be judged.
 */
function requestLineTooLong(packet: unknown): boolean {
  if (!Buffer.isBuffer(packet) || !REQUEST_START.test(packet.toString('latin1', 0, 16))) return false;
  const lineEnd = packet.indexOf(0x0a);
  return (lineEnd < 0 ? packet.length : lineEnd) >= maxHeaderSize;
}

const REQUEST_START = /^[A-Z]{1,12} \S/;
