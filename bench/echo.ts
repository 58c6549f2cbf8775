// `npm run bench:echo`: echo throughput and round-trip latency over loopback, our
// WebSocketServer (and LeanWebSocketServer, `switchboard echo`'s handlers) against ws's, each in a child process of its own, driven one after
// the other by the same load generator in this process, next to a floor: no WebSocket
// library at all, one read and one write per round trip (bench/floor-server.ts).
// Bounded: every phase stops by itself (warm-up + duration per scenario, fixed
// connection counts).
//   node .bench-out/bench/echo.js [--duration=3000] [--warmup=500] [--connections=50]
//        [--rounds=1] [--scenario=<name part>] [--only=switchboard|lean|ws|floor] [--cpu-prof=<dir>]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Opcode, encodeFrame } from '../src/protocol/websocket/index.js';
import type { ServerKind } from './echo-server.js';
import { FrameCounter } from './frame-counter.js';
import { type RawConnection, openRawConnection } from './raw-client.js';
import { type ServerProcess, startServer } from './server-process.js';

export interface EchoOptions {
  /** Measured time per scenario and server (ms). */
  duration: number;
  /** Unmeasured time before it, with the same load (ms). */
  warmup: number;
  /** Connections for the small-message scenarios. */
  connections: number;
  /** Repetitions, alternating which server goes first; the median by messages/s is reported. */
  rounds: number;
  /** Run only the scenarios whose name contains this. */
  scenario: string;
  /** Run one server only (for profiling). */
  only: ServerKind | undefined;
  /** Start the server processes with `--cpu-prof`, writing profiles here. */
  cpuProf: string | undefined;
}

export interface Scenario {
  name: string;
  size: number;
  /** Frames sent in one write per connection; the next write waits for all their echoes. */
  inFlight: number;
  connections: number;
}

export interface Measurement {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  /** Round trip of one write (all `inFlight` frames echoed), ms. */
  p50: number;
  p99: number;
  /** Share of one core the server process used during the measurement. */
  serverCpu: number;
  /** Share of one core this (load generator) process used. */
  loadCpu: number;
}

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
/** Latency samples kept per measurement; later round trips are still counted, not sampled. */
const MAX_SAMPLES = 1_000_000;
const enum Phase {
  Warmup,
  Measure,
  Stop,
}

function scenarios(options: EchoOptions): Scenario[] {
  const all: Scenario[] = [
    { name: '32 B, 1 in flight', size: 32, inFlight: 1, connections: options.connections },
    { name: '32 B, 16 in flight', size: 32, inFlight: 16, connections: options.connections },
    { name: '4 KiB, 1 in flight', size: 4096, inFlight: 1, connections: options.connections },
    { name: '1 MiB, 1 in flight', size: 1024 * 1024, inFlight: 1, connections: 4 },
  ];
  return all.filter((scenario) => scenario.name.includes(options.scenario));
}

