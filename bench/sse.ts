// `npm run bench:sse`: Server-Sent Events fan-out throughput (ours against better-sse, in
// the same run, on loopback) and bytes on the wire per 32-byte message for SSE and long
// polling, counted on the client's sockets. Bounded: every phase stops by itself.
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as h2connect, createServer as createH2Server } from 'node:http2';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { createChannel, createSession } from 'better-sse';
import { MemoryHub } from '../src/hub/index.js';
import { LongPollClient, createLongPollHandler } from '../src/long-polling/index.js';
import { createSseHandler } from '../src/sse/index.js';
import { WebSocketServer } from '../src/websocket/index.js';
import { createPubSubServer } from '../src/pubsub/index.js';
import WS from 'ws';

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const CLIENTS = Number(args.get('clients') ?? 1000);
const MESSAGES = Number(args.get('messages') ?? 200);
const ROUNDS = Number(args.get('rounds') ?? 3);
const WIRE_MESSAGES = Number(args.get('wire-messages') ?? 500);
// 32 bytes; '~' never appears in headers or framing, so counting it counts events.
const PAYLOAD = '~' + 'x'.repeat(31);
const MARK = 0x7e;

interface Target {
  readonly name: string;
  readonly url: string;
  /** Resolves once `n` streams are registered with the publisher. */
  subscribers(): number;
  publish(n: number): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const startOurs = (): Promise<Target> => startSwitchboard('close');
const startOursChunked = (): Promise<Target> => startSwitchboard('chunked');

async function startSwitchboard(http1Framing: 'close' | 'chunked'): Promise<Target> {
  const hub = new MemoryHub({ maxHistory: 100 });
  const server = createServer(createSseHandler({ hub, keepAliveMs: 0, http1Framing }));
  const url = await listen(server);
  return {
    name: http1Framing === 'close' ? 'switchboard' : 'switchboard (chunked)',
    url: `${url}/?channel=bench`,
    subscribers: () => hub.subscriberCount('bench'),
    publish: () => void hub.publish('bench', { data: PAYLOAD }),
    close: async () => {
      await shut(server);
      await hub.close();
    },
  };
}

async function startBetterSse(): Promise<Target> {
  const channel = createChannel();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Same wire content as ours: retry first, no keep-alive timer, plain-string data
    // (better-sse JSON-encodes by default; String is the cheaper, fairer choice).
    void createSession(req, res, { keepAlive: null, retry: 3000, serializer: String }).then((session) => channel.register(session));
  });
  const url = await listen(server);
  return {
    name: 'better-sse',
    url,
    subscribers: () => channel.sessionCount,
    publish: (n) => void channel.broadcast(PAYLOAD, 'message', { eventId: String(n) }),
    close: () => shut(server),
  };
}

interface Clients {
  /** Events seen by the slowest client. */
  minimum(): number;
  close(): void;
}

