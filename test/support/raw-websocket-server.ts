import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { computeAccept } from '../../src/protocol/websocket/index.js';
import { RawWebSocketPeer, readHead } from './raw-websocket-client.js';

export interface RawAnswer {
  /** Extra lines for the 101 response, such as `Sec-WebSocket-Protocol: chat`. */
  headers?: string[];
  /** Bytes written in the same write as the 101 response, right after it. */
  frames?: Buffer;
  /** RSV bits the client's frames may carry (4 once permessage-deflate is agreed). */
  allowedRsv?: number;
}

/**
 * A WebSocket server made of `node:net`: it answers each opening handshake by
 * hand (RFC 6455 §4.2.2) and hands the test a raw peer in the server role, to
 * send exact frames to the client under test and read back the client's
 * frames byte for byte (they must be masked, §5.3, or parsing them fails).
 */
export class RawWebSocketServer {
  private readonly peers: RawWebSocketPeer[] = [];
  private waiting: ((peer: RawWebSocketPeer) => void)[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly answer: (head: string) => RawAnswer,
  ) {
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /** Listens on 127.0.0.1 with an ephemeral port; `answer` may add headers or early frames per request head. */
  static async listen(answer: (head: string) => RawAnswer = () => ({})): Promise<RawWebSocketServer> {
    const server = createServer();
    const raw = new RawWebSocketServer(server, answer);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return raw;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** The next connection whose handshake was answered, in order of arrival. */
  nextPeer(): Promise<RawWebSocketPeer> {
    const peer = this.peers.shift();
    if (peer) return Promise.resolve(peer);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stops listening and destroys every connection left. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onConnection(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    let head: string;
    let rest: Buffer;
    try {
      ({ head, rest } = await readHead(socket));
    } catch {
      return;
    }
    const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
    const answer = this.answer(head);
    const response =
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${computeAccept(key)}\r\n${(answer.headers ?? []).map((line) => `${line}\r\n`).join('')}\r\n`;
    socket.write(Buffer.concat([Buffer.from(response, 'latin1'), answer.frames ?? Buffer.alloc(0)]));
    const peer = new RawWebSocketPeer(socket, 'server', answer.allowedRsv, head);
    peer.start(rest);
    const waiter = this.waiting.shift();
    if (waiter) waiter(peer);
    else this.peers.push(peer);
  }
}
