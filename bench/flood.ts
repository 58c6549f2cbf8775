// `npm run bench:flood`: fairness under a tiny-frame flood (issue 9, section 4). One
// innocent client does sequential 32-byte echo round trips against an echo server in a
// child process, first alone, then while 50 flooder connections (from load processes
// of their own) send empty masked frames as fast as their sockets take them. Reported:
// the innocent client's p50 / p99 round trip with the flood off and on, and their
// ratio; for switchboard (framesPerTurn 256, the default; Infinity, no budget; and any
// values given) and ws, in the same run. Target: p50 < 50 ms, p99 < 200 ms under the flood.
//   node .bench-out/bench/flood.js [--duration=5000] [--warmup=1000] [--flooders=50]
//        [--load-processes=2] [--frames-per-turn=64,32] [--only=switchboard|ws]
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Opcode, encodeFrame } from '../src/protocol/websocket/index.js';
import type { FloodLoadReply, FloodLoadRequest } from './flood-load.js';
import type { FloodServerKind, FloodServerReply, FloodServerRequest } from './flood-server.js';
import { FrameCounter } from './frame-counter.js';
import { openRawConnection } from './raw-client.js';

interface FloodOptions {
  /** Measured time of each phase, flood off and flood on (ms). */
  duration: number;
  /** Time the flood runs before the measurement starts (ms). */
  warmup: number;
  flooders: number;
  loadProcesses: number;
  /** framesPerTurn values for switchboard besides the default and Infinity. */
  framesPerTurn: number[];
  only: FloodServerKind | undefined;
}

interface Config {
  label: string;
  kind: FloodServerKind;
  framesPerTurn?: number;
}

interface Latency {
  roundTrips: number;
  /** The last round trip had not come back CAP ms after the measurement's end: p99 and max are at least what is shown. */
  censored: boolean;
  p50: number;
  p99: number;
  max: number;
}

