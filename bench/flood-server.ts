// A child process holding one WebSocket echo server for `npm run bench:flood`: ours
// (with a given framesPerTurn) or ws, on 127.0.0.1. It counts the messages it reads,
// so the parent can tell the flood really ran. Driven over IPC; exits when told or orphaned.
//   node flood-server.js switchboard <framesPerTurn>|ws
import { WebSocketServer as WSServer } from 'ws';
import { WebSocketServer } from '../src/websocket/index.js';

export type FloodServerKind = 'switchboard' | 'ws';
export type FloodServerRequest = { type: 'count' } | { type: 'stop' };
export type FloodServerReply = { type: 'ready'; port: number } | { type: 'count'; messages: number; cpuMicros: number };

// Both sides plain JavaScript, as in bench/echo-server.ts.
process.env.WS_NO_BUFFER_UTIL = '1';
process.env.WS_NO_UTF_8_VALIDATE = '1';

const kind = process.argv[2] as FloodServerKind;
let messages = 0;
const ready = (address: ReturnType<WebSocketServer['address']>): void => {
  if (address && typeof address === 'object') reply({ type: 'ready', port: address.port });
};

let stop: () => void;
if (kind === 'switchboard') {
  // `Number('Infinity')` is Infinity: no per-turn budget at all.
  const framesPerTurn = Number(process.argv[3] ?? 256);
  const server: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1', framesPerTurn }, () => ready(server.address()));
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      messages++;
      socket.send(data, { binary: isBinary });
    });
  });
  stop = () => server.close();
} else if (kind === 'ws') {
  const server: WSServer = new WSServer({ port: 0, host: '127.0.0.1' }, () => ready(server.address()));
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      messages++;
      socket.send(data, { binary: isBinary });
    });
    // A flooder that is cut off must not take the process down.
    socket.on('error', () => undefined);
  });
  stop = () => server.close();
} else {
  throw new Error(`Unknown server kind: ${String(kind)}`);
}

process.on('message', (request: FloodServerRequest) => {
  if (request.type === 'count') {
    const usage = process.cpuUsage();
    reply({ type: 'count', messages, cpuMicros: usage.user + usage.system });
  } else if (request.type === 'stop') {
    stop();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

function reply(message: FloodServerReply): void {
  process.send?.(message);
}
