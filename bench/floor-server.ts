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

export interface FloorServer {
  readonly server: Server;
  readonly sockets: Set<Socket>;
}

/** The open sockets (one floor server per process). */
const sockets = new Set<Socket>();

export function startFloorServer(onListening: (port: number) => void): FloorServer {
  const server = createServer((_request, response) => response.writeHead(426).end());
  server.on('upgrade', (request, socket: Socket) => {
    const key = String(request.headers['sec-websocket-key'] ?? '');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
    socket.setNoDelay(true);
    // Node ends our side when the peer ends its own: no 'end' listener needed.
    socket.allowHalfOpen = false;
    sockets.add(socket);
    // Listeners shared by every socket, so no closure per connection.
    socket.on('data', onData);
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
    const chunk = this.partial ? Buffer.concat([this.partial, input]) : input;
    this.partial = undefined;
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        out.push(chunk.subarray(offset, offset + take));
        this.remaining -= take;
        offset += take;
        continue;
      }
      const header = readClientHeader(chunk, offset);
      if (!header) {
        this.partial = Buffer.from(chunk.subarray(offset));
        break;
      }
      out.push(serverHeader(chunk[offset], header.length));
      this.remaining = header.length;
      offset += header.size;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}

function readClientHeader(chunk: Buffer, at: number): { size: number; length: number } | undefined {
  if (chunk.length - at < 2) return undefined;
  const code = chunk[at + 1] & 0x7f;
  const size = (code === 126 ? 4 : code === 127 ? 10 : 2) + 4;
  if (chunk.length - at < size) return undefined;
  const length = code === 126 ? chunk.readUInt16BE(at + 2) : code === 127 ? Number(chunk.readBigUInt64BE(at + 2)) : code;
  return { size, length };
}

function serverHeader(first: number, length: number): Buffer {
  if (length < 126) return Buffer.from([first, length]);
  if (length < 65536) {
    const header = Buffer.from([first, 126, 0, 0]);
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = first;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}