/** One scenario against one server: connect, warm up, measure, stop, close. */
export async function drive(server: Pick<ServerProcess, 'port' | 'cpu'>, scenario: Scenario, options: EchoOptions): Promise<Measurement> {
  const frame = Buffer.concat(encodeFrame(Buffer.alloc(scenario.size, 0x61), { opcode: Opcode.Binary, mask: KEY }));
  // All the frames of one write, masked once, in one buffer: sending costs one write call.
  const batch = scenario.inFlight === 1 ? frame : Buffer.concat(Array.from({ length: scenario.inFlight }, () => frame));
  const connections = await Promise.all(Array.from({ length: scenario.connections }, () => openRawConnection(server.port)));

  let phase = Phase.Warmup;
  let messages = 0;
  let idle = 0;
  const latencies: number[] = [];
  let settle: (error?: Error) => void = () => {};
  const stopped = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  // Awaited after the measurement; until then, an early failure must not count as unhandled.
  stopped.catch(() => {});

  for (const connection of connections) {
    const socket = connection.socket;
    if (connection.unexpectedBytes > 0) throw new Error('The server sent frames before being asked');
    const counter = new FrameCounter();
    let pending = 0;
    let sentAt = 0;
    const fire = (): void => {
      pending = scenario.inFlight;
      sentAt = performance.now();
      socket.write(batch);
    };
    connection.onData = (chunk) => {
      let echoed: number;
      try {
        echoed = counter.count(chunk);
      } catch (error) {
        settle(error as Error);
        return;
      }
      if (phase === Phase.Measure) messages += echoed;
      pending -= echoed;
      if (pending > 0) return;
      if (pending < 0) return settle(new Error('The server echoed more frames than were sent'));
      if (phase === Phase.Measure && latencies.length < MAX_SAMPLES) latencies.push(performance.now() - sentAt);
      if (phase !== Phase.Stop) fire();
      else if (++idle === connections.length) settle();
    };
    socket.on('error', (error) => settle(error));
    socket.on('close', () => settle(new Error('The server closed a connection during the benchmark')));
    fire();
  }

  await sleep(options.warmup);
  const cpu0 = await server.cpu();
  const wall0 = performance.now();
  const load0 = process.cpuUsage();
  phase = Phase.Measure;
  const t0 = performance.now();
  await sleep(options.duration);
  phase = Phase.Stop;
  const t1 = performance.now();
  const load1 = process.cpuUsage(load0);
  const cpu1 = await server.cpu();
  const wall1 = performance.now();
  // Let the writes in flight come back, so each connection ends between two messages.
  const timeout = setTimeout(() => settle(new Error('Echoes still missing 10 s after the end of the measurement')), 10_000);
  try {
    await stopped;
  } finally {
    clearTimeout(timeout);
    await closeAll(connections);
  }

  const seconds = (t1 - t0) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    megabytesPerSecond: (messages * scenario.size) / seconds / 1e6,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    serverCpu: (cpu1 - cpu0) / 1000 / (wall1 - wall0),
    loadCpu: (load1.user + load1.system) / 1000 / (t1 - t0),
  };
}

