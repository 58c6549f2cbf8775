// `npm run bench:runtimes`: switchboard on Node, Bun and Deno side by side with each
// runtime's own server, in one run, driven by one load generator (this Node process,
// raw sockets; bench/raw-client.ts, bench/echo.ts's drive, bench/sse.ts's SSE readers).
// Servers (bench/runtimes/server.ts, each in a process of its own):
//   node: switchboard, ws, floor, msgfloor · bun: switchboard, native (Bun.serve), floor, msgfloor · deno: the same with Deno.serve
// `floor` is the same bytes with no library on that runtime's node:http/node:net (bench/floor-server.ts);
// `msgfloor` adds only what a message API must (unmasking, each message whole: bench/message-floor.ts), echo rows only.
// Rows: echo (32 B × 1 and × 16 in flight, 4 KiB, 1 MiB), broadcast of 64 B to 1,000
// clients, RSS per idle connection, SSE fan-out of 32 B events to 1,000 streams.
//   node .bench-out/bench/runtimes/main.js [--duration=2000] [--warmup=500] [--rounds=1]
//        [--only=<row name part>] [--targets=node:switchboard,bun:native,…] [--idle=2000]
//        [--json=<file>] [--profile=<dir>] [--pin=<generator CPU>:<server CPU>]
// Binaries: bench/runtimes/binaries.ts (env BUN / DENO, the repo's node_modules/.bin, PATH, /work/rt/node_modules/.bin).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openMany } from '../broadcast.js';
import { type EchoOptions, type Scenario, drive } from '../echo.js';
import { FrameCounter } from '../frame-counter.js';
import { openRawConnection } from '../raw-client.js';
import { openClients } from '../sse.js';
import { REPO, type Runtime, findBinary, runtimeCommand } from './binaries.js';
import { formatPairedRatio, median } from './ratios.js';
import type { ControlReply, ControlRequest, Impl } from './server.js';

interface Target {
  runtime: Runtime;
  impl: Impl;
}
const ALL_TARGETS: Target[] = [
  { runtime: 'node', impl: 'switchboard' },
  { runtime: 'node', impl: 'ws' },
  { runtime: 'node', impl: 'floor' },
  { runtime: 'node', impl: 'msgfloor' },
  { runtime: 'bun', impl: 'switchboard' },
  { runtime: 'bun', impl: 'native' },
  { runtime: 'bun', impl: 'floor' },
  { runtime: 'bun', impl: 'msgfloor' },
  { runtime: 'deno', impl: 'switchboard' },
  { runtime: 'deno', impl: 'native' },
  { runtime: 'deno', impl: 'floor' },
  { runtime: 'deno', impl: 'msgfloor' },
];
const label = (target: Target): string => `${target.runtime}:${target.impl}`;

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const numberArg = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);
const DURATION = numberArg('duration', 2000);
const WARMUP = numberArg('warmup', 500);
const ROUNDS = numberArg('rounds', 1);
const IDLE = numberArg('idle', 2000);
const ONLY = args.get('only') ?? '';
/** Write CPU profiles of the server processes here (see bench/runtimes/binaries.ts). */
const PROFILE = args.get('profile');
/**
 * `--pin=0:1`: the load generator (all its threads) on CPU 0, each server on CPU 1 (Linux
 * `taskset`), so the two never share a core and the scheduler does not move them. A
 * server's own helper threads (GC, JIT) share its core: its throughput is what one core does.
 */
const PIN = args.has('pin') ? (([generator, server]) => ({ generator, server }))((args.get('pin') ?? '0:1').split(':')) : undefined;
const PINNED = PIN ? `generator on CPU ${PIN.generator}, servers on CPU ${PIN.server}` : undefined;
const BROADCAST_CLIENTS = 1000;
const SSE_CLIENTS = 1000;
const SSE_MESSAGES = numberArg('sse-messages', 200);

