// `npm run bench:deflate`: permessage-deflate (RFC 7692) on realistic payloads — a chat
// message in JSON, a cursor update, a 64 KiB JSON document, random bytes — with
// compression off and on, our WebSocketServer against ws's with the same settings, each
// in a child process of its own, driven in the same run by the same load generator in
// this process (a `ws` client, so the client side costs both servers the same). For each
// cell: echoed messages per second, bytes on the wire per message each way (TCP payload:
// frame headers included), and the server's CPU time per message. Bounded: a warm-up and
// a fixed duration per cell.
// The machine it runs on may be shared: each cell is measured `rounds` times, the two
// servers alternating which goes first, and the median is printed.
//   node .bench-out/bench/deflate.js [--duration=1500] [--warmup=300] [--connections=4]
//        [--in-flight=16] [--rounds=3] [--payload=<name part>]
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import WS from 'ws';
import type { PerMessageDeflateOptions } from '../src/websocket/index.js';
import type { ServerKind } from './echo-server.js';
import { type ServerProcess, startServer } from './server-process.js';

process.env.WS_NO_BUFFER_UTIL = '1';
process.env.WS_NO_UTF_8_VALIDATE = '1';

interface Payload {
  name: string;
  binary: boolean;
  /** Variants sent in turn, so no two consecutive messages are the same. */
  variants: (string | Buffer)[];
}

interface Mode {
  name: string;
  /** Server options (ours' names); undefined for compression off. */
  deflate: PerMessageDeflateOptions | undefined;
}

interface Cell {
  payload: string;
  mode: string;
  server: ServerKind;
  messagesPerSecond: number;
  /** Bytes on the wire per message: client to server, server to client. */
  upBytes: number;
  downBytes: number;
  /** Server CPU per echoed message, µs. */
  cpuMicros: number;
  agreed: string;
}

const WORDS = (
  'the a to and of in is it you that for on was with he as I his they be at one have this from or had by hot word but what some ' +
  'we can out other were all there when up use your how said an each she which do their time if will way about many then them ' +
  'deploy logs morning migration timed out twice review fix test billing service lunch table dashboard charts meeting tomorrow ' +
  'release branch merge ticket customer ping anyone looked great thanks sure later today please wait done build broken green'
).split(' ');

/** A small deterministic generator (mulberry32), so every run sends the same messages. */
function generator(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function payloads(): Payload[] {
  const random = generator(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  // Chat: the envelope repeats (as pub/sub's JSON does), the words and numbers do not.
  const chat = Array.from({ length: 1024 }, (_, i) =>
    JSON.stringify({
      type: 'message',
      channel: 'room:lobby',
      id: `r-${Math.floor(random() * 1e9)}`,
      data: {
        user: pick(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']),
        text: Array.from({ length: 8 + Math.floor(random() * 8) }, () => pick(WORDS)).join(' '),
        ts: 1733040000000 + i * 1371 + Math.floor(random() * 1000),
      },
    }),
  );
  const cursor = Array.from({ length: 1024 }, () =>
    JSON.stringify({ type: 'cursor', user: `u-${Math.floor(random() * 50)}`, x: Math.floor(random() * 1920), y: Math.floor(random() * 1080) }),
  );
  const documents = Array.from({ length: 4 }, (_, variant) => {
    const rows: object[] = [];
    let json = '';
    for (let i = 0; json.length < 64 * 1024 - 200; i++) {
      rows.push({ id: i + variant * 10000, name: `item ${i}`, tags: ['alpha', 'beta', 'gamma'].slice(0, (i % 3) + 1), price: ((i * 7919) % 10000) / 100, stock: (i * 31) % 500, active: i % 5 !== 0 });
      json = JSON.stringify({ version: variant, rows });
    }
    return json;
  });
  // Incompressible, as already-compressed data (images, video, gzip) is; more variants than a 32 KiB window holds.
  const noise = Array.from({ length: 64 }, () => randomBytes(4096));
  return [
    { name: `chat JSON (~${chat[0].length} B)`, binary: false, variants: chat },
    { name: `cursor update (~${cursor[0].length} B)`, binary: false, variants: cursor },
    { name: `JSON document (${Math.round(documents[0].length / 1024)} KiB)`, binary: false, variants: documents },
    { name: 'random bytes (4 KiB)', binary: true, variants: noise },
  ];
}

const MODES: Mode[] = [
  { name: 'off', deflate: undefined },
  { name: 'on (takeover)', deflate: { threshold: 0 } },
  { name: 'on (no takeover)', deflate: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true } },
];

interface Options {
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  inFlight: number;
  payload: string;
}

async function measure(server: ServerProcess, payload: Payload, mode: Mode, options: Options): Promise<Cell> {
  const clientDeflate = mode.deflate === undefined ? false : { threshold: 0 };
  const clients = await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const ws = new WS(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: clientDeflate });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return ws;
    }),
  );
  const agreed = clients[0].extensions || 'none';
  let counting = false;
  let stopped = false;
  let echoed = 0;
  let turn = 0;
  for (const ws of clients) {
    const send = (): void => {
      if (!stopped) ws.send(payload.variants[turn++ % payload.variants.length], { binary: payload.binary });
    };
    ws.on('message', () => {
      if (counting) echoed++;
      send();
    });
    for (let i = 0; i < options.inFlight; i++) send();
  }
  const sockets = clients.map((ws) => (ws as unknown as { _socket: Socket })._socket);
  await new Promise((resolve) => setTimeout(resolve, options.warmup));
  const up0 = sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);
  const down0 = sockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
  const cpu0 = await server.cpu();
  counting = true;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.duration));
  counting = false;
  const seconds = (performance.now() - start) / 1000;
  const cpu1 = await server.cpu();
  const up = sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0) - up0;
  const down = sockets.reduce((sum, socket) => sum + socket.bytesRead, 0) - down0;
  stopped = true;
  await Promise.all(
    clients.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.terminate();
        }),
    ),
  );
  return {
    payload: payload.name,
    mode: mode.name,
    server: server.kind,
    messagesPerSecond: echoed / seconds,
    // Sent and echoed counts differ by at most the messages in flight: per echoed message is close enough.
    upBytes: up / echoed,
    downBytes: down / echoed,
    cpuMicros: (cpu1 - cpu0) / echoed,
    agreed,
  };
}

