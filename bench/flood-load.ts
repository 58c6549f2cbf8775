// A load process for `npm run bench:flood`: opens N WebSocket connections and, once
// told to start, writes empty masked binary frames on each as fast as its socket takes
// them (8,192 frames, 48 KiB, per write), reading and dropping the echoes. Driven over
// IPC by bench/flood.ts; exits when told or orphaned.
//   node flood-load.js <port> <connections>
import { Opcode, encodeFrame } from '../src/protocol/websocket/index.js';
import { type RawConnection, openRawConnection } from './raw-client.js';

export type FloodLoadRequest = { type: 'start' } | { type: 'stop' };
export type FloodLoadReply = { type: 'ready' } | { type: 'stopped'; bytesWritten: number; closedByServer: number };

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const EMPTY_FRAME = Buffer.concat(encodeFrame(Buffer.alloc(0), { opcode: Opcode.Binary, mask: Buffer.from([1, 2, 3, 4]) }));
const BATCH = Buffer.concat(Array.from({ length: 8192 }, () => EMPTY_FRAME));

let stopped = false;
let closedByServer = 0;
const connections: RawConnection[] = await Promise.all(Array.from({ length: count }, () => openRawConnection(port)));
for (const connection of connections) {
  connection.onData = () => undefined;
  connection.socket.on('error', () => undefined);
  connection.socket.on('close', () => {
    if (!stopped) closedByServer++;
  });
}

function pump(connection: RawConnection): void {
  const socket = connection.socket;
  const next = (): void => {
    if (stopped || socket.destroyed) return;
    if (socket.write(BATCH)) setImmediate(next);
    else socket.once('drain', next);
  };
  next();
}

process.on('message', (request: FloodLoadRequest) => {
  if (request.type === 'start') {
    for (const connection of connections) pump(connection);
  } else if (request.type === 'stop') {
    stopped = true;
    const bytesWritten = connections.reduce((sum, connection) => sum + connection.socket.bytesWritten, 0);
    for (const connection of connections) connection.socket.destroy();
    reply({ type: 'stopped', bytesWritten, closedByServer });
    setImmediate(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });

function reply(message: FloodLoadReply): void {
  process.send?.(message);
}
