// The server side of `npm run bench:soak`, in a process of its own so that its heap and
// RSS are its alone: switchboard.v1 pub/sub over WebSocket on a RedisHub. Every
// `--sample-ms` it collects garbage (run with --expose-gc) and sends the parent a sample
// of its memory over IPC. Exits when told, or when the parent goes away.
//   node --expose-gc soak-server.js --redis redis://127.0.0.1:PORT [--sample-ms 5000]
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { RedisHub, nodeRedisCommander, nodeRedisSubscriber } from '../src/hub/index.js';
import { createPubSubServer } from '../src/pubsub/index.js';

export interface SoakSample {
  type: 'sample';
  /** ms since the server started. */
  at: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Open WebSocket connections, pub/sub sessions, and shared hub subscriptions. */
  connections: number;
  sessions: number;
  sharedSubscriptions: number;
  redisErrors: number;
}

export type SoakServerMessage = { type: 'ready'; port: number } | SoakSample;

const { values } = parseArgs({ options: { redis: { type: 'string' }, 'sample-ms': { type: 'string', default: '5000' } } });
if (values.redis === undefined) throw new Error('--redis is required');
const sampleMs = Number(values['sample-ms']);
const send = (message: SoakServerMessage): void => {
  process.send?.(message);
};

let redisErrors = 0;
// Offline queue off: while Redis is down, commands fail at once instead of piling up.
const client = createClient({ url: values.redis, disableOfflineQueue: true, pingInterval: 5_000 });
client.on('error', () => redisErrors++);
await client.connect();
const subscriber = client.duplicate();
subscriber.on('error', () => redisErrors++);
await subscriber.connect();
const hub = new RedisHub({ commander: nodeRedisCommander(client), subscriber: nodeRedisSubscriber(subscriber), keyPrefix: 'soak:', maxHistory: 1000 });
const pubsub = createPubSubServer({ hub, server: { port: 0, host: '127.0.0.1', backlog: 4096 } });
await new Promise<void>((resolve) => pubsub.wss.once('listening', () => resolve()));
const address = pubsub.wss.address();
const started = performance.now();

const collect = (globalThis as { gc?: () => void }).gc;
const sample = (): void => {
  // After a full collection the heap is what is retained, not what awaits collection.
  collect?.();
  const memory = process.memoryUsage();
  send({
    type: 'sample',
    at: performance.now() - started,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    rss: memory.rss,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    connections: pubsub.wss.clients.size,
    sessions: pubsub.sessionCount,
    sharedSubscriptions: pubsub.sharedSubscriptionCount,
    redisErrors,
  });
};
const timer = setInterval(sample, sampleMs);
sample();

const stop = async (): Promise<void> => {
  clearInterval(timer);
  await pubsub.close();
  await hub.close();
  await Promise.allSettled([client.quit(), subscriber.quit()]);
  process.exit(0);
};
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void stop();
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: address !== null && typeof address === 'object' ? address.port : 0 });
