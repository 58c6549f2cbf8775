// `npm run bench:broadcast`: one 64-byte text message broadcast to 1,000 WebSocket clients
// on one process, our server (encode once, sendFrame to each) against ws (client.send per
// client). Each server runs in a child process; the clients are raw sockets in this
// process that only count frames by their headers, so the load generator costs little.
// Reports messages delivered per second (frames received over all clients) and the ratio,
// for one broadcast per event-loop turn and for bursts of `burst` broadcasts per turn,
// next to a floor: a bare node:net server writing each frame to each socket.
//   node .bench-out/bench/broadcast.js [--clients=1000] [--size=64] [--duration=3000]
//        [--warmup=1000] [--window=32] [--rounds=3] [--burst=8]
import { type ChildProcess, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BroadcastKind, BroadcastReply, BroadcastRequest } from './broadcast-server.js';
import { FrameCounter } from './frame-counter.js';
import { type RawConnection, openRawConnection } from './raw-client.js';

interface Options {
  clients: number;
  size: number;
  duration: number;
  warmup: number;
  window: number;
  rounds: number;
  burst: number;
}

export interface BroadcastResult {
  kind: BroadcastKind;
  /** Frames received per second over all clients. */
  deliveredPerSecond: number;
  /** Broadcasts (one message to every client) per second. */
  broadcastsPerSecond: number;
  /** Share of one core the server used while measured (warm-up included). */
  serverCpu: number;
}

const SCRIPT = fileURLToPath(new URL('./broadcast-server.js', import.meta.url));

function parseOptions(argv: string[]): Options {
  const options: Options = { clients: 1000, size: 64, duration: 3000, warmup: 1000, window: 32, rounds: 3, burst: 8 };
  for (const arg of argv) {
    const match = /^--(\w+)=(\d+)$/.exec(arg);
    if (match === null || !(match[1] in options)) throw new Error(`Unknown argument ${arg}; see the header of bench/broadcast.ts`);
    options[match[1] as keyof Options] = Number(match[2]);
  }
  return options;
}

/** Opens `count` connections, `parallel` at a time. */
export async function openMany(count: number, open: () => Promise<RawConnection>, parallel = 100): Promise<RawConnection[]> {
  const connections: RawConnection[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      connections.push(await open());
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return connections;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function next<T extends BroadcastReply['type']>(child: ChildProcess, type: T, timeoutMs = 20_000): Promise<Extract<BroadcastReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`server did not send ${type} in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: BroadcastReply): void => {
      if (message.type === type) done(undefined, message as Extract<BroadcastReply, { type: T }>);
    };
    const onExit = (): void => done(new Error(`server exited before ${type}`));
    const done = (error?: Error, value?: Extract<BroadcastReply, { type: T }>): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function measure(kind: BroadcastKind, options: Options, burst: number): Promise<BroadcastResult> {
  const child = fork(SCRIPT, [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (request: BroadcastRequest): void => void child.send(request);
  try {
    const { port } = await next(child, 'ready');
    const connections = await openMany(options.clients, () => openRawConnection(port));
    let frames = 0;
    let reported = 0;
    const step = Math.max(1, Math.floor(options.window / 4));
    for (const connection of connections) {
      const counter = new FrameCounter(0x81);
      connection.onData = (chunk) => {
        frames += counter.count(chunk);
        const delivered = Math.floor(frames / options.clients);
        if (delivered >= reported + step) {
          reported = delivered;
          send({ type: 'progress', delivered });
        }
      };
    }
    send({ type: 'run', window: options.window, size: options.size, burst });
    await new Promise((resolve) => setTimeout(resolve, options.warmup));
    const framesBefore = frames;
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.duration));
    const seconds = (performance.now() - start) / 1000;
    const measured = frames - framesBefore;
    send({ type: 'stop' });
    const stopped = await next(child, 'stopped');
    if (stopped.clients !== options.clients) throw new Error(`${kind}: ${stopped.clients} clients connected, expected ${options.clients}`);
    const unexpected = connections.reduce((sum, connection) => sum + connection.unexpectedBytes, 0);
    if (unexpected > 0) throw new Error(`${kind}: ${unexpected} unexpected bytes`);
    for (const connection of connections) connection.socket.destroy();
    return {
      kind,
      deliveredPerSecond: measured / seconds,
      broadcastsPerSecond: measured / options.clients / seconds,
      serverCpu: stopped.cpuMicros / 1e6 / ((options.warmup + options.duration) / 1000),
    };
  } finally {
    child.kill();
  }
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  console.log(
    `Broadcast of a ${options.size}-byte text message to ${options.clients} clients, ${options.rounds} rounds of ${options.duration} ms ` +
      `(after ${options.warmup} ms warm-up), at most ${options.window} messages ahead of delivery; ` +
      `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}, Node ${process.version}`,
  );
  const table: string[] = [];
  for (const burst of [...new Set([1, options.burst])]) {
    console.log(`\n${burst} broadcast${burst === 1 ? '' : 's'} per event-loop turn`);
    const results: Record<BroadcastKind, BroadcastResult[]> = { switchboard: [], ws: [], floor: [] };
    for (let round = 0; round < options.rounds; round++) {
      // Alternate who goes first, so a drift in the machine's load hits both alike.
      const order: BroadcastKind[] = round % 2 === 0 ? ['switchboard', 'ws', 'floor'] : ['floor', 'ws', 'switchboard'];
      for (const kind of order) {
        const result = await measure(kind, options, burst);
        results[kind].push(result);
        console.log(
          `  round ${round + 1} ${kind.padEnd(11)} ${format(result.deliveredPerSecond)} messages delivered/s ` +
            `(${format(result.broadcastsPerSecond)} broadcasts/s, server CPU ${(result.serverCpu * 100).toFixed(0)} %)`,
        );
      }
    }
    const ours = median(results.switchboard.map((result) => result.deliveredPerSecond));
    const theirs = median(results.ws.map((result) => result.deliveredPerSecond));
    const floor = median(results.floor.map((result) => result.deliveredPerSecond));
    table.push(`| ${burst} | ${format(ours)} | ${format(theirs)} | ${(ours / theirs).toFixed(2)}× | ${format(floor)} |`);
  }
  console.log(`\n| broadcasts per turn | switchboard messages delivered/s | ws messages delivered/s | ratio | floor: bare socket.write |`);
  console.log(`|---|---|---|---|---|`);
  for (const line of table) console.log(line);
  console.log('(medians; target ≥ 1.6×)');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
