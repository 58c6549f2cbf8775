// A child process holding one WebSocket echo server, ours or ws, on 127.0.0.1, so
// the load generator in the parent never shares an event loop with the server it
// measures. Driven over IPC (see ServerRequest); exits when told or orphaned.
//   node echo-server.js switchboard|ws|floor ['{"threshold":0}']
// The optional second argument turns permessage-deflate on with these options (ours'
// names; ws gets the same settings under its own names).
import { type PerMessageDeflateOptions as WSDeflateOptions, WebSocketServer as WSServer } from 'ws';
import { LeanWebSocketServer, type PerMessageDeflateOptions, WebSocketServer } from '../src/websocket/index.js';
import { startFloorServer } from './floor-server.js';
import { ECHO_HANDLERS } from '../src/cli/echo-handler.js';

/**
 * `lean`: ours with the lean API (handlers once per server, LeanWebSocketServer);
 * `floor`: no WebSocket library, the least a server on node:http can do (bench/floor-server.ts).
 */
export type ServerKind = 'switchboard' | 'lean' | 'ws' | 'floor';

export type ServerRequest = { type: 'memory' } | { type: 'cpu' } | { type: 'stop' };

export type ServerReply =
  | { type: 'ready'; port: number }
  | { type: 'memory'; clients: number; heapUsed: number; rss: number; external: number }
  | { type: 'cpu'; micros: number };

// ws uses its optional native add-ons when installed; neither is here, and this makes
// sure of it, so both sides are plain JavaScript.
process.env.WS_NO_BUFFER_UTIL = '1';
process.env.WS_NO_UTF_8_VALIDATE = '1';

const kind = process.argv[2] as ServerKind;
const deflate = process.argv[3] === undefined ? undefined : (JSON.parse(process.argv[3]) as PerMessageDeflateOptions);

/** The same permessage-deflate settings, as ws names them. */
function wsDeflate(options: PerMessageDeflateOptions): WSDeflateOptions {
  return {
    serverNoContextTakeover: options.serverNoContextTakeover,
    clientNoContextTakeover: options.clientNoContextTakeover,
    serverMaxWindowBits: options.serverMaxWindowBits,
    clientMaxWindowBits: options.clientMaxWindowBits,
    threshold: options.threshold ?? 1024,
    concurrencyLimit: options.concurrency ?? 10,
    zlibDeflateOptions: { level: options.level, memLevel: options.memLevel },
  };
}
let clients: () => number;
let stop: () => void;

if (kind === 'switchboard') {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ?? false }, () => {
    const address = server.address();
    if (address && typeof address === 'object') reply({ type: 'ready', port: address.port });
  });
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
  });
  clients = () => server.clients.size;
  stop = () => server.close();
} else if (kind === 'lean') {
  const server = new LeanWebSocketServer(
    {
      port: 0,
      host: '127.0.0.1',
      perMessageDeflate: deflate ?? false,
      // What `switchboard echo` runs: the echo with its backpressure, as handlers.
      handlers: ECHO_HANDLERS,
    },
    () => {
      const address = server.address();
      if (address && typeof address === 'object') reply({ type: 'ready', port: address.port });
    },
  );
  clients = () => server.clients.size;
  stop = () => server.close();
} else if (kind === 'ws') {
  const server = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? wsDeflate(deflate) : false }, () => {
    const address = server.address();
    if (address && typeof address === 'object') reply({ type: 'ready', port: address.port });
  });
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
  });
  clients = () => server.clients.size;
  stop = () => server.close();
} else if (kind === 'floor') {
  const floor = startFloorServer((port) => reply({ type: 'ready', port }));
  clients = () => floor.sockets.size;
  stop = () => floor.server.close();
} else {
  throw new Error(`Unknown server kind: ${String(kind)}`);
}

process.on('message', (request: ServerRequest) => {
  switch (request.type) {
    case 'memory':
      void measureMemory().then(reply);
      break;
    case 'cpu': {
      const usage = process.cpuUsage();
      reply({ type: 'cpu', micros: usage.user + usage.system });
      break;
    }
    case 'stop':
      stop();
      process.exit(0);
  }
});
// Never outlive the parent.
process.on('disconnect', () => process.exit(0));

async function measureMemory(): Promise<ServerReply> {
  if (typeof gc !== 'function') throw new Error('Start this process with --expose-gc to measure memory');
  // A few full collections, with turns of the event loop between them for finalizers.
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return { type: 'memory', clients: clients(), heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external };
}

function reply(message: ServerReply): void {
  process.send?.(message);
}
