// The workload `npm run bench:instructions` counts: one server-side connection echoing
// 32-byte binary messages over a stand-in socket (no TCP, no system calls), four
// messages per read, 25 reads per turn of the event loop. Loads the connection from a
// build directory given on the command line, so two builds (say, before and after a
// change) run the very same workload:
//   node .bench-out/bench/instructions-echo.js <build dir>[#traced|#lean|#msgfloor] <turns> [<size> [<read>]]
// With <size>, messages of that many bytes (one per turn when larger than 1 KiB), and
// with <read>, the client's bytes arrive in reads of at most that size (a 1 MiB message
// in 64 KiB reads, as from a real socket).
// where <build dir> holds `websocket/connection.js` (`.bench-out/src`, or a `dist/`);
// with `#traced`, the connection records a wire trace (`traceConnection`, docs/inspector.md);
// with `#lean`, the connection is a LeanWebSocket echoing from a server's handlers;
// with `#msgfloor`, no library: the message floor's echo (bench/message-floor.ts), one write
// per read as its server does, for what the library costs above the least a message API does
// (the library's modules are still loaded, unused, so that both run on the same heap).
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageEchoer } from './message-floor.js';

export const MESSAGES_PER_TURN = 100;
/** Messages per turn for a size: 100 small ones, or one large. */
export const messagesPerTurn = (size: number): number => (size > 1024 ? 1 : MESSAGES_PER_TURN);
const MESSAGES_PER_READ = 4;

interface EchoConnection {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  send(data: Buffer, options: { binary: boolean }): unknown;
}
type Attach = (socket: StandInSocket, head: Buffer, settings: unknown) => void;

/** What the connection asks of a socket; writes are counted, then forgotten. */
class StandInSocket extends EventEmitter {
  writableLength = 0;
  writableHighWaterMark = 16 * 1024;
  bytesWritten = 0;
  destroyed = false;
  setNoDelay(): void {}
  setTimeout(): void {}
  pause(): void {}
  resume(): void {}
  unshift(): void {}
  cork(): void {}
  uncork(): void {}
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  write(chunk: Uint8Array, callback?: unknown): boolean {
    this.bytesWritten += chunk.length;
    if (typeof callback === 'function') callback();
    return true;
  }
}

async function load(dir: string, file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(pathToFileURL(resolve(dir, file)).href)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * A connection of the build in `dir`, attached to a stand-in socket; the layout of builds
 * before the sans-I/O endpoint works too. With `lean`, a LeanWebSocket whose events go to
 * handlers (lean-connection.ts) that echo.
 */
async function openConnection(dir: string, socket: StandInSocket, lean: boolean): Promise<EchoConnection | undefined> {
  const connection = await load(dir, 'websocket/connection.js');
  const settingsModule = (await load(dir, 'websocket/connection-settings.js')) ?? connection;
  const operations = await load(dir, 'websocket/adapter-operations.js');
  const leanModule = lean ? await load(dir, 'websocket/lean-connection.js') : undefined;
  const Connection = (lean ? leanModule?.LeanWebSocket : connection?.WebSocketConnection) as (new () => EchoConnection) | undefined;
  const resolveSettings = settingsModule?.resolveSettings as ((role: string, options: object, mask?: unknown, events?: unknown) => unknown) | undefined;
  if (!Connection || !resolveSettings) throw new Error(`No ${lean ? 'LeanWebSocket' : 'WebSocketConnection'} in ${dir}/websocket`);
  const attachKey = (operations?.attach as symbol | undefined) ?? 'attach';
  const opened = new Connection();
  const attach = (opened as unknown as Record<string | symbol, Attach>)[attachKey];
  const handlerEvents = leanModule?.handlerEvents as ((handlers: object) => unknown) | undefined;
  const events = handlerEvents?.({ message: (peer: EchoConnection, data: Buffer, isBinary: boolean) => peer.send(data, { binary: isBinary }) });
  attach.call(opened, socket, Buffer.alloc(0), resolveSettings('server', {}, undefined, events));
  return lean ? undefined : opened;
}

/** The message floor (bench/message-floor.ts) on the stand-in socket: one write per read, as its server. */
function floorEcho(socket: StandInSocket): void {
  const echoer = new MessageEchoer();
  socket.on('data', (chunk: Buffer) => echoer.answer(chunk, socket));
}

/** A masked binary frame of `size` bytes, as a client sends it (§5.2, §5.3). */
function clientFrame(size: number): Buffer {
  const payload = randomBytes(size);
  const key = randomBytes(4);
  const lengthBytes = size < 126 ? 0 : size < 65536 ? 2 : 8;
  const frame = Buffer.alloc(6 + lengthBytes + size);
  frame[0] = 0x82;
  frame[1] = 0x80 | (lengthBytes === 0 ? size : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) frame.writeUInt16BE(size, 2);
  if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(size), 2);
  const at = 2 + lengthBytes;
  key.copy(frame, at);
  for (let i = 0; i < size; i++) frame[at + 4 + i] = payload[i] ^ key[i & 3];
  return frame;
}

/** The server's frame header length for a payload of `size` (§5.2). */
const headerLength = (size: number): number => (size < 126 ? 2 : size < 65536 ? 4 : 10);

async function main(): Promise<void> {
  const [dirArg, turnsArg, sizeArg = '32', readArg] = process.argv.slice(2);
  const turns = Number(turnsArg);
  const size = Number(sizeArg);
  if (!dirArg || !(turns > 0) || !(size >= 0)) throw new Error('usage: instructions-echo.js <build dir>[#traced|#lean|#msgfloor] <turns> [<size> [<read>]]');
  const perTurn = messagesPerTurn(size);
  const [dir, mode] = dirArg.split('#');
  const socket = new StandInSocket();
  if (mode === 'msgfloor') {
    // The library's modules are loaded though unused, as in the benchmark's server: on Bun a
    // bigger heap alone means more collections (the nursery is sized from what stays live), so
    // a floor without them would look cheaper per message than it is in a server.
    await load(dir, 'websocket/lean-server.js');
    floorEcho(socket);
  }
  const connection = mode === 'msgfloor' ? undefined : await openConnection(dir, socket, mode === 'lean');
  if (connection && mode === 'traced') {
    const traceConnection = (await load(dir, 'websocket/wire-trace.js'))?.traceConnection as ((c: EchoConnection) => unknown) | undefined;
    if (!traceConnection) throw new Error(`No traceConnection in ${dir}/websocket/wire-trace.js`);
    traceConnection(connection);
  }
  connection?.on('message', (data, isBinary) => connection.send(data, { binary: isBinary }));
  const perRead = Math.min(MESSAGES_PER_READ, perTurn);
  const bytes = Buffer.concat(Array.from({ length: perRead }, () => clientFrame(size)));
  const readSize = readArg === undefined ? bytes.length : Number(readArg);
  const reads: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += readSize) reads.push(bytes.subarray(at, at + readSize));
  const echoed = turns * perTurn * (headerLength(size) + size);
  let turn = 0;
  const step = (): void => {
    // A fresh copy per read: the connection unmasks in place.
    for (let i = 0; i < perTurn / perRead; i++) for (const read of reads) socket.emit('data', Buffer.from(read));
    if (++turn < turns) setImmediate(step);
    else
      setImmediate(() => {
        if (socket.bytesWritten !== echoed) throw new Error(`Echoed ${socket.bytesWritten} bytes, expected ${echoed}`);
      });
  };
  step();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
