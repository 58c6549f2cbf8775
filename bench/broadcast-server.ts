// A child process broadcasting to every connected client, ours or ws, for bench/broadcast.ts.
//   node broadcast-server.js switchboard|ws|floor
// Ours encodes each message once (encodeSharedFrame) and hands the same bytes to every
// connection (sendFrame); ws's server loops over its clients with client.send(data), as
// its README shows for broadcast. Messages go out `burst` per event-loop turn (1: as they
// would arriving one by one from the network; more: several arriving in one read, as from
// a busy Redis subscription), while at most `window` of them are ahead of what the load
// generator reports delivered (so neither server buffers without bound). `floor` is no
// WebSocket server at all: a bare node:net server that answers the handshake and then
// calls socket.write(frame) per client, the least any Node server can do per message.
import { type Socket, createServer } from 'node:net';
import { WebSocketServer as WSServer } from 'ws';
import { Opcode, computeAccept, encodeSharedFrame } from '../src/protocol/websocket/index.js';
import { WebSocketServer } from '../src/websocket/index.js';

export type BroadcastKind = 'switchboard' | 'ws' | 'floor';

export type BroadcastRequest =
  /** `burst`: messages broadcast per event-loop turn (several arrive together under load). */
  | { type: 'run'; window: number; size: number; burst: number }
  /** Messages every client has received, on average. */
  | { type: 'progress'; delivered: number }
  | { type: 'stop' };

export type BroadcastReply =
  | { type: 'ready'; port: number }
  | { type: 'stopped'; sent: number; cpuMicros: number; clients: number };

process.env.WS_NO_BUFFER_UTIL = '1';
process.env.WS_NO_UTF_8_VALIDATE = '1';

const kind = process.argv[2] as BroadcastKind;
let broadcast: (text: string) => void;
let clientCount: () => number;

const onListening = (address: ReturnType<WSServer['address']>): void => {
  if (address && typeof address === 'object') reply({ type: 'ready', port: address.port });
};

if (kind === 'switchboard') {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false }, () => onListening(server.address()));
  broadcast = (text) => {
    const frame = encodeSharedFrame(Buffer.from(text), Opcode.Text);
    for (const client of server.clients) client.sendFrame(frame);
  };
  clientCount = () => server.clients.size;
} else if (kind === 'ws') {
  const server: WSServer = new WSServer({ port: 0, host: '127.0.0.1' }, () => onListening(server.address()));
  broadcast = (text) => {
    for (const client of server.clients) client.send(text);
  };
  clientCount = () => server.clients.size;
} else if (kind === 'floor') {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
      sockets.add(socket);
      socket.on('data', () => {}); // the clients send nothing after the handshake
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1', () => onListening(server.address()));
  broadcast = (text) => {
    const frame = encodeSharedFrame(Buffer.from(text), Opcode.Text);
    for (const socket of sockets) socket.write(frame);
  };
  clientCount = () => sockets.size;
} else {
  throw new Error(`Unknown server kind: ${String(kind)}`);
}

let running = false;
let paused = false;
let sent = 0;
let delivered = 0;
let window = 0;
let size = 64;
let burst = 1;
let cpuAtStart = process.cpuUsage();

const pump = (): void => {
  if (!running) return;
  for (let i = 0; i < burst; i++) {
    if (sent - delivered >= window) {
      paused = true;
      return;
    }
    // 64 bytes of text, different every time, as real messages are.
    broadcast(String(sent).padStart(size, '0'));
    sent++;
  }
  setImmediate(pump);
};

process.on('message', (request: BroadcastRequest) => {
  if (request.type === 'run') {
    running = true;
    window = request.window;
    size = request.size;
    burst = request.burst;
    cpuAtStart = process.cpuUsage();
    setImmediate(pump);
  } else if (request.type === 'progress') {
    delivered = request.delivered;
    if (paused && sent - delivered < window) {
      paused = false;
      setImmediate(pump);
    }
  } else if (request.type === 'stop') {
    running = false;
    const cpu = process.cpuUsage(cpuAtStart);
    reply({ type: 'stopped', sent, cpuMicros: cpu.user + cpu.system, clients: clientCount() });
  }
});
// Orphaned (the load generator died): go too.
process.on('disconnect', () => process.exit(0));

function reply(message: BroadcastReply): void {
  process.send?.(message);
}
