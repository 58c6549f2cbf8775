// The load generator's side of a connection: a bare node:net socket that does the
// opening handshake by hand (RFC 6455 §4.1) and nothing else, so that measuring a
// server costs the generator as little as possible. Reads go through `onread` into
// one buffer shared by every connection (no stream machinery, no allocation per read).
import { connect, type Socket } from 'node:net';
import { computeAccept, generateKey } from '../src/protocol/websocket/index.js';

export interface RawConnection {
  readonly socket: Socket;
  /**
   * Called with every read after the handshake. The bytes are a view of a shared
   * buffer, valid only during the call. By default they are counted as unexpected.
   */
  onData: (chunk: Uint8Array) => void;
  /** Bytes that arrived while no handler of the caller's was set. */
  unexpectedBytes: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** Opens a WebSocket to ws://127.0.0.1:port/ (or `path`) and resolves once the server answered 101. */
export function openRawConnection(
  port: number,
  options: { localAddress?: string; timeout?: number; path?: string; protocol?: string; extensions?: string } = {},
): Promise<RawConnection> {
  const key = generateKey();
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    const connection: RawConnection = {
      socket: undefined as unknown as Socket,
      onData(chunk) {
        this.unexpectedBytes += chunk.length;
      },
      unexpectedBytes: 0,
    };
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onHandshakeBytes = (chunk: Uint8Array): void => {
      head = Buffer.concat([head!, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end === -1) {
        if (head.length > 4096) fail(new Error('Handshake response head too large'));
        return;
      }
      const text = head.subarray(0, end).toString('latin1');
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(text)?.[1];
      if (!text.startsWith('HTTP/1.1 101') || accept !== computeAccept(key)) {
        fail(new Error(`Handshake refused: ${text.split('\r\n')[0]}`));
        return;
      }
      const rest = head.subarray(end + HEAD_END.length);
      head = undefined;
      clearTimeout(timer);
      socket.off('error', fail);
      if (rest.length > 0) connection.onData(rest);
      resolve(connection);
    };
    const socket = connect({
      port,
      host: '127.0.0.1',
      localAddress: options.localAddress,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (length, buffer) => {
          const chunk = buffer.subarray(0, length);
          if (head !== undefined) onHandshakeBytes(chunk);
          else connection.onData(chunk);
          return true;
        },
      },
    });
    (connection as { socket: Socket }).socket = socket;
    const timer = setTimeout(() => fail(new Error('WebSocket handshake timed out')), options.timeout ?? 10_000);
    socket.on('error', fail);
    socket.on('connect', () => {
      socket.write(
        `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          (options.protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${options.protocol}\r\n`) +
          (options.extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${options.extensions}\r\n`) +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}