const SCRIPT = fileURLToPath(new URL('./server.js', import.meta.url));

interface Controlled {
  readonly target: Target;
  readonly port: number;
  readonly ssePort: number;
  readonly runtimeVersion: string;
  request<T extends ControlReply['type']>(message: ControlRequest, answer: T, timeout?: number): Promise<Extract<ControlReply, { type: T }>>;
  send(message: ControlRequest): void;
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

async function start(target: Target): Promise<Controlled> {
  const [file, argv] = runtimeCommand(target.runtime, SCRIPT, [target.impl], PROFILE);
  const [command, commandArgs] = PIN ? ['taskset', ['-c', PIN.server, file, ...argv]] : [file, argv];
  const child: ChildProcess = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'inherit'], cwd: PROFILE ?? REPO });
  const waiting: Array<{ type: string; resolve: (reply: ControlReply) => void }> = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('@bench ')) return void console.log(`  [${label(target)}] ${line}`);
    const reply = JSON.parse(line.slice(7)) as ControlReply;
    const at = waiting.findIndex((wait) => wait.type === reply.type);
    if (at !== -1) waiting.splice(at, 1)[0].resolve(reply);
  });
  const next = <T extends ControlReply['type']>(type: T, timeout: number): Promise<Extract<ControlReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label(target)} did not answer '${type}' within ${timeout} ms`)), timeout);
      void exit.then(() => reject(new Error(`${label(target)} exited while waiting for '${type}'`)));
      waiting.push({
        type,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Extract<ControlReply, { type: T }>);
        },
      });
    });
  const send = (message: ControlRequest): void => void child.stdin!.write(`${JSON.stringify(message)}\n`);
  const ready = await next('ready', 20_000);
  return {
    target,
    port: ready.wsPort,
    ssePort: ready.ssePort,
    runtimeVersion: ready.runtime,
    send,
    request: (message, answer, timeout = 30_000) => {
      const reply = next(answer, timeout);
      send(message);
      return reply;
    },
    cpu: async () => (await (async () => {
      const reply = next('cpu', 10_000);
      send({ type: 'cpu' });
      return reply;
    })()).micros,
    stop: async () => {
      if (exited) return;
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// --- Rows ---
interface Row {
  name: string;
  unit: string;
  /** Higher is better (throughput); false for memory. */
  higherIsBetter: boolean;
  run(server: Controlled): Promise<number>;
}

const echoOptions: EchoOptions = {
  duration: DURATION,
  warmup: WARMUP,
  connections: 50,
  rounds: 1,
  scenario: '',
  only: undefined,
  cpuProf: undefined,
};
/** Messages per second of the server's own CPU time (echo and broadcast), by row and target: steadier than msg/s on a busy machine. */
const perCpu = new Map<string, number[]>();
const echoRow = (name: string, scenario: Scenario): Row => ({
  name,
  unit: 'msg/s',
  higherIsBetter: true,
  run: async (server) => {
    const measurement = await drive(server, scenario, echoOptions);
    const key = `${name}|${label(server.target)}`;
    perCpu.set(key, [...(perCpu.get(key) ?? []), measurement.messagesPerSecond / measurement.serverCpu]);
    return measurement.messagesPerSecond;
  },
});

const BROADCAST_ROW = 'broadcast 64 B to 1,000';
/** Messages delivered per second, over all clients, of 64-byte broadcasts to 1,000 clients. */
async function broadcast(server: Controlled): Promise<number> {
  const connections = await openMany(BROADCAST_CLIENTS, () => openRawConnection(server.port));
  const window = 32;
  const step = window / 4;
  let frames = 0;
  let reported = 0;
  for (const connection of connections) {
    const counter = new FrameCounter(0x81);
    connection.onData = (chunk) => {
      frames += counter.count(chunk);
      const delivered = Math.floor(frames / BROADCAST_CLIENTS);
      if (delivered >= reported + step) {
        reported = delivered;
        server.send({ type: 'progress', delivered });
      }
    };
  }
  try {
    server.send({ type: 'broadcast', window, size: 64 });
    await sleep(WARMUP * 2);
    const before = frames;
    const cpuBefore = await server.cpu();
    const began = performance.now();
    await sleep(DURATION);
    const cpuAfter = await server.cpu();
    const seconds = (performance.now() - began) / 1000;
    const rate = (frames - before) / seconds;
    const key = `${BROADCAST_ROW}|${label(server.target)}`;
    perCpu.set(key, [...(perCpu.get(key) ?? []), rate / ((cpuAfter - cpuBefore) / 1e6 / seconds)]);
    const stopped = await server.request({ type: 'broadcast-stop' }, 'broadcast-stopped');
    if (stopped.clients !== BROADCAST_CLIENTS) throw new Error(`${label(server.target)}: ${stopped.clients} clients, expected ${BROADCAST_CLIENTS}`);
    const unexpected = connections.reduce((sum, connection) => sum + connection.unexpectedBytes, 0);
    if (unexpected > 0) throw new Error(`${label(server.target)}: ${unexpected} unexpected bytes`);
    return rate;
  } finally {
    for (const connection of connections) connection.socket.destroy();
    await sleep(300);
  }
}

/** Events delivered per second: SSE_MESSAGES events of 32 bytes to SSE_CLIENTS streams, until the slowest has all. */
async function sseFanOut(server: Controlled): Promise<number> {
  const clients = await openClients(`http://127.0.0.1:${server.ssePort}/?channel=bench`, SSE_CLIENTS);
  try {
    const began = performance.now();
    const published = await server.request({ type: 'sse-publish', count: SSE_MESSAGES }, 'sse-published', 60_000);
    if (published.streams !== SSE_CLIENTS) throw new Error(`${label(server.target)}: ${published.streams} SSE streams, expected ${SSE_CLIENTS}`);
    const deadline = began + 60_000;
    while (clients.minimum() < SSE_MESSAGES) {
      if (performance.now() > deadline) throw new Error(`${label(server.target)}: SSE delivery incomplete after 60 s`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return (SSE_CLIENTS * SSE_MESSAGES) / ((performance.now() - began) / 1000);
  } finally {
    clients.close();
    await sleep(300);
  }
}

const SOURCES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** Bytes of RSS per idle connection (handshake only), in a fresh server process. */
async function idleMemory(server: Controlled): Promise<number> {
  await sleep(300);
  const before = await server.request({ type: 'memory' }, 'memory');
  if (!before.gc) throw new Error(`${label(server.target)}: no way to force a garbage collection`);
  let index = 0;
  const connections = await openMany(IDLE, () => openRawConnection(server.port, { localAddress: SOURCES[index++ % SOURCES.length] }), 100);
  await sleep(1000);
  const after = await server.request({ type: 'memory' }, 'memory');
  for (const connection of connections) connection.socket.destroy();
  if (after.wsClients !== IDLE) throw new Error(`${label(server.target)}: ${after.wsClients} clients, expected ${IDLE}`);
  return (after.rss - before.rss) / IDLE;
}

const KIB = 1024;
const rows: Row[] = [
  echoRow('echo 32 B, 1 in flight', { name: '32 B, 1 in flight', size: 32, inFlight: 1, connections: 50 }),
  echoRow('echo 32 B, 16 in flight', { name: '32 B, 16 in flight', size: 32, inFlight: 16, connections: 50 }),
  echoRow('echo 4 KiB', { name: '4 KiB, 1 in flight', size: 4 * KIB, inFlight: 1, connections: 50 }),
  echoRow('echo 1 MiB', { name: '1 MiB, 1 in flight', size: KIB * KIB, inFlight: 1, connections: 4 }),
  { name: BROADCAST_ROW, unit: 'msg/s', higherIsBetter: true, run: broadcast },
  { name: 'SSE fan-out 32 B to 1,000', unit: 'events/s', higherIsBetter: true, run: sseFanOut },
  { name: 'RSS per idle connection', unit: 'bytes', higherIsBetter: false, run: idleMemory },
].filter((row) => row.name.includes(ONLY));

function chosenTargets(): Target[] {
  const wanted = args.get('targets')?.split(',');
  const targets = ALL_TARGETS.filter((target) => !wanted || wanted.includes(label(target)));
  return targets.filter((target) => {
    if (target.runtime === 'node') return true;
    if (findBinary(target.runtime)) return true;
    console.log(`note: no ${target.runtime} binary found (set ${target.runtime.toUpperCase()}=…); ${label(target)} left out`);
    return false;
  });
}

async function main(): Promise<void> {
  if (PIN) execFileSync('taskset', ['-a', '-p', '-c', PIN.generator, String(process.pid)], { stdio: 'ignore' });
  const targets = chosenTargets();
  const versions = new Map<Runtime, string>();
  console.log(
    `Runtimes side by side: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg()[0].toFixed(2)}, ` +
      `${WARMUP} ms warm-up + ${DURATION} ms per measurement, median of ${ROUNDS} round(s), ` +
      `${PINNED ?? 'not pinned'}, ${new Date().toISOString()}`,
  );
  const results = new Map<string, Map<string, number[]>>();
  const record = (row: Row, target: Target, value: number): void => {
    const byTarget = results.get(row.name) ?? new Map<string, number[]>();
    results.set(row.name, byTarget);
    byTarget.set(label(target), [...(byTarget.get(label(target)) ?? []), value]);
  };
  const throughputRows = rows.filter((row) => row.higherIsBetter);
  const memoryRows = rows.filter((row) => !row.higherIsBetter);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so a drift in the machine's load does not always favour the same side.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    if (throughputRows.length > 0) {
      // Every server of the round at once (an idle one costs nothing measurable), each row measured on all
      // of them back to back: two servers' figures for a row are seconds apart, not minutes, so a
      // change in the machine's speed mostly cancels out of their ratio (pairedRatio, ratios.ts).
      const servers: Controlled[] = [];
      try {
        for (const target of order) {
          const server = await start(target);
          servers.push(server);
          versions.set(target.runtime, server.runtimeVersion);
        }
        for (const row of throughputRows) {
          for (const server of servers) {
            const target = server.target;
            // ws serves no SSE; the floor is the bare node:http stream on each runtime.
            if (row.run === sseFanOut && target.impl === 'ws') continue;
            // The message floor differs from the frame floor in echo only.
            if (target.impl === 'msgfloor' && !row.name.startsWith('echo')) continue;
            const value = await row.run(server);
            record(row, target, value);
            const cpu = perCpu.get(`${row.name}|${label(target)}`)?.at(-1);
            console.log(`  round ${round + 1} ${label(target).padEnd(17)} ${row.name.padEnd(26)} ${format(value)} ${row.unit}${cpu ? ` (${format(cpu)} per server CPU-s)` : ''}`);
          }
        }
      } finally {
        for (const server of servers) await server.stop();
      }
    }
    for (const target of order) {
      for (const row of target.impl === 'msgfloor' ? [] : memoryRows) {
        // A fresh process: what the echo rows allocated would hide what connections cost.
        const server = await start(target);
        versions.set(target.runtime, server.runtimeVersion);
        try {
          const value = await row.run(server);
          record(row, target, value);
          console.log(`  round ${round + 1} ${label(target).padEnd(17)} ${row.name.padEnd(26)} ${format(value)} ${row.unit}`);
        } finally {
          await server.stop();
        }
      }
    }
  }
  console.log(`\nRuntimes: ${[...versions.values()].join(', ')}`);
  const value = (row: Row, target: string): number | undefined => {
    const values = results.get(row.name)?.get(target);
    return values ? median(values) : undefined;
  };
  const labels = targets.map(label);
  const table: string[][] = [['row', ...labels]];
  for (const row of rows) table.push([`${row.name} (${row.unit})`, ...labels.map((target) => format(value(row, target)))]);
  printTable(table);

  const cpuRows = rows.filter((row) => labels.some((target) => perCpu.has(`${row.name}|${target}`)));
  if (cpuRows.length > 0) {
    console.log('\nMessages per second of server CPU time (steadier than msg/s when other work takes cores away):');
    const cpuTable: string[][] = [['row', ...labels]];
    for (const row of cpuRows) {
      cpuTable.push([row.name, ...labels.map((target) => format(perCpu.has(`${row.name}|${target}`) ? median(perCpu.get(`${row.name}|${target}`)!) : undefined))]);
    }
    printTable(cpuTable);
  }

  // Ratios: "how much of the other" — throughput a ÷ b; memory b ÷ a (so above 1 is better for switchboard, always).
  const ratio = (row: Row, a: string, b: string): string =>
    formatPairedRatio(results.get(row.name)?.get(a), results.get(row.name)?.get(b), row.higherIsBetter);
  const pairs: Array<[string, string, string]> = [
    ['node sb ÷ ws', 'node:switchboard', 'node:ws'],
    ['bun sb ÷ Bun.serve', 'bun:switchboard', 'bun:native'],
    ['deno sb ÷ Deno.serve', 'deno:switchboard', 'deno:native'],
    ['bun sb ÷ node sb', 'bun:switchboard', 'node:switchboard'],
    ['deno sb ÷ node sb', 'deno:switchboard', 'node:switchboard'],
    ['bun floor ÷ Bun.serve', 'bun:floor', 'bun:native'],
    ['deno floor ÷ Deno.serve', 'deno:floor', 'deno:native'],
    ['bun sb ÷ bun floor', 'bun:switchboard', 'bun:floor'],
    ['deno sb ÷ deno floor', 'deno:switchboard', 'deno:floor'],
    ['bun msgfloor ÷ Bun.serve', 'bun:msgfloor', 'bun:native'],
    ['deno msgfloor ÷ Deno.serve', 'deno:msgfloor', 'deno:native'],
    ['bun sb ÷ bun msgfloor', 'bun:switchboard', 'bun:msgfloor'],
    ['deno sb ÷ deno msgfloor', 'deno:switchboard', 'deno:msgfloor'],
  ];
  console.log(
    '\nRatios, the median of each round\'s ratio (memory inverted: above 1× means switchboard holds less; target ≥ 0.80× of native, ≥ 1.00× of switchboard on Node):',
  );
  const ratioTable: string[][] = [['row', ...pairs.map(([name]) => name)]];
  for (const row of rows) ratioTable.push([row.name, ...pairs.map(([, a, b]) => ratio(row, a, b))]);
  printTable(ratioTable);

  const json = args.get('json');
  if (json) {
    const rowsOut = rows.map((row) => ({
      name: row.name,
      unit: row.unit,
      higherIsBetter: row.higherIsBetter,
      values: Object.fromEntries(labels.map((target) => [target, results.get(row.name)?.get(target) ?? []])),
      perServerCpuSecond: Object.fromEntries(labels.map((target) => [target, perCpu.get(`${row.name}|${target}`) ?? []])),
    }));
    writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, pinned: PINNED, versions: Object.fromEntries(versions), rows: rowsOut }, null, 2));
    console.log(`\nwrote ${json}`);
  }
}

function format(value: number | undefined): string {
  if (value === undefined) return '–';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function printTable(table: string[][]): void {
  const widths = table[0].map((_, i) => Math.max(...table.map((line) => line[i].length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(show(table[0]));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of table.slice(1)) console.log(show(line));
}

await main();
process.exit(0);
