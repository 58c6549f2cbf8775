// `npm run bench:memory`: memory per idle WebSocket connection, our WebSocketServer
// against ws's, and the floor: a bare node:http upgrade with one 'data' listener
// (bench/floor-server.ts), what any WebSocket server on Node holds per connection. Each server runs in a child process started with --expose-gc; this
// process opens the connections (raw sockets, handshake only) and asks the child to
// collect garbage and report process.memoryUsage() before and after.
// Then the same with permessage-deflate negotiated (ours against ws, the same settings),
// with context takeover and without, and a third reading: after one compressed message
// each way and a few quiet seconds, which is when a kept compression context shows.
//   node .bench-out/bench/memory.js [--connections=10000] [--deflate-connections=1000] [--deflate=false] [--server-flags=--max-semi-space-size=1]
// --server-flags: V8/Node flags for every server process (comma-separated), e.g. a smaller young generation.
import { execFileSync } from 'node:child_process';
import { constants, deflateRawSync } from 'node:zlib';
import type { ServerKind, ServerReply } from './echo-server.js';
import { Opcode, encodeFrame } from '../src/protocol/websocket/index.js';
import type { PerMessageDeflateOptions } from '../src/websocket/index.js';
import { type RawConnection, openRawConnection } from './raw-client.js';
import { startServer } from './server-process.js';

type Memory = Extract<ServerReply, { type: 'memory' }>;

export interface MemoryResult {
  kind: ServerKind;
  connections: number;
  before: Memory;
  /** Connections open, handshake only, nothing sent since. */
  after: Memory;
  /** The same connections after one ping and its pong each, as a heartbeat does every 30 s. */
  afterPing: Memory;
  /** With permessage-deflate: after one compressed message echoed on each, then `QUIET` ms of silence. */
  afterMessage?: Memory;
}

/** What the deflate rows' clients offer: what every browser offers. */
const OFFER = 'permessage-deflate; client_max_window_bits';
/** Long enough for our idle sweep (two rounds of 1 s) to free streams a quiet connection does not need. */
const QUIET = 2500;

/** Loopback source addresses to spread the connections over, so no one address runs out of ephemeral ports. */
const SOURCES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** Handshakes in progress at once. */
const CONCURRENCY = 200;
/** File descriptors left for everything else (node itself, IPC, stdio). */
const FD_MARGIN = 200;

/** Both this process and the server hold one descriptor per connection: each needs `count` of its own. */
function allowedConnections(wanted: number): number {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (!Number.isFinite(limit) || limit >= wanted + FD_MARGIN) return wanted;
  const count = Math.max(0, limit - FD_MARGIN);
  console.log(`note: ulimit -n is ${limit}; measuring ${count} connections instead of ${wanted}`);
  return count;
}

async function openMany(port: number, count: number, extensions?: string): Promise<RawConnection[]> {
  const sockets: RawConnection[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const connection = await openRawConnection(port, { localAddress: SOURCES[index % SOURCES.length], timeout: 10_000, extensions });
      // Idle: nothing is sent or expected; a close from the server would only be logged.
      connection.socket.on('error', () => {});
      sockets.push(connection);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  } catch (error) {
    for (const { socket } of sockets) socket.destroy();
    throw error;
  }
  return sockets;
}

/** Flags for every server process, from --server-flags. */
const serverFlags: string[] = [];

export async function measureIdleMemory(kind: ServerKind, count: number, deflate?: PerMessageDeflateOptions): Promise<MemoryResult> {
  const server = await startServer(kind, ['--expose-gc', ...serverFlags], deflate === undefined ? [] : [JSON.stringify(deflate)]);
  const offer = deflate === undefined ? undefined : OFFER;
  let sockets: RawConnection[] = [];
  try {
    // One connection opened, pinged and closed first, so code loaded lazily for the first one is not counted.
    const [warm] = await openMany(server.port, 1, offer);
    await pingAll([warm]);
    if (deflate) await roundTripAll([warm], COMPRESSED);
    await new Promise<void>((resolve) => {
      warm.socket.once('close', () => resolve());
      warm.socket.destroy();
    });
    await waitForClients(server.memory, 0);
    const before = await server.memory();
    sockets = await openMany(server.port, count, offer);
    const after = await waitForClients(server.memory, count);
    await pingAll(sockets);
    const afterPing = await waitForClients(server.memory, count);
    if (!deflate) return { kind, connections: count, before, after, afterPing };
    await roundTripAll(sockets, COMPRESSED);
    await new Promise((resolve) => setTimeout(resolve, QUIET));
    const afterMessage = await waitForClients(server.memory, count);
    return { kind, connections: count, before, after, afterPing, afterMessage };
  } finally {
    for (const { socket } of sockets) socket.destroy();
    await server.stop();
  }
}

const PING = Buffer.concat(encodeFrame(Buffer.alloc(0), { opcode: Opcode.Ping, mask: Buffer.from([1, 2, 3, 4]) }));

/** A 2 KiB JSON chat backlog, compressed as a fresh context does (valid with or without takeover), RSV1 set (RFC 7692). */
const COMPRESSED = (() => {
  const json = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ type: 'message', channel: 'room:lobby', id: `r-${i}`, data: `line ${i} of the backlog` })));
  const payload = deflateRawSync(Buffer.from(json), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
  return Buffer.concat(encodeFrame(payload, { opcode: Opcode.Text, rsv: 4, mask: Buffer.from([1, 2, 3, 4]) }));
})();

