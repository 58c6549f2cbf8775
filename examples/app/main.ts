// `npm start`: the mission app on http://localhost:8080 (PORT or --port to change).
// A MemoryHub by default; with REDIS_URL (or --redis URL) a RedisHub, so two
// processes on two ports share rooms, presence and history through Redis.
//   node .examples-out/app/main.js [--port 8080] [--host 127.0.0.1] [--redis URL] [--heartbeat-ms MS] [--build-line-ms MS]
import { parseArgs } from 'node:util';
import { MemoryHub } from 'switchboard';
import { connectRedis } from '../shared/redis-connections.js';
import { createMissionApp } from './mission-app.js';

const USAGE = 'usage: main.js [--port N] [--host H] [--redis URL] [--heartbeat-ms MS] [--build-line-ms MS]';
const { values } = readArguments();

function readArguments() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: process.env.PORT ?? '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        redis: { type: 'string', default: process.env.REDIS_URL },
        'heartbeat-ms': { type: 'string', default: '25000' },
        'build-line-ms': { type: 'string', default: '500' },
      },
      strict: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
}

const port = whole(values.port, 'port', 0, 65_535);
const heartbeatInterval = whole(values['heartbeat-ms'], 'heartbeat-ms', 1, 2 ** 31 - 1);
const buildLineMs = whole(values['build-line-ms'], 'build-line-ms', 1, 60_000);
const log = (line: string): void => console.error(line);

const redis = values.redis === undefined ? undefined : await connectRedis(values.redis, log);
const app = createMissionApp({
  makeHub: () => redis?.hub() ?? new MemoryHub(),
  hubKind: redis === undefined ? 'memory' : 'redis',
  heartbeatInterval,
  buildLineMs,
  log,
});
app.server.on('error', (error) => fail(`cannot listen on ${values.host}:${port}: ${error.message}`));
app.server.listen(port, values.host, () => {
  const address = app.server.address();
  const bound = address !== null && typeof address === 'object' ? address.port : port;
  const host = values.host === '127.0.0.1' ? 'localhost' : values.host;
  console.log(`Switchboard mission app on http://${host}:${bound} (hub: ${redis === undefined ? 'in memory' : `Redis at ${values.redis}`}); Ctrl-C stops it`);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    app
      .close()
      .then(() => redis?.quit())
      .then(
        () => process.exit(0),
        (error: Error) => fail(`shutdown: ${error.message}`),
      );
  });
}

function whole(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return value;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
