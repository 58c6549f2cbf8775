// The server of `npm run bench:scale`: the pub/sub server (src/pubsub, switchboard.v1 on
// its own WebSocket server, whatever face createPubSubServer gives it) on /ws and the SSE
// handler on /sse?channel=…, both on one Hub: a MemoryHub for one process, a RedisHub
// when several processes share a backplane. Driven over IPC by bench/scale.ts; it
// measures itself: memory after gc(), CPU time, event-loop delay (monitorEventLoopDelay),
// and, told to publish, when (process.hrtime, the machine's monotonic clock, which every
// process shares) the message went into the hub.
//   node scale-server.js [--redis URL --key-prefix P] [--heartbeat-interval 3000] [--heartbeat-timeout 1000]
//                        [--backlog 4096] [--node-id ID]
import { createServer } from 'node:http';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { type Hub, MemoryHub, RedisHub, nodeRedisCommander, nodeRedisSubscriber } from '../src/hub/index.js';
import { createPubSubServer } from '../src/pubsub/index.js';
import { createSseHandler } from '../src/sse/index.js';
import { reportErrors } from './scale-procs.js';

export interface ServerMemory {
  type: 'memory';
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  ws: number;
  sse: number;
}

export type ScaleServerReply =
  | { type: 'ready'; port: number; pid: number }
  | ServerMemory
  | { type: 'cpu'; micros: number }
  | { type: 'loop'; p50: number; p99: number; max: number; mean: number }
  | { type: 'published'; at: string; settled: string }
  | { type: 'error'; message: string };

export type ScaleServerRequest =
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'loop-start' }
  | { type: 'loop-stop' }
  | { type: 'publish'; channel: string; data: string }
  | { type: 'stop' };

reportErrors();
const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    'key-prefix': { type: 'string', default: 'switchboard-bench-scale:' },
    'heartbeat-interval': { type: 'string', default: '3000' },
    'heartbeat-timeout': { type: 'string', default: '1000' },
    backlog: { type: 'string', default: '4096' },
    'node-id': { type: 'string', default: 'scale' },
  },
});

const send = (message: ScaleServerReply): void => {
  process.send?.(message);
};

let hub: Hub;
let quit = async (): Promise<void> => {};
if (values.redis === undefined) {
  hub = new MemoryHub();
} else {
  const client = createClient({ url: values.redis, disableOfflineQueue: true });
  client.on('error', (error: Error) => console.error(`${values['node-id']} redis: ${error.message}`));
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on('error', (error: Error) => console.error(`${values['node-id']} redis subscriber: ${error.message}`));
  await subscriber.connect();
  hub = new RedisHub({ commander: nodeRedisCommander(client), subscriber: nodeRedisSubscriber(subscriber), keyPrefix: values['key-prefix'] });
  quit = async () => void (await Promise.all([client.quit(), subscriber.quit()]));
}

const pubsub = createPubSubServer({
  hub,
  // Scaled down from 30 s / 10 s so that a hold of minutes sees dozens of rounds.
  server: { noServer: true, heartbeat: { interval: Number(values['heartbeat-interval']), timeout: Number(values['heartbeat-timeout']) } },
  onError: (error) => console.error(`${values['node-id']}: ${error.message}`),
});
const sse = createSseHandler({ hub, onError: (error) => console.error(`${values['node-id']} sse: ${error.message}`) });
let openSse = 0;

const http = createServer((request, response) => {
  if (request.url?.startsWith('/sse')) {
    openSse++;
    response.once('close', () => openSse--);
    sse(request, response);
    return;
  }
  response.writeHead(404).end();
});
// Idle connections are the point here: no HTTP timeouts on the streams.
http.requestTimeout = 0;
http.headersTimeout = 60_000;
http.keepAliveTimeout = 0;
http.on('upgrade', (request, socket, head) => {
  pubsub.wss.handleUpgrade(request, socket, head, () => {});
});

let loop: IntervalHistogram | undefined;

process.on('message', (request: ScaleServerRequest) => {
  switch (request.type) {
    case 'memory': {
      globalThis.gc?.();
      globalThis.gc?.();
      send({ type: 'memory', ...process.memoryUsage(), ws: pubsub.sessionCount, sse: openSse });
      return;
    }
    case 'cpu': {
      const usage = process.cpuUsage();
      send({ type: 'cpu', micros: usage.user + usage.system });
      return;
    }
    case 'loop-start':
      loop?.disable();
      loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      send({ type: 'loop', p50: 0, p99: 0, max: 0, mean: 0 });
      return;
    case 'loop-stop': {
      loop?.disable();
      const ms = (ns: number): number => ns / 1e6;
      send({ type: 'loop', p50: ms(loop?.percentile(50) ?? 0), p99: ms(loop?.percentile(99) ?? 0), max: ms(loop?.max ?? 0), mean: ms(loop?.mean ?? 0) });
      return;
    }
    case 'publish': {
      const at = process.hrtime.bigint();
      // `settled`: the publish resolved and the loop turned once, by when a MemoryHub's
      // fan-out has handed every frame to its socket (the kernel may still hold them).
      hub.publish(request.channel, { data: request.data }).then(
        () => setImmediate(() => send({ type: 'published', at: String(at), settled: String(process.hrtime.bigint()) })),
        (error: Error) => send({ type: 'error', message: `publish: ${error.message}` }),
      );
      return;
    }
    case 'stop':
      // The kernel closes the sockets: a close handshake with thousands is a benchmark of its own.
      void quit().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
      return;
  }
});

http.listen(0, '127.0.0.1', Number(values.backlog), () => {
  const address = http.address();
  send({ type: 'ready', port: address !== null && typeof address === 'object' ? address.port : 0, pid: process.pid });
});
