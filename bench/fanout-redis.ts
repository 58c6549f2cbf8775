// `npm run bench:redis`: fan-out across processes through Redis. Three cluster processes
// (examples/cluster: pub/sub over WebSocket on a RedisHub) with 1,000 WebSocket clients
// each, all subscribed to one channel; this process publishes 64-byte messages into the
// same Redis (a RedisHub of its own), and every message reaches all 3,000 clients through
// Redis Pub/Sub and each process's shared fan-out. The clients are raw sockets here that
// count frames by header. Publishing keeps at most `window` messages ahead of delivery.
//   node .bench-out/bench/fanout-redis.js [--processes=3] [--clients=1000] [--duration=3000]
//        [--warmup=1000] [--window=32] [--inflight=4] [--rounds=3]
// Needs Redis at REDIS_URL (default redis://127.0.0.1:6379) and the examples compiled
// (`npm run bench:redis` does both builds).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { RedisHub, nodeRedisCommander, nodeRedisSubscriber } from '../src/hub/index.js';
import { Opcode, encodeFrame } from '../src/protocol/websocket/index.js';
import { median, openMany } from './broadcast.js';
import { FrameCounter } from './frame-counter.js';
import { type RawConnection, openRawConnection } from './raw-client.js';

interface Options {
  processes: number;
  clients: number;
  duration: number;
  warmup: number;
  window: number;
  inflight: number;
  rounds: number;
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NODE_SCRIPT = fileURLToPath(new URL('../../.examples-out/cluster/main.js', import.meta.url));
const CHANNEL = 'bench';
const MASK = Buffer.from([0x12, 0x34, 0x56, 0x78]);

function parseOptions(argv: string[]): Options {
  const options: Options = { processes: 3, clients: 1000, duration: 3000, warmup: 1000, window: 32, inflight: 4, rounds: 3 };
  for (const arg of argv) {
    const match = /^--(\w+)=(\d+)$/.exec(arg);
    if (match === null || !(match[1] in options)) throw new Error(`Unknown argument ${arg}; see the header of bench/fanout-redis.ts`);
    options[match[1] as keyof Options] = Number(match[2]);
  }
  return options;
}

interface NodeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
}

function startNode(id: string, keyPrefix: string): Promise<NodeProcess> {
  const child = spawn(process.execPath, [NODE_SCRIPT, '--port', '0', '--node-id', id, '--redis', REDIS_URL, '--key-prefix', keyPrefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`node ${id} did not start`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /\{"ready":true[^\n]*\}/.exec(output);
      if (ready === null) return;
      clearTimeout(timer);
      resolve({ child, port: (JSON.parse(ready[0]) as { port: number }).port, stop });
    });
    void exited.then(() => reject(new Error(`node ${id} exited (is ${NODE_SCRIPT} built and Redis at ${REDIS_URL} up?)`)));
  });
}

async function measure(options: Options, round: number): Promise<{ deliveredPerSecond: number; publishesPerSecond: number }> {
  const keyPrefix = `switchboard-bench:${randomBytes(6).toString('hex')}:`;
  const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
  client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on('error', (error: Error) => console.error(`redis subscriber: ${error.message}`));
  await subscriber.connect();
  const hub = new RedisHub({ commander: nodeRedisCommander(client), subscriber: nodeRedisSubscriber(subscriber), keyPrefix });
  const nodes: NodeProcess[] = [];
  const connections: RawConnection[] = [];
  try {
    nodes.push(...(await Promise.all(Array.from({ length: options.processes }, (_, i) => startNode(`bench-${round}-${i}`, keyPrefix)))));
    const total = options.processes * options.clients;
    let frames = 0;
    let frameError: Error | undefined;
    const subscribe = Buffer.concat(encodeFrame(Buffer.from(JSON.stringify({ type: 'subscribe', channel: CHANNEL })), { opcode: Opcode.Text, mask: MASK }));
    for (const node of nodes) {
      const opened = await openMany(options.clients, () => openRawConnection(node.port, { path: '/ws', protocol: 'switchboard.v1' }));
      for (const connection of opened) {
        const counter = new FrameCounter(0x81);
        connection.onData = (chunk) => {
          try {
            frames += counter.count(chunk);
          } catch (error) {
            frameError ??= error as Error;
          }
        };
        connection.socket.write(subscribe);
      }
      connections.push(...opened);
    }
    // Every client's first frame is its `subscribed` marker.
    const deadline = Date.now() + 30_000;
    while (frames < total) {
      if (frameError !== undefined) throw frameError;
      if (Date.now() > deadline) throw new Error(`only ${frames} of ${total} clients subscribed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    frames = 0;

    let published = 0;
    let running = true;
    // Publishers that are `window` ahead of delivery wait here until frames come in.
    const waiting = new Set<() => void>();
    const data = 'x'.repeat(64);
    const publisher = async (): Promise<void> => {
      while (running) {
        if (published - frames / total >= options.window) {
          await new Promise<void>((resolve) => waiting.add(resolve));
          continue;
        }
        published++;
        await hub.publish(CHANNEL, { data });
      }
    };
    const wakeAll = (): void => {
      for (const wake of waiting) wake();
      waiting.clear();
    };
    const poke = setInterval(wakeAll, 1);
    const publishers = Array.from({ length: options.inflight }, publisher);
    await new Promise((resolve) => setTimeout(resolve, options.warmup));
    const framesBefore = frames;
    const publishedBefore = published;
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.duration));
    const seconds = (performance.now() - start) / 1000;
    const measuredFrames = frames - framesBefore;
    const measuredPublishes = published - publishedBefore;
    running = false;
    clearInterval(poke);
    wakeAll();
    await Promise.all(publishers);
    if (frameError !== undefined) throw frameError;
    const unexpected = connections.reduce((sum, connection) => sum + connection.unexpectedBytes, 0);
    if (unexpected > 0) throw new Error(`${unexpected} unexpected bytes`);
    return { deliveredPerSecond: measuredFrames / seconds, publishesPerSecond: measuredPublishes / seconds };
  } finally {
    for (const connection of connections) connection.socket.destroy();
    await Promise.all(nodes.map((node) => node.stop()));
    await hub.close();
    let cursor = '0';
    do {
      const reply = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', '1000'])) as [string, string[]];
      cursor = reply[0];
      if (reply[1].length > 0) await client.sendCommand(['DEL', ...reply[1]]);
    } while (cursor !== '0');
    await Promise.all([client.quit(), subscriber.quit()]);
  }
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  console.log(
    `Fan-out through Redis: ${options.processes} processes × ${options.clients} WebSocket clients on one channel, 64-byte messages, ` +
      `${options.rounds} rounds of ${options.duration} ms (after ${options.warmup} ms warm-up), at most ${options.window} messages ahead of delivery; ` +
      `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}, Node ${process.version}, Redis at ${REDIS_URL}`,
  );
  const delivered: number[] = [];
  const publishes: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const result = await measure(options, round);
    delivered.push(result.deliveredPerSecond);
    publishes.push(result.publishesPerSecond);
    console.log(`  round ${round + 1}: ${format(result.deliveredPerSecond)} messages delivered/s (${format(result.publishesPerSecond)} publishes/s)`);
  }
  console.log(`\n| processes × clients | messages delivered/s (median) | publishes/s (median) |`);
  console.log(`|---|---|---|`);
  console.log(`| ${options.processes} × ${format(options.clients)} | ${format(median(delivered))} | ${format(median(publishes))} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
