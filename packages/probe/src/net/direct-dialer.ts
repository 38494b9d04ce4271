import * as net from 'node:net';
import type { Dialer, DialRequest, DialResult } from './dialer.js';

/** Makes the (not yet connected) socket; tests wrap it to count or watch bytes. */
export type SocketFactory = (options: { host: string; port: number }) => net.Socket;

const connectSocket: SocketFactory = ({ host, port }) => net.connect({ host, port, noDelay: true });

// A late error on a socket we gave up on (an RST after our timeout) must not be an uncaught 'error' event.
const swallow = (): void => {};

/** A plain TCP connection from this machine, waiting for the SYN-ACK at most `timeoutMs`. */
export class DirectDialer implements Dialer {
  readonly #connect: SocketFactory;

  constructor(connect: SocketFactory = connectSocket) {
    this.#connect = connect;
  }

  dial(request: DialRequest): Promise<DialResult> {
    if (request.signal?.aborted) return Promise.resolve({ status: 'aborted' });
    let socket: net.Socket;
    try {
      socket = this.#connect({ host: request.host, port: request.port });
    } catch (error) {
      return Promise.resolve({ status: 'failed', error });
    }
    socket.on('error', swallow);
    if (!socket.pending && !socket.connecting && !socket.destroyed) return Promise.resolve({ status: 'connected', socket });

    return new Promise((resolve) => {
      const finish = (result: DialResult): void => {
        clearTimeout(timer);
        socket.removeListener('connect', onConnect);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
        request.signal?.removeEventListener('abort', onAbort);
        if (result.status !== 'connected') socket.destroy();
        resolve(result);
      };
      const onConnect = (): void => finish({ status: 'connected', socket });
      const onError = (error: unknown): void => finish({ status: 'failed', error });
      const onClose = (): void =>
        finish({ status: 'failed', error: Object.assign(new Error('closed while connecting'), { code: 'ECONNRESET' }) });
      const onAbort = (): void => finish({ status: 'aborted' });
      const timer = setTimeout(() => finish({ status: 'timeout' }), Math.max(0, request.timeoutMs));
      socket.once('connect', onConnect);
      socket.once('error', onError);
      socket.once('close', onClose);
      request.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
