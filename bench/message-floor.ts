// The message floor: the frame floor (floor-server.ts) plus only what any server with a
// message API must do on top of it. Each payload is unmasked (RFC 6455 §5.3: a server
// must), and each message is handed whole to the application as one Buffer (gathered
// with one copy when its frame spans reads), which here echoes it as one unmasked server
// frame. Still no validation, no UTF-8 check, no control frames or fragmentation, no
// limits, backpressure or close handshake: a WebSocket library with a `ws`- or
// Bun.serve-style message API does at least this much per message. Each payload is a view
// of its read or a copy, whichever is cheaper on the engine (the library's own choice,
// DEFAULT_COPY_UP_TO in src/protocol/websocket/frame-parser.ts).
import { DEFAULT_COPY_UP_TO } from '../src/protocol/websocket/frame-parser.js';
import { applyMaskKey } from '../src/protocol/websocket/mask.js';

/** Bun's node:net copies corked writes into one buffer (src/websocket/socket-writer.ts): there they go one by one. */
const CORK = process.versions.bun === undefined;

/** What the floor needs of a socket (a node:net Socket, or a stand-in). */
export interface FloorSocket {
  write(chunk: Buffer): unknown;
  cork(): void;
  uncork(): void;
}

export class MessageEchoer {
  /** The start of a header split across reads. */
  private partial: Buffer | undefined;
  /** The current frame: its first byte, masking key, payload bytes still to come. */
  private first = 0;
  private key = 0;
  private remaining = 0;
  /** A message spanning reads: its pieces, unmasked, and their length. */
  private pieces: Buffer[] = [];
  private gathered = 0;

  /** Appends to `out` the server frames (header, payload) answering every message `input` completes. */
  private echo(input: Buffer, out: Buffer[]): void {
    const chunk = this.partial ? Buffer.concat([this.partial, input]) : input;
    this.partial = undefined;
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        const piece = chunk.subarray(at, at + take);
        applyMaskKey(piece, this.key, this.gathered & 3);
        this.pieces.push(piece);
        this.gathered += take;
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.deliver(join(this.pieces, this.gathered), out);
        continue;
      }
      if (chunk.length - at < 2) {
        this.partial = Buffer.from(chunk.subarray(at));
        break;
      }
      const code = chunk[at + 1] & 0x7f;
      const size = (code === 126 ? 4 : code === 127 ? 10 : 2) + 4;
      if (chunk.length - at < size) {
        this.partial = Buffer.from(chunk.subarray(at));
        break;
      }
      const length = code === 126 ? chunk.readUInt16BE(at + 2) : code === 127 ? Number(chunk.readBigUInt64BE(at + 2)) : code;
      this.first = chunk[at];
      this.key = chunk.readUInt32BE(at + size - 4);
      at += size;
      if (chunk.length - at >= length) {
        const payload = length <= DEFAULT_COPY_UP_TO ? copyOut(chunk, at, length) : chunk.subarray(at, at + length);
        applyMaskKey(payload, this.key);
        this.deliver(payload, out);
        at += length;
      } else {
        this.remaining = length;
        this.pieces = [];
        this.gathered = 0;
      }
    }
  }

  /** Echoes every message `input` completes to `socket` in one write, as a server answers a read. */
  answer(input: Buffer, socket: FloorSocket): void {
    const out: Buffer[] = [];
    this.echo(input, out);
    if (out.length === 0) return;
    let total = 0;
    for (const piece of out) total += piece.length;
    // Small frames joined, large ones gathered by writev.
    if (total <= 64 * 1024) return void socket.write(out.length === 1 ? out[0] : Buffer.concat(out, total));
    if (CORK) socket.cork();
    for (const piece of out) socket.write(piece);
    if (CORK) socket.uncork();
  }

  private deliver(message: Buffer, out: Buffer[]): void {
    out.push(serverHeader(this.first, message.length), message);
  }
}

function copyOut(chunk: Buffer, at: number, length: number): Buffer {
  const copy = Buffer.allocUnsafe(length);
  chunk.copy(copy, 0, at, at + length);
  return copy;
}

function join(pieces: Buffer[], length: number): Buffer {
  const joined = Buffer.allocUnsafe(length);
  let at = 0;
  for (const piece of pieces) at += piece.copy(joined, at);
  return joined;
}

/** An unmasked server frame header (§5.2) with the client frame's first byte. */
function serverHeader(first: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(length < 126 ? 2 : length < 65536 ? 4 : 10);
  header[0] = first;
  if (length < 126) header[1] = length;
  else if (length < 65536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return header;
}
