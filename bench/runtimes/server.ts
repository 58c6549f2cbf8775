// One benchmark server process, started by bench/runtimes/main.ts under Node, Bun or
// Deno (`node server.js <impl>`, `bun server.js <impl>`, `deno run -A server.js <impl>`).
// It serves a WebSocket endpoint (echo every message back; broadcast on request) and a
// Server-Sent Events endpoint (fan-out on request), each on a port of its own.
// Control: JSON lines on stdin (ControlRequest), replies as lines `@bench {json}` on
// stdout (ControlReply); no IPC channel, since Deno's child processes have none. It exits
// when told, or when stdin ends (the load generator is gone).
//   impl: switchboard | ws (Node only) | native (Bun.serve, Deno.serve) | floor
// `floor` is no library: node:http's upgrade event and raw socket writes (bench/floor-server.ts)
// on this runtime's node: layer, and for SSE a bare node:http response written to.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { MemoryHub } from '../../src/hub/index.js';
import { Opcode, encodeSharedFrame } from '../../src/protocol/websocket/index.js';
import { createSseHandler } from '../../src/sse/index.js';
import { LeanWebSocketServer } from '../../src/websocket/index.js';
import { ECHO_HANDLERS } from '../../src/cli/echo-handler.js';
import { type FloorMode, type FloorServer, startFloorServer } from '../floor-server.js';

export type Impl = 'switchboard' | 'ws' | 'native' | 'floor' | 'msgfloor';

export type ControlRequest =
  | { type: 'memory' }
  | { type: 'cpu' }
  /** Broadcast `size`-byte text messages to every WebSocket client, at most `window` ahead of `progress`. */
  | { type: 'broadcast'; window: number; size: number }
  /** Messages every client has received, on average. */
  | { type: 'progress'; delivered: number }
  | { type: 'broadcast-stop' }
  /** Publish `count` SSE events of PAYLOAD to every stream, yielding to I/O every 10. */
  | { type: 'sse-publish'; count: number }
  | { type: 'stop' };

export type ControlReply =
  | { type: 'ready'; wsPort: number; ssePort: number; runtime: string }
  | { type: 'memory'; rss: number; heapUsed: number; wsClients: number; gc: boolean }
  | { type: 'cpu'; micros: number }
  | { type: 'broadcast-stopped'; sent: number; clients: number }
  | { type: 'sse-published'; streams: number };

/** 32 bytes; '~' appears nowhere else in the stream, so the client counts events by it. */
export const SSE_PAYLOAD = '~' + 'x'.repeat(31);

// --- The runtimes' own APIs, as much of them as is used here (no type packages needed). ---
interface BunWebSocket {
  send(data: string | ArrayBuffer | Uint8Array): number;
  subscribe(topic: string): void;
}
interface BunServer {
  readonly port: number;
  upgrade(request: Request): boolean;
  publish(topic: string, data: string | Uint8Array): number;
}
interface BunApi {
  serve(options: {
    port: number;
    hostname: string;
    fetch(request: Request, server: BunServer): Response | undefined;
    websocket: {
      open?(ws: BunWebSocket): void;
      message(ws: BunWebSocket, message: string | Uint8Array): void;
      close?(ws: BunWebSocket): void;
      idleTimeout?: number;
      maxPayloadLength?: number;
      perMessageDeflate?: boolean;
    };
  }): BunServer;
  gc(force: boolean): void;
  readonly version: string;
}
interface DenoWebSocket {
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null;
  onclose: (() => void) | null;
  send(data: string | ArrayBuffer | Uint8Array): void;
}
interface DenoApi {
  serve(
    options: { port: number; hostname: string; onListen(address: { port: number }): void },
    handler: (request: Request) => Response,
  ): unknown;
  upgradeWebSocket(request: Request): { socket: DenoWebSocket; response: Response };
  readonly version: { deno: string };
}
const { Bun: bun, Deno: deno, gc } = globalThis as { Bun?: BunApi; Deno?: DenoApi; gc?: () => void };

