// The load generator's side of a connection: a bare node:net socket that does the
// opening handshake by hand (RFC 6455 §4.1) and nothing else, so that measuring a
// server costs the generator as little as possible.
import { connect, type Socket } from 'node:net';
import { computeAccept, generateKey } from '../src/protocol/websocket/index.js';

export interface RawConnection {
  socket: Socket;
  /** Bytes that arrived after the 101 response's head (frames already sent by the server). */
  rest: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Opens a WebSocket to ws://127.0.0.1:port/ and resolves once the server answered 101. */
export function openRawConnection(port: number, options: { localAddress?: string; timeout?: number } = {}): Promise<RawConnection> {
  const key = generateKey();
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress, noDelay: true });
    let received = Buffer.alloc(0);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error('WebSocket handshake timed out')), options.timeout ?? 10_000);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(HEAD_END);
      if (end === -1) {
        if (received.length > 4096) fail(new Error('Handshake response head too large'));
        return;
      }
      const head = received.subarray(0, end).toString('latin1');
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      if (!head.startsWith('HTTP/1.1 101') || accept !== computeAccept(key)) {
        fail(new Error(`Handshake refused: ${head.split('\r\n')[0]}`));
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.pause();
      resolve({ socket, rest: received.subarray(end + HEAD_END.length) });
    };
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('connect', () => {
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}
