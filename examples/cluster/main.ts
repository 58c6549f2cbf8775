// Starts one cluster process: a RedisHub on node-redis (or a MemoryHub), then the cluster app on a port.
//   node .examples-out/cluster/main.js --port 8081 --redis redis://127.0.0.1:6379 [--node-id a] [--key-prefix switchboard:]
// Prints one JSON line {"ready":true,"node":…,"port":…} once it listens; SIGTERM/SIGINT
// close the clients (WebSockets with 1001, so they come back elsewhere) and exit. With
// --drain-ms N, SIGTERM first drains over N ms (docs/scaling.md, "Graceful restarts with
// nginx"): it stops listening, sends every client away with a hint to come back at once
// (to another process behind nginx), prints {"drained":true,"ms":…}, then exits.
// `redis` is a dependency of this example, not of the switchboard package.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { type Hub, MemoryHub } from 'switchboard';
import { connectRedis } from '../shared/redis-connections.js';
import { createClusterApp } from './cluster-app.js';

const USAGE = 'usage: main.js [--port N] [--host H] [--redis URL|memory] [--node-id ID] [--key-prefix P] [--poll-hold-ms MS] [--heartbeat-ms MS] [--drain-ms MS]';
const { values } = readArguments();

function readArguments() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8081' },
        host: { type: 'string', default: '127.0.0.1' },
        redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
        'node-id': { type: 'string' },
        'key-prefix': { type: 'string', default: 'switchboard:' },
        'poll-hold-ms': { type: 'string', default: '25000' },
        'heartbeat-ms': { type: 'string', default: '25000' },
        'drain-ms': { type: 'string', default: '0' },
      },
      strict: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0 to 65535, got ${values.port}`);
const pollHoldMs = Number(values['poll-hold-ms']);
if (!Number.isInteger(pollHoldMs) || pollHoldMs < 0) fail(`--poll-hold-ms must be a whole number of ms, got ${values['poll-hold-ms']}`);
const heartbeatMs = Number(values['heartbeat-ms']);
if (!Number.isInteger(heartbeatMs) || heartbeatMs <= 0) fail(`--heartbeat-ms must be a positive whole number of ms, got ${values['heartbeat-ms']}`);
const drainMs = Number(values['drain-ms']);
if (!Number.isInteger(drainMs) || drainMs < 0) fail(`--drain-ms must be a whole number of ms, got ${values['drain-ms']}`);
const nodeId = values['node-id'] ?? `${hostname()}:${port}`;
const log = (line: string): void => console.error(`[${nodeId}] ${line}`);

// `--redis memory`: a MemoryHub of this process alone (no Redis; what it holds dies with it).
const redis = values.redis === 'memory' ? undefined : await connectRedis(values.redis, log);
const hub: Hub = redis?.hub({ keyPrefix: values['key-prefix'] }) ?? new MemoryHub();

const app = createClusterApp({ hub, nodeId, pollHoldMs, heartbeatMs, log });
app.server.on('error', (error) => fail(`cannot listen: ${error.message}`));
app.server.listen(port, values.host, () => {
  const address = app.server.address();
  const bound = address !== null && typeof address === 'object' ? address.port : port;
  console.log(JSON.stringify({ ready: true, node: nodeId, port: bound }));
});

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  if (drainMs > 0) {
    const started = Date.now();
    // Waited for at most a second past the window: a polling session whose next poll
    // went to another process (this one stopped listening) would otherwise hold the drain
    // until its sessionTimeout; close() ends what is left.
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs + 1000)));
    await Promise.race([app.drain({ windowMs: drainMs, retryAfterMs: 0 }), cap]);
    clearTimeout(timer);
    console.log(JSON.stringify({ drained: true, node: nodeId, ms: Date.now() - started }));
  }
  await app.close();
  await hub.close();
  await redis?.quit();
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stop().then(
      () => process.exit(0),
      (error: Error) => fail(`shutdown: ${error.message}`),
    );
  });
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