export const runtimeName = bun ? `bun ${bun.version}` : deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`;

/** What every implementation provides to the control loop. */
interface Served {
  wsPort: number;
  ssePort: number;
  wsClients(): number;
  /** Sends one text message to every WebSocket client. */
  broadcast(text: string): void;
  sseStreams(): number;
  /** Sends one event to every SSE stream; `n` is its number. */
  ssePublish(n: number): void;
}

const impl = process.argv[2] as Impl;

async function serve(): Promise<Served> {
  switch (impl) {
    case 'switchboard':
      return serveSwitchboard();
    case 'ws':
      return serveWs();
    case 'native':
      if (bun) return serveBun(bun);
      if (deno) return serveDeno(deno);
      throw new Error('"native" is Bun.serve or Deno.serve; Node has no WebSocket server of its own (use ws)');
    case 'floor':
      return serveFloor('frames');
    case 'msgfloor':
      return serveFloor('messages');
    default:
      throw new Error(`Unknown implementation ${String(impl)}`);
  }
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function serveSwitchboard(): Promise<Served> {
  // The lean face with `switchboard echo`'s handlers: the counterpart of Bun.serve's and
  // Deno's handler APIs (no listener or closure per connection).
  const wss = new LeanWebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, heartbeat: false, handlers: ECHO_HANDLERS });
  await new Promise((resolve) => wss.once('listening', resolve));
  const hub = new MemoryHub({ maxHistory: 100 });
  const sse = createServer(createSseHandler({ hub, keepAliveMs: 0 }));
  return {
    wsPort: (wss.address() as AddressInfo).port,
    ssePort: await listen(sse),
    wsClients: () => wss.clients.size,
    broadcast: (text) => {
      const frame = encodeSharedFrame(Buffer.from(text), Opcode.Text);
      for (const client of wss.clients) client.sendFrame(frame);
    },
    sseStreams: () => hub.subscriberCount('bench'),
    ssePublish: () => void hub.publish('bench', { data: SSE_PAYLOAD }),
  };
}

async function serveWs(): Promise<Served> {
  if (bun || deno) throw new Error('"ws" runs on Node only here (Bun answers `import "ws"` with its own stand-in)');
  process.env.WS_NO_BUFFER_UTIL = '1';
  process.env.WS_NO_UTF_8_VALIDATE = '1';
  const { WebSocketServer: WSServer } = await import('ws');
  const wss = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
  });
  const sse = bareSse();
  return {
    wsPort: (wss.address() as AddressInfo).port,
    ssePort: await listen(sse.server),
    wsClients: () => wss.clients.size,
    broadcast: (text) => {
      for (const client of wss.clients) client.send(text);
    },
    sseStreams: () => sse.streams.size,
    ssePublish: sse.publish,
  };
}

async function serveFloor(mode: FloorMode): Promise<Served> {
  let floor: FloorServer | undefined;
  const port = await new Promise<number>((resolve) => {
    floor = startFloorServer(resolve, mode);
  });
  const sockets = floor!.sockets;
  const sse = bareSse();
  return {
    wsPort: port,
    ssePort: await listen(sse.server),
    wsClients: () => sockets.size,
    broadcast: (text) => {
      const frame = encodeSharedFrame(Buffer.from(text), Opcode.Text);
      for (const socket of sockets) socket.write(frame);
    },
    sseStreams: () => sse.streams.size,
    ssePublish: sse.publish,
  };
}

/** SSE with no library on node:http: headers, then one write per event per stream. */
function bareSse(): { server: ReturnType<typeof createServer>; streams: Set<ServerResponse>; publish: (n: number) => void } {
  const streams = new Set<ServerResponse>();
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write('retry: 3000\n\n');
    streams.add(response);
    response.on('close', () => streams.delete(response));
  });
  return {
    server,
    streams,
    publish: (n) => {
      const event = `id: ${n}\ndata: ${SSE_PAYLOAD}\n\n`;
      for (const stream of streams) stream.write(event);
    },
  };
}

/** SSE on the Fetch API (Bun.serve, Deno.serve): a ReadableStream per client, enqueued to. */
function webSse(): { streams: Set<ReadableStreamDefaultController<Uint8Array>>; respond: () => Response; publish: (n: number) => void } {
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  return {
    streams,
    respond: () => {
      let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          mine = controller;
          controller.enqueue(encoder.encode('retry: 3000\n\n'));
          streams.add(controller);
        },
        cancel() {
          if (mine) streams.delete(mine);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    },
    publish: (n) => {
      const event = encoder.encode(`id: ${n}\ndata: ${SSE_PAYLOAD}\n\n`);
      for (const stream of streams) stream.enqueue(event);
    },
  };
}

async function serveBun(api: BunApi): Promise<Served> {
  let clients = 0;
  // Echo: the message back as it came (binary stays binary); broadcast: Bun's own
  // pub/sub (`server.publish`), its documented and fastest way to reach every socket.
  const ws = api.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request, server) => (server.upgrade(request) ? undefined : new Response('Upgrade Required', { status: 426 })),
    websocket: {
      open: (socket) => {
        clients++;
        socket.subscribe('all');
      },
      message: (socket, message) => void socket.send(message),
      close: () => void clients--,
      // As large as the load generator's 1 MiB frames; no idle timeout, no compression (as the others).
      maxPayloadLength: 64 * 1024 * 1024,
      idleTimeout: 0,
      perMessageDeflate: false,
    },
  });
  const sse = webSse();
  const sseServer = api.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: () => sse.respond(),
    websocket: { message: () => {} },
  });
  return {
    wsPort: ws.port,
    ssePort: sseServer.port,
    wsClients: () => clients,
    broadcast: (text) => void ws.publish('all', text),
    sseStreams: () => sse.streams.size,
    ssePublish: sse.publish,
  };
}

async function serveDeno(api: DenoApi): Promise<Served> {
  const sockets = new Set<DenoWebSocket>();
  const wsPort = await new Promise<number>((resolve) => {
    api.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => resolve(port) }, (request) => {
      const { socket, response } = api.upgradeWebSocket(request);
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => void sockets.add(socket);
      socket.onmessage = (event) => socket.send(event.data);
      socket.onclose = () => void sockets.delete(socket);
      return response;
    });
  });
  const sse = webSse();
  const ssePort = await new Promise<number>((resolve) => {
    api.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => resolve(port) }, () => sse.respond());
  });
  return {
    wsPort,
    ssePort,
    wsClients: () => sockets.size,
    broadcast: (text) => {
      for (const socket of sockets) socket.send(text);
    },
    sseStreams: () => sse.streams.size,
    ssePublish: sse.publish,
  };
}

function reply(message: ControlReply): void {
  process.stdout.write(`@bench ${JSON.stringify(message)}\n`);
}

async function collectGarbage(): Promise<boolean> {
  const collect = bun ? () => bun.gc(true) : gc;
  if (!collect) return false;
  // A few full collections, with turns of the event loop between them for finalizers.
  for (let i = 0; i < 4; i++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

const served = await serve();

// Broadcast pump: one message per event-loop turn, at most `window` ahead of delivery.
let broadcasting = false;
let paused = false;
let sent = 0;
let delivered = 0;
let window = 32;
let size = 64;
const pump = (): void => {
  if (!broadcasting) return;
  if (sent - delivered >= window) {
    paused = true;
    return;
  }
  // Different text every time, as real messages are.
  served.broadcast(String(sent).padStart(size, '0'));
  sent++;
  setImmediate(pump);
};

async function ssePublish(count: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    served.ssePublish(n);
    // Let sockets drain between bursts, as a real publisher would (as bench/sse.ts does).
    if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const request = JSON.parse(line) as ControlRequest;
  switch (request.type) {
    case 'memory':
      void collectGarbage().then((collected) => {
        const usage = process.memoryUsage();
        reply({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, wsClients: served.wsClients(), gc: collected });
      });
      break;
    case 'cpu': {
      const usage = process.cpuUsage();
      reply({ type: 'cpu', micros: usage.user + usage.system });
      break;
    }
    case 'broadcast':
      broadcasting = true;
      window = request.window;
      size = request.size;
      sent = delivered = 0;
      setImmediate(pump);
      break;
    case 'progress':
      delivered = request.delivered;
      if (paused && sent - delivered < window) {
        paused = false;
        setImmediate(pump);
      }
      break;
    case 'broadcast-stop':
      broadcasting = false;
      reply({ type: 'broadcast-stopped', sent, clients: served.wsClients() });
      break;
    case 'sse-publish':
      void ssePublish(request.count).then(() => reply({ type: 'sse-published', streams: served.sseStreams() }));
      break;
    case 'stop':
      process.exit(0);
  }
});
// The load generator is gone: so is this process.
lines.on('close', () => process.exit(0));
reply({ type: 'ready', wsPort: served.wsPort, ssePort: served.ssePort, runtime: runtimeName });