export async function runDeflateBenchmark(options: Options): Promise<Cell[]> {
  const runs: Cell[] = [];
  const chosen = payloads().filter((payload) => payload.name.includes(options.payload));
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of MODES) {
      // One process per server and mode, every payload through it; the servers alternate.
      const kinds = round % 2 === 0 ? (['switchboard', 'ws'] as const) : (['ws', 'switchboard'] as const);
      for (const kind of kinds) {
        const server = await startServer(kind, [], mode.deflate === undefined ? [] : [JSON.stringify(mode.deflate)]);
        try {
          for (const payload of chosen) runs.push(await measure(server, payload, mode, options));
        } finally {
          await server.stop();
        }
      }
    }
  }
  const cells = medians(runs);
  print(cells, chosen, options);
  return cells;
}

/** Per payload, mode and server: the median of each figure over the rounds. */
function medians(runs: Cell[]): Cell[] {
  const groups = new Map<string, Cell[]>();
  for (const run of runs) {
    const key = `${run.payload}|${run.mode}|${run.server}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  return [...groups.values()].map((group) => ({
    ...group[0],
    messagesPerSecond: median(group.map((cell) => cell.messagesPerSecond)),
    upBytes: median(group.map((cell) => cell.upBytes)),
    downBytes: median(group.map((cell) => cell.downBytes)),
    cpuMicros: median(group.map((cell) => cell.cpuMicros)),
  }));
}

function print(cells: Cell[], chosen: Payload[], options: Options): void {
  console.log(
    `\npermessage-deflate echo, ${options.connections} connections × ${options.inFlight} in flight, ${options.duration} ms per cell, ` +
      `median of ${options.rounds} rounds, ` +
      'a ws client for both servers; zlib level 6, memLevel 8, threshold 0 (every message compressed)',
  );
  const header = ['payload', 'compression', 'switchboard msg/s', 'ws msg/s', 'ours ÷ ws', 'bytes/msg up', 'bytes/msg down', 'wire ratio', 'server CPU µs/msg (ours / ws)'];
  const rows: string[][] = [];
  const find = (payload: string, mode: string, server: ServerKind): Cell => cells.find((cell) => cell.payload === payload && cell.mode === mode && cell.server === server)!;
  for (const payload of chosen) {
    const offOurs = find(payload.name, 'off', 'switchboard');
    for (const mode of MODES) {
      const ours = find(payload.name, mode.name, 'switchboard');
      const theirs = find(payload.name, mode.name, 'ws');
      rows.push([
        payload.name,
        mode.name,
        Math.round(ours.messagesPerSecond).toLocaleString('en-US'),
        Math.round(theirs.messagesPerSecond).toLocaleString('en-US'),
        `${(ours.messagesPerSecond / theirs.messagesPerSecond).toFixed(2)}×`,
        ours.upBytes.toFixed(0),
        `${ours.downBytes.toFixed(0)} (ws ${theirs.downBytes.toFixed(0)})`,
        `${(offOurs.downBytes / ours.downBytes).toFixed(2)}×`,
        `${ours.cpuMicros.toFixed(1)} / ${theirs.cpuMicros.toFixed(1)}`,
      ]);
    }
  }
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(show(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(show(row));
  const agreed = new Set(cells.map((cell) => `${cell.mode}: ${cell.agreed}`));
  console.log(`agreed: ${[...agreed].join('; ')}`);
  console.log('wire ratio: bytes per message server to client with compression off ÷ with this mode (ours).');
}

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
await runDeflateBenchmark({
  rounds: Number(args.get('rounds') ?? 3),
  duration: Number(args.get('duration') ?? 1500),
  warmup: Number(args.get('warmup') ?? 300),
  connections: Number(args.get('connections') ?? 4),
  inFlight: Number(args.get('in-flight') ?? 16),
  payload: args.get('payload') ?? '',
});