function pingAll(connections: RawConnection[]): Promise<void> {
  return roundTripAll(connections, PING);
}

/** Sends each connection `frame` and waits for an answer on each (bounded: 20 s). */
async function roundTripAll(connections: RawConnection[], frame: Buffer): Promise<void> {
  const answered = connections.map(
    (connection) =>
      new Promise<void>((resolve) => {
        connection.onData = () => {
          connection.onData = () => {};
          resolve();
        };
        connection.socket.write(frame);
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Pongs still missing after 20 s')), 20_000);
  });
  try {
    await Promise.race([Promise.all(answered), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asks until the server counts `clients` open connections (bounded: 20 s). */
async function waitForClients(memory: () => Promise<Memory>, clients: number): Promise<Memory> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const reading = await memory();
    if (reading.clients === clients) return reading;
    if (Date.now() > deadline) throw new Error(`The server counts ${reading.clients} clients, expected ${clients}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function runMemoryBenchmark(wanted = 10_000, deflateWanted = 1000, withDeflate = true): Promise<MemoryResult[]> {
  const count = allowedConnections(wanted);
  const results: MemoryResult[] = [];
  for (const kind of ['switchboard', 'lean', 'ws', 'floor'] as const) results.push(await measureIdleMemory(kind, count));
  printMemoryTable(results);
  if (!withDeflate) return results;
  const deflateCount = allowedConnections(deflateWanted);
  const modes: [string, PerMessageDeflateOptions][] = [
    ['context takeover', {}],
    ['no context takeover', { serverNoContextTakeover: true, clientNoContextTakeover: true }],
  ];
  for (const [name, options] of modes) {
    const pair: MemoryResult[] = [];
    for (const kind of ['switchboard', 'ws'] as const) pair.push(await measureIdleMemory(kind, deflateCount, options));
    printDeflateTable(name, pair);
    results.push(...pair);
  }
  return results;
}

function printDeflateTable(mode: string, [ours, theirs]: MemoryResult[]): void {
  console.log(`\nWith permessage-deflate negotiated, ${mode} (${ours.connections} connections, zlib defaults, threshold 1 KiB)`);
  const rows: [string, Field, 'after' | 'afterPing' | 'afterMessage'][] = [
    ['heapUsed, handshake only', 'heapUsed', 'after'],
    ['rss, handshake only', 'rss', 'after'],
    ['heapUsed, after one compressed message each way', 'heapUsed', 'afterMessage'],
    ['rss, after one compressed message each way', 'rss', 'afterMessage'],
    ['external, after one compressed message each way', 'external', 'afterMessage'],
  ];
  const table = rows.map(([label, field, when]) => {
    const a = (ours[when]![field] - ours.before[field]) / ours.connections;
    const b = (theirs[when]![field] - theirs.before[field]) / theirs.connections;
    return [label, Math.round(a).toLocaleString('en-US'), Math.round(b).toLocaleString('en-US'), b > 0 ? `${(a / b).toFixed(2)}×` : '–'];
  });
  printTable(['measure', 'switchboard bytes/conn', 'ws bytes/conn', 'ratio'], table);
}

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => line[i].length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(show(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(show(line));
}

type Field = 'heapUsed' | 'rss' | 'external';

function perConnection(result: MemoryResult, field: Field, when: 'after' | 'afterPing'): number {
  return (result[when][field] - result.before[field]) / result.connections;
}

function printMemoryTable(results: MemoryResult[]): void {
  const [ours, lean, theirs, floor] = results;
  console.log(`\nMemory per idle WebSocket connection (${ours.connections} connections, after gc(), server in its own process)`);
  const header = ['measure', 'switchboard bytes/conn', 'lean API bytes/conn', 'ws bytes/conn', 'switchboard ÷ ws', 'lean ÷ ws', 'floor bytes/conn', 'floor ÷ ws'];
  const bytes = (value: number): string => Math.round(value).toLocaleString('en-US');
  const rows: [string, Field, 'after' | 'afterPing'][] = [
    ['heapUsed, handshake only', 'heapUsed', 'after'],
    ['heapUsed, after one ping', 'heapUsed', 'afterPing'],
    ['rss, handshake only', 'rss', 'after'],
    ['rss, after one ping', 'rss', 'afterPing'],
    ['external, after one ping', 'external', 'afterPing'],
  ];
  const lines = rows.map(([label, field, when]) => {
    const [a, l, b, c] = [ours, lean, theirs, floor].map((result) => perConnection(result, field, when));
    const ratio = (x: number): string => (b > 0 ? `${(x / b).toFixed(2)}×` : '–');
    return [label, bytes(a), bytes(l), bytes(b), ratio(a), ratio(l), bytes(c), ratio(c)];
  });
  printTable(header, lines);
  for (const result of results) {
    const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
    console.log(
      `${result.kind}: heapUsed ${mb(result.before.heapUsed)} → ${mb(result.after.heapUsed)} → ${mb(result.afterPing.heapUsed)}, ` +
        `rss ${mb(result.before.rss)} → ${mb(result.after.rss)} → ${mb(result.afterPing.rss)}`,
    );
  }
}

const args = new Map(process.argv.slice(2).map((arg) => /^--([^=]+)=?(.*)$/.exec(arg)!.slice(1, 3) as [string, string]));
if (args.get('server-flags')) serverFlags.push(...args.get('server-flags')!.split(','));
await runMemoryBenchmark(Number(args.get('connections') ?? 10_000), Number(args.get('deflate-connections') ?? 1000), args.get('deflate') !== 'false');
