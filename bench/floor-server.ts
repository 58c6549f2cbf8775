// The floor for the echo and memory benchmarks: no WebSocket library at all, only what
// any WebSocket server on node:http must do. It answers the upgrade with a 101, keeps
// the socket in a Set with one 'data' listener, and answers everything one read brought
// with one write, turning each client frame into a server frame by rewriting its header
// (the mask bit and key dropped; the payload is passed on still masked, since the load
// generator counts frames by their headers only). No validation, no unmasking, no UTF-8
// check, no close handshake: a server that does less per message or per connection is
// not a WebSocket server, so a library can approach these numbers but not pass them.
import { type Server, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { computeAccept } from '../src/protocol/websocket/index.js';
import { MessageEchoer } from './message-floor.js';

export interface FloorServer {
  readonly server: Server;
  readonly sockets: Set<Socket>;
}

/** The open sockets (one floor server per process). */
const sockets = new Set<Socket>();

/**
 * `frames`: client frames re-headed and sent back as they pass (HeaderRewriter below);
 * `messages`: each message unmasked and echoed whole (message-floor.ts).
 */
export type FloorMode = 'frames' | 'messages';

export function startFloorServer(onListening: (port: number) => void, mode: FloorMode = 'frames'): FloorServer {
  const server = createServer((_request, response) => response.writeHead(426).end());
  server.on('upgrade', (request, socket: Socket) => {
    const key = String(request.headers['sec-websocket-key'] ?? '');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
    socket.setNoDelay(true);
    // Node ends our side when the peer ends its own: no 'end' listener needed.
    socket.allowHalfOpen = false;
    sockets.add(socket);
    // Listeners shared by every socket, so no closure per connection.
    socket.on('data', mode === 'frames' ? onData : onMessageData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') onListening(address.port);
  });
  return { server, sockets };
}

const kRewriter = Symbol('floor.rewriter');
type FloorSocket = Socket & { [kRewriter]?: HeaderRewriter };

function onData(this: FloorSocket, chunk: Buffer): void {
  this.write((this[kRewriter] ??= new HeaderRewriter()).rewrite(chunk));
}

const kEchoer = Symbol('floor.echoer');
type MessageFloorSocket = Socket & { [kEchoer]?: MessageEchoer };

function onMessageData(this: MessageFloorSocket, chunk: Buffer): void {
  (this[kEchoer] ??= new MessageEchoer()).answer(chunk, this);
}

function onClose(this: Socket): void {
  sockets.delete(this);
}

function onError(this: Socket): void {
  this.destroy();
}

/** Client frames in, server frames out: the same opcode, FIN bit and length, unmasked header. */
class HeaderRewriter {
  /** Payload bytes of the current frame still to pass on. */
  private remaining = 0;
  /** The start of a header split across reads. */
  private partial: Buffer | undefined;

  rewrite(input: Buffer): Buffer {
    // Payload only (the middle of a large frame): passed on as it is.
    if (!this.partial && this.remaining >= input.length) {
      this.remaining -= input.length;
      return input;
    }
    const chunk = this.partial ? Buffer.concat([this.partial, input]) : input;
    this.partial = undefined;
    // A server frame is 4 bytes shorter than the client frame it answers (no key): it fits.
    const out = Buffer.allocUnsafe(chunk.length);
    let written = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        written += chunk.copy(out, written, at, at + take);
        this.remaining -= take;
        at += take;
        continue;
      }
      const size = clientHeaderSize(chunk, at);
      if (size === 0 || chunk.length - at < size) {
        this.partial = Buffer.from(chunk.subarray(at));
        break;
      }
      const code = chunk[at + 1] & 0x7f;
      out[written] = chunk[at];
      out[written + 1] = code;
      // The extended length, if any, is copied as it is; the key after it is dropped.
      written += 2 + chunk.copy(out, written + 2, at + 2, at + size - 4);
      this.remaining = code === 126 ? chunk.readUInt16BE(at + 2) : code === 127 ? Number(chunk.readBigUInt64BE(at + 2)) : code;
      at += size;
    }
    return out.subarray(0, written);
  }
}

/** The size of the client frame header at `at` (0 while its second byte has not arrived). */
function clientHeaderSize(chunk: Buffer, at: number): number {
  if (chunk.length - at < 2) return 0;
  const code = chunk[at + 1] & 0x7f;
  return (code === 126 ? 4 : code === 127 ? 10 : 2) + 4;
}