/** Raw-socket SSE readers: they only count events, so the measurement is the server's. */
export async function openClients(url: string, count: number): Promise<Clients> {
  const { hostname, port, pathname, search } = new URL(url);
  const counts = new Uint32Array(count);
  const sockets: Socket[] = [];
  let opened = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < count; i++) {
      const socket = connect(Number(port), hostname);
      sockets.push(socket);
      let headerSeen = false;
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        if (!headerSeen) {
          headerSeen = true;
          if (++opened === count) resolve();
        }
        let at = chunk.indexOf(MARK);
        while (at !== -1) {
          counts[i]++;
          at = chunk.indexOf(MARK, at + 1);
        }
      });
      socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
    }
  });
  return {
    minimum: () => {
      let min = Infinity;
      for (const c of counts) if (c < min) min = c;
      return min;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** One fan-out round: publish MESSAGES to CLIENTS streams, time until the slowest has them all. */
async function fanOut(start: () => Promise<Target>): Promise<{ name: string; eventsPerSecond: number }> {
  const target = await start();
  const clients = await openClients(target.url, CLIENTS);
  await until(() => target.subscribers() === CLIENTS, 'subscriptions');
  const began = process.hrtime.bigint();
  for (let n = 1; n <= MESSAGES; n++) {
    target.publish(n);
    // Let sockets drain between bursts, as a real publisher would.
    if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await until(() => clients.minimum() >= MESSAGES, 'delivery');
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  clients.close();
  await target.close();
  return { name: target.name, eventsPerSecond: (CLIENTS * MESSAGES) / seconds };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Bytes an SSE client receives per message over HTTP/1.1, one message at a time. */
async function sseWireHttp1(start: () => Promise<Target>): Promise<number> {
  const target = await start();
  const { hostname, port, pathname, search } = new URL(target.url);
  const socket = connect(Number(port), hostname);
  let events = 0;
  socket.on('data', (chunk: Buffer) => {
    for (let at = chunk.indexOf(MARK); at !== -1; at = chunk.indexOf(MARK, at + 1)) events++;
  });
  socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  await until(() => target.subscribers() === 1 && socket.bytesRead > 0, 'stream open');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const before = socket.bytesRead;
  for (let n = 1; n <= WIRE_MESSAGES; n++) {
    target.publish(n);
    await until(() => events === n, 'event');
  }
  const perMessage = (socket.bytesRead - before) / WIRE_MESSAGES;
  socket.destroy();
  await target.close();
  return perMessage;
}

/**
 * Bytes a WebSocket client receives per message, counted on its TCP socket: a bare
 * frame (what `send` writes), or a `switchboard.v1` pub/sub message, which carries
 * the channel and the id as SSE's `id:` line does.
 */
async function webSocketWire(pubsub: boolean): Promise<number> {
  const hub = new MemoryHub();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const server = pubsub ? createPubSubServer({ hub, server: wss }) : undefined;
  const connected = new Promise<(n: number) => void>((resolve) => {
    if (!pubsub) wss.once('connection', (ws) => resolve(() => ws.send(PAYLOAD)));
  });
  const { port } = wss.address() as AddressInfo;
  const client = new WS(`ws://127.0.0.1:${port}`, pubsub ? ['switchboard.v1'] : []);
  let events = 0;
  client.on('message', (data: Buffer) => {
    if (data.includes(MARK)) events++;
  });
  await new Promise((resolve) => client.once('open', resolve));
  let publish: (n: number) => void;
  if (pubsub) {
    client.send(JSON.stringify({ type: 'subscribe', channel: 'bench' }));
    await until(() => server!.sharedSubscriptionCount === 1, 'subscribed');
    publish = () => void hub.publish('bench', { data: PAYLOAD });
  } else {
    publish = await connected;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  const socket = (client as unknown as { _socket: Socket })._socket;
  const before = socket.bytesRead;
  for (let n = 1; n <= WIRE_MESSAGES; n++) {
    publish(n);
    await until(() => events === n, 'message');
  }
  const perMessage = (socket.bytesRead - before) / WIRE_MESSAGES;
  client.terminate();
  await server?.close();
  await new Promise((resolve) => wss.close(() => resolve(undefined)));
  await hub.close();
  return perMessage;
}

/** Bytes an SSE client receives per message over HTTP/2 (h2c), counted on the TCP socket. */
async function sseWireHttp2(): Promise<number> {
  const hub = new MemoryHub({ maxHistory: 100 });
  const server = createH2Server(createSseHandler({ hub, keepAliveMs: 0 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let socket: Socket | undefined;
  const session = h2connect(`http://127.0.0.1:${port}`, {
    createConnection: () => {
      socket = connect(port, '127.0.0.1');
      return socket;
    },
  });
  const stream = session.request({ ':path': '/?channel=bench' });
  let events = 0;
  stream.on('data', (chunk: Buffer) => {
    for (let at = chunk.indexOf(MARK); at !== -1; at = chunk.indexOf(MARK, at + 1)) events++;
  });
  await until(() => hub.subscriberCount('bench') === 1, 'h2 stream open');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const before = socket!.bytesRead;
  for (let n = 1; n <= WIRE_MESSAGES; n++) {
    await hub.publish('bench', { data: PAYLOAD });
    await until(() => events === n, 'h2 event');
  }
  const perMessage = (socket!.bytesRead - before) / WIRE_MESSAGES;
  session.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await hub.close();
  return perMessage;
}

/** Bytes per message for long polling (received, and sent as requests), `batch` messages per publish burst. */
async function longPollWire(batch: number): Promise<{ received: number; sent: number }> {
  const hub = new MemoryHub({ maxHistory: 1000 });
  const handler = createLongPollHandler({ hub });
  const server = createServer(handler);
  const url = await listen(server);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<Socket>();
  const originalCreate = agent.createConnection.bind(agent);
  agent.createConnection = ((...createArgs: Parameters<Agent['createConnection']>) => {
    const socket = originalCreate(...createArgs) as Socket;
    sockets.add(socket);
    return socket;
  }) as Agent['createConnection'];
  const client = new LongPollClient(`${url}/?channel=bench`, { requestOptions: { agent } });
  let received = 0;
  client.onmessage = () => received++;
  await until(() => handler.heldPolls === 1, 'first poll held');
  const bytes = () => [...sockets].reduce((sum, s) => [sum[0] + s.bytesRead, sum[1] + s.bytesWritten], [0, 0]);
  const [read0, written0] = bytes();
  for (let n = 0; n < WIRE_MESSAGES; n += batch) {
    for (let i = 0; i < batch; i++) await hub.publish('bench', { data: PAYLOAD });
    await until(() => received === n + batch && handler.heldPolls === 1, 'long-poll delivery');
  }
  const [read1, written1] = bytes();
  client.close();
  handler.close();
  await shut(server);
  agent.destroy();
  await hub.close();
  return { received: (read1 - read0) / WIRE_MESSAGES, sent: (written1 - written0) / WIRE_MESSAGES };
}

export async function runSseBenchmarks(): Promise<void> {
  console.log(`\n## Server-Sent Events: ${CLIENTS} clients × ${MESSAGES} messages of 32 bytes, loopback, median of ${ROUNDS} rounds`);
  const starters = [startOurs, startOursChunked, startBetterSse];
  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    // Rotating the order, so no side always runs on a warmer or cooler process.
    const order = starters.map((_, i) => starters[(i + round) % starters.length]);
    const line: string[] = [];
    for (const start of order) {
      const { name, eventsPerSecond } = await fanOut(start);
      results.set(name, [...(results.get(name) ?? []), eventsPerSecond]);
      line.push(`${name} ${Math.round(eventsPerSecond)}`);
    }
    console.log(`  round ${round + 1} (events/s): ${line.join(', ')}`);
  }
  const theirs = median(results.get('better-sse')!);
  for (const [name, values] of results) {
    const m = median(values);
    console.log(`  ${name.padEnd(22)} ${Math.round(m).toLocaleString('en-US').padStart(10)} events/s delivered  (${(m / theirs).toFixed(2)}× better-sse)`);
  }

  console.log(`\n## Bytes received per 32-byte message (${WIRE_MESSAGES} messages, counted on the client socket)`);
  console.log(`  SSE, HTTP/1.1 close-delimited, switchboard (id + data): ${(await sseWireHttp1(startOurs)).toFixed(1)} B`);
  console.log(`  SSE, HTTP/1.1 chunked, switchboard (id + data): ${(await sseWireHttp1(startOursChunked)).toFixed(1)} B`);
  console.log(`  SSE, HTTP/1.1 chunked, better-sse (id + event + data): ${(await sseWireHttp1(startBetterSse)).toFixed(1)} B`);
  console.log(`  SSE, HTTP/2 h2c, switchboard: ${(await sseWireHttp2()).toFixed(1)} B`);
  console.log(`  WebSocket, one frame per message: ${(await webSocketWire(false)).toFixed(1)} B`);
  console.log(`  WebSocket, switchboard.v1 pub/sub message (channel + id + data): ${(await webSocketWire(true)).toFixed(1)} B`);
  const single = await longPollWire(1);
  console.log(`  long polling, 1 message per poll: ${single.received.toFixed(1)} B received + ${single.sent.toFixed(1)} B of requests`);
  const batched = await longPollWire(10);
  console.log(`  long polling, 10 messages per poll: ${batched.received.toFixed(1)} B received + ${batched.sent.toFixed(1)} B of requests`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`);
  await runSseBenchmarks();
}