/** A clean close (§7.1.2): a masked close frame with 1000, then the server ends TCP; destroyed after 2 s regardless. */
async function closeAll(connections: RawConnection[]): Promise<void> {
  const closeFrame = Buffer.concat(encodeFrame(Buffer.from([0x03, 0xe8]), { opcode: Opcode.Close, mask: KEY }));
  await Promise.all(
    connections.map(
      (connection) =>
        new Promise<void>((resolve) => {
          const socket = connection.socket;
          // The server's close frame and whatever else it sends now are read and ignored.
          connection.onData = () => {};
          socket.removeAllListeners('close');
          socket.on('error', () => {});
          if (socket.destroyed) return resolve();
          const timer = setTimeout(() => socket.destroy(), 2_000);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          socket.end(closeFrame);
        }),
    ),
  );
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface EchoRow {
  scenario: Scenario;
  results: Partial<Record<ServerKind, Measurement>>;
  /** Every round, in order, to show the spread. */
  rounds: Partial<Record<ServerKind, Measurement[]>>;
}

export async function runEchoBenchmarks(overrides: Partial<EchoOptions> = {}): Promise<EchoRow[]> {
  const options: EchoOptions = {
    duration: 3000,
    warmup: 500,
    connections: 50,
    rounds: 1,
    scenario: '',
    only: undefined,
    cpuProf: undefined,
    ...overrides,
  };
  const kinds: ServerKind[] = options.only ? [options.only] : ['switchboard', 'lean', 'ws', 'floor'];
  const execArgv = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : [];
  const servers: ServerProcess[] = [];
  const rows: EchoRow[] = [];
  try {
    for (const kind of kinds) servers.push(await startServer(kind, execArgv));
    for (const scenario of scenarios(options)) {
      const runs: Record<string, Measurement[]> = {};
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          const measurement = await drive(server, scenario, options);
          (runs[server.kind] ??= []).push(measurement);
        }
      }
      const results: EchoRow['results'] = {};
      for (const kind of kinds) results[kind] = median(runs[kind]);
      rows.push({ scenario, results, rounds: runs });
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  printEchoTable(rows, options);
  return rows;
}

function median(runs: Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function printEchoTable(rows: EchoRow[], options: EchoOptions): void {
  console.log(
    `\nWebSocket echo over loopback: switchboard vs ws, each server in its own process ` +
      `(${options.warmup} ms warm-up, ${options.duration} ms measured, median of ${options.rounds} round(s))`,
  );
  const header = [
    'scenario',
    'conns',
    'switchboard msg/s',
    'ws msg/s',
    'ratio',
    'lean API msg/s',
    'lean ÷ ws',
    'floor msg/s',
    'floor ÷ ws',
    'switchboard MB/s',
    'ws MB/s',
    'switchboard p50 / p99 ms',
    'ws p50 / p99 ms',
    'server CPU (sb / ws / floor)',
    'msg per server CPU-s (sb / ws)',
    'ratio per CPU-s',
  ];
  const number = (value: number | undefined): string =>
    value === undefined ? '–' : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
  const latency = (m: Measurement | undefined): string => (m ? `${m.p50.toFixed(3)} / ${m.p99.toFixed(3)}` : '–');
  const cpu = (m: Measurement | undefined): string => (m ? `${Math.round(m.serverCpu * 100)}%` : '–');
  // Messages per second of the server's own CPU time: steadier than messages/s when
  // other work on the machine takes cores away from the server.
  const perCpu = (m: Measurement | undefined): number | undefined => (m ? m.messagesPerSecond / m.serverCpu : undefined);
  const ratio = (a: Measurement | undefined, b: Measurement | undefined): string =>
    a && b ? `${(a.messagesPerSecond / b.messagesPerSecond).toFixed(2)}×` : '–';
  const lines = rows.map(({ scenario, results: { switchboard: ours, lean, ws: theirs, floor } }) => [
    scenario.name,
    String(scenario.connections),
    number(ours?.messagesPerSecond),
    number(theirs?.messagesPerSecond),
    ratio(ours, theirs),
    number(lean?.messagesPerSecond),
    ratio(lean, theirs),
    number(floor?.messagesPerSecond),
    ratio(floor, theirs),
    number(ours?.megabytesPerSecond),
    number(theirs?.megabytesPerSecond),
    latency(ours),
    latency(theirs),
    `${cpu(ours)} / ${cpu(theirs)} / ${cpu(floor)}`,
    `${number(perCpu(ours))} / ${number(perCpu(theirs))}`,
    ours && theirs ? `${(perCpu(ours)! / perCpu(theirs)!).toFixed(2)}×` : '–',
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => line[i].length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(show(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(show(line));
  console.log('\nPer round (messages/s), and the load generator\'s CPU share in the reported round:');
  for (const { scenario, results, rounds } of rows) {
    const parts = Object.entries(rounds).map(
      ([kind, runs]) =>
        `${kind} ${runs.map((m) => number(m.messagesPerSecond)).join(', ')} (load generator ${Math.round((results[kind as ServerKind]?.loadCpu ?? 0) * 100)}%)`,
    );
    console.log(`  ${scenario.name}: ${parts.join('; ')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
  const numberArg = (name: string): number | undefined => (args.has(name) ? Number(args.get(name)) : undefined);
  const overrides: Partial<EchoOptions> = {};
  if (numberArg('duration') !== undefined) overrides.duration = numberArg('duration');
  if (numberArg('warmup') !== undefined) overrides.warmup = numberArg('warmup');
  if (numberArg('connections') !== undefined) overrides.connections = numberArg('connections');
  if (numberArg('rounds') !== undefined) overrides.rounds = numberArg('rounds');
  if (args.has('scenario')) overrides.scenario = args.get('scenario');
  if (args.has('only')) overrides.only = args.get('only') as ServerKind;
  if (args.has('cpu-prof')) overrides.cpuProf = args.get('cpu-prof');
  await runEchoBenchmarks(overrides);
}
