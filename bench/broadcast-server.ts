// A child process broadcasting to every connected client, ours or ws, for bench/broadcast.ts.
//   node broadcast-server.js switchboard|ws
// Ours encodes each message once (encodeSharedFrame) and hands the same bytes to every
// connection (sendFrame); ws's server loops over its clients with client.send(data), as
// its README shows for broadcast. Messages go out `burst` per event-loop turn (1: as they
// would arriving one by one from the network; more: several arriving in one read, as from
// a busy Redis subscription), while at most `window` of them are ahead of what the load
// generator reports delivered (so neither server buffers without bound).
import { WebSocketServer as WSServer } from 'ws';
import { Opcode, encodeSharedFrame } from '../src/protocol/websocket/index.js';
import { WebSocketServer } from '../src/websocket/index.js';

export type BroadcastKind = 'switchboard' | 'ws';

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