interface Row {
  config: Config;
  off: Latency;
  on: Latency;
  /** Messages the server read per second during the flood-on measurement. */
  floodRate: number;
  /** Share of one core the server used during it. */
  serverCpu: number;
  /** Flooder connections the server closed during the run. */
  closedByServer: number;
}

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
/** How long a last round trip is awaited past the measurement's end, so that every run ends (ms). */
const CAP = 30_000;
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Sequential round trips of one 32-byte binary message for `duration` ms (the last one is awaited). */
async function measureInnocent(send: () => void, setOnEcho: (onEcho: () => void) => void, duration: number): Promise<Latency> {
  const samples: number[] = [];
  const end = performance.now() + duration;
  let censored = false;
  await new Promise<void>((resolve) => {
    let sentAt = 0;
    const cap = setTimeout(() => {
      // Counted as taking as long as it has so far: a lower bound.
      censored = true;
      samples.push(performance.now() - sentAt);
      setOnEcho(() => undefined);
      resolve();
    }, duration + CAP);
    const fire = (): void => {
      sentAt = performance.now();
      send();
    };
    setOnEcho(() => {
      const now = performance.now();
      samples.push(now - sentAt);
      if (now < end) fire();
      else {
        clearTimeout(cap);
        resolve();
      }
    });
    fire();
  });
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { roundTrips: sorted.length, censored, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

async function runConfig(config: Config, options: FloodOptions): Promise<Row> {
  const serverArgs = config.kind === 'switchboard' ? [config.kind, String(config.framesPerTurn ?? 256)] : [config.kind];
  const server = fork(here('./flood-server.js'), serverArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const loaders: ChildProcess[] = [];
  try {
    const { port } = await reply<FloodServerReply, 'ready'>(server, 'ready');
    // A server starved by the flood may not answer its IPC channel for a long while:
    // then its read rate is unknown rather than the run lost.
    const count = async (): Promise<{ messages: number; cpuMicros: number }> => {
      const answer = reply<FloodServerReply, 'count'>(server, 'count', 10_000);
      server.send({ type: 'count' } satisfies FloodServerRequest);
      return answer.catch(() => ({ messages: NaN, cpuMicros: NaN }));
    };

    const innocent = await openRawConnection(port);
    const frame = Buffer.concat(encodeFrame(Buffer.alloc(32, 0x61), { opcode: Opcode.Binary, mask: KEY }));
    const counter = new FrameCounter();
    let onEcho = (): void => undefined;
    innocent.onData = (chunk) => {
      for (let echoes = counter.count(chunk); echoes > 0; echoes--) onEcho();
    };
    const send = (): void => void innocent.socket.write(frame);
    const setOnEcho = (callback: () => void): void => void (onEcho = callback);

    // Warm the server's code paths with the innocent client alone, then measure it alone.
    await measureInnocent(send, setOnEcho, options.warmup);
    const off = await measureInnocent(send, setOnEcho, options.duration);

    const perProcess = Math.ceil(options.flooders / options.loadProcesses);
    for (let index = 0, left = options.flooders; left > 0; index++, left -= perProcess) {
      loaders.push(fork(here('./flood-load.js'), [String(port), String(Math.min(perProcess, left))], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    }
    await Promise.all(loaders.map((loader) => reply<FloodLoadReply, 'ready'>(loader, 'ready', 60_000)));
    for (const loader of loaders) loader.send({ type: 'start' } satisfies FloodLoadRequest);
    await sleep(options.warmup);
    const before = await count();
    const t0 = performance.now();
    const on = await measureInnocent(send, setOnEcho, options.duration);
    const t1 = performance.now();
    const after = await count();
    const stopped = await Promise.all(
      loaders.map((loader) => {
        const answer = reply<FloodLoadReply, 'stopped'>(loader, 'stopped');
        loader.send({ type: 'stop' } satisfies FloodLoadRequest);
        return answer;
      }),
    );
    innocent.socket.destroy();
    return {
      config,
      off,
      on,
      floodRate: (after.messages - before.messages) / ((t1 - t0) / 1000),
      serverCpu: (after.cpuMicros - before.cpuMicros) / 1000 / (t1 - t0),
      closedByServer: stopped.reduce((sum, each) => sum + each.closedByServer, 0),
    };
  } finally {
    for (const loader of loaders) if (loader.exitCode === null) loader.kill();
    if (server.exitCode === null) server.send({ type: 'stop' } satisfies FloodServerRequest);
    await new Promise<void>((resolve) => {
      if (server.exitCode !== null) return resolve();
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      server.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function reply<Reply extends { type: string }, T extends Reply['type']>(child: ChildProcess, type: T, timeout = 30_000): Promise<Extract<Reply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: Reply): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<Reply, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`Child process exited (code ${code}) while waiting for '${type}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Child process did not answer '${type}' within ${timeout} ms`));
    }, timeout);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function printTable(rows: Row[], options: FloodOptions): void {
  console.log(
    `\nInnocent client's 32 B echo round trip, alone and next to ${options.flooders} flooders sending empty masked frames ` +
      `(${options.loadProcesses} load processes; ${options.warmup} ms flood before ${options.duration} ms measured)`,
  );
  const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(2));
  const header = ['server', 'flood off p50 / p99 ms', 'flood on p50 / p99 / max ms', 'round trips (on)', 'p50 on ÷ off', 'p99 on ÷ off', 'flood msg/s read', 'server CPU', 'flooders cut', 'target (p50 < 50, p99 < 200)'];
  const lines = rows.map(({ config, off, on, floodRate, serverCpu, closedByServer }) => [
    config.label,
    `${ms(off.p50)} / ${ms(off.p99)}`,
    `${on.censored ? '≥ ' : ''}${ms(on.p50)} / ${ms(on.p99)} / ${ms(on.max)}`,
    on.roundTrips.toLocaleString('en-US'),
    `${(on.p50 / off.p50).toFixed(1)}×`,
    `${(on.p99 / off.p99).toFixed(1)}×`,
    Number.isNaN(floodRate) ? 'no answer' : Math.round(floodRate).toLocaleString('en-US'),
    Number.isNaN(serverCpu) ? 'no answer' : `${Math.round(serverCpu * 100)}%`,
    String(closedByServer),
    on.p50 < 50 && on.p99 < 200 ? 'met' : 'missed',
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => line[i].length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(show(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(show(line));
  const base = rows.find((row) => row.config.kind === 'ws');
  if (rows.some((row) => row.on.censored)) console.log(`"≥": the last round trip had not come back ${CAP / 1000} s after the measurement; counted as its time so far.`);
  if (rows.some((row) => Number.isNaN(row.floodRate))) console.log('"no answer": the server process did not answer its IPC channel within 10 s during the flood.');
  if (base) {
    const times = (value: number): string => `${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1)}×`;
    const atLeast = base.on.censored ? 'at least ' : '';
    console.log(`\nws's flood-on round trip, divided by each of ours (${atLeast}how many times longer ws made the innocent client wait):`);
    for (const row of rows) if (row !== base) console.log(`  ${row.config.label}: p50 ${atLeast}${times(base.on.p50 / row.on.p50)}, p99 ${atLeast}${times(base.on.p99 / row.on.p99)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
  const numberArg = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);
  const options: FloodOptions = {
    duration: numberArg('duration', 5000),
    warmup: numberArg('warmup', 1000),
    flooders: numberArg('flooders', 50),
    loadProcesses: numberArg('load-processes', 2),
    framesPerTurn: args.has('frames-per-turn') ? args.get('frames-per-turn')!.split(',').map(Number) : [],
    only: args.get('only') as FloodServerKind | undefined,
  };
  const all: Config[] = [
    { label: 'switchboard (framesPerTurn 256, default)', kind: 'switchboard', framesPerTurn: 256 },
    ...options.framesPerTurn.map((value): Config => ({ label: `switchboard (framesPerTurn ${value})`, kind: 'switchboard', framesPerTurn: value })),
    { label: 'switchboard (framesPerTurn Infinity: no budget)', kind: 'switchboard', framesPerTurn: Infinity },
    { label: 'ws 8', kind: 'ws' },
  ];
  const configs = all.filter((config) => options.only === undefined || config.kind === options.only);
  const rows: Row[] = [];
  for (const config of configs) {
    rows.push(await runConfig(config, options));
    console.log(`  done: ${config.label}`);
  }
  printTable(rows, options);
}
