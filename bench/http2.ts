// `npm run bench:http2`: WebSockets over HTTP/2 streams (RFC 8441) against HTTP/1.1, on
// loopback, our client against our server in one process.
// 1. Time to open the 2nd…100th WebSocket to one origin: over HTTP/2 each is a stream of
//    the session the first one opened (one round trip); over HTTP/1.1 + TLS each is a TCP
//    connection, a TLS handshake and an upgrade.
// 2. Echo throughput of one WebSocket: over an HTTP/2 stream vs a TCP connection, in
//    clear (h2c vs ws://) and over TLS (h2 vs HTTP/1.1). Bounded: fixed counts, 3 rounds.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type Http2SecureServer, type Http2Server, type Http2Session, createSecureServer, createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WebSocket, type WebSocketConnection, WebSocketServer } from '../src/websocket/index.js';

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const OPENS = Number(args.get('opens') ?? 100);
const ROUNDS = Number(args.get('rounds') ?? 3);
const tls = {
  key: readFileSync(new URL('../../test/support/sse/localhost-key.pem', import.meta.url)),
  cert: readFileSync(new URL('../../test/support/sse/localhost-cert.pem', import.meta.url)),
};
const clientTls = { ca: tls.cert, servername: 'localhost' };

interface Echo {
  url: string;
  /** In clear only: a plain HTTP/1.1 WebSocketServer beside the h2c one. */
  plainUrl?: string;
  close(): Promise<void>;
}

/** One server, both ways in: HTTP/1.1 upgrades and RFC 8441 streams (ALPN, or h2c's preface). */
async function startEcho(secure: boolean): Promise<Echo> {
  const http2Server: Http2Server | Http2SecureServer = secure ? createSecureServer({ ...tls, allowHTTP1: true }) : createServer();
  const sessions = new Set<Http2Session>();
  http2Server.on('session', (session: Http2Session) => sessions.add(session));
  const wss = new WebSocketServer({ http2Server, heartbeat: false, maxBufferedAmount: 256 * 1024 * 1024 });
  wss.on('connection', (ws: WebSocketConnection) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  // h2c has no ALPN: HTTP/1.1 clients get a plain WebSocketServer on a port of its own.
  const plain = secure ? undefined : new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, maxBufferedAmount: 256 * 1024 * 1024 });
  plain?.on('connection', (ws: WebSocketConnection) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  if (plain) await once(plain, 'listening');
  http2Server.listen(0, '127.0.0.1');
  await once(http2Server, 'listening');
  const port = (http2Server.address() as AddressInfo).port;
  return {
    url: `${secure ? 'wss' : 'ws'}://${secure ? 'localhost' : '127.0.0.1'}:${port}`,
    plainUrl: plain && `ws://127.0.0.1:${(plain.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => http2Server.close(resolve));
    },
  };
}

function open(url: string, http2: boolean): Promise<WebSocket> {
  const ws = new WebSocket(url, undefined, { http2, tls: clientTls, maxBufferedAmount: 256 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  })));
}

/** Milliseconds to open WebSockets 2…OPENS one after another, the first (which opens the session) excluded. */
async function openTimes(url: string, http2: boolean): Promise<number[]> {
  const sockets = [await open(url, http2)];
  const times: number[] = [];
  for (let i = 1; i < OPENS; i++) {
    const started = process.hrtime.bigint();
    sockets.push(await open(url, http2));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  if (http2 && sockets.some((ws) => ws.carrier !== 'http2-stream')) throw new Error('not over HTTP/2');
  await closeAll(sockets);
  return times;
}

/** Echoes `count` messages of `size` bytes through one WebSocket, sending under backpressure; MB/s each way. */
async function echoRate(url: string, http2: boolean, size: number, count: number): Promise<number> {
  const ws = await open(url, http2);
  const payload = Buffer.alloc(size, 0x61);
  let received = 0;
  const done = new Promise<void>((resolve) => ws.on('message', () => ++received === count && resolve()));
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (ws.send(payload) === 'queued') await once(ws, 'drain');
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await closeAll([ws]);
  return (size * count) / seconds / 1e6;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (value: number, digits = 2): string => value.toFixed(digits);

async function main(): Promise<void> {
  console.log(`Node ${process.version}, loopback, our client and server in one process; medians of ${ROUNDS} rounds`);
  const secure = await startEcho(true);
  const clear = await startEcho(false);

  console.log(`\nOpening WebSockets 2…${OPENS} to one origin, one after another (ms per WebSocket)`);
  console.log('| carrier | median | p90 | total for 2…' + OPENS + ' |');
  console.log('|---|---:|---:|---:|');
  for (const [name, http2] of [['HTTP/2 stream (RFC 8441, TLS)', true], ['HTTP/1.1 + TLS (new connection each)', false]] as const) {
    const rounds: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await openTimes(secure.url, http2));
    const medians = rounds.map(median);
    const p90s = rounds.map((times) => [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.9)]);
    const totals = rounds.map((times) => times.reduce((sum, time) => sum + time, 0));
    console.log(`| ${name} | ${fmt(median(medians), 3)} | ${fmt(median(p90s), 3)} | ${fmt(median(totals), 1)} |`);
  }

  console.log('\nEcho throughput of one WebSocket (MB/s of payload each way)');
  console.log('| carrier | 64 B × 20000 | 16 KiB × 2000 | 1 MiB × 32 |');
  console.log('|---|---:|---:|---:|');
  const cases: [string, string, boolean][] = [
    ['HTTP/2 stream, h2c', clear.url, true],
    ['TCP, ws://', clear.plainUrl!, false],
    ['HTTP/2 stream, TLS', secure.url, true],
    ['HTTP/1.1 + TLS, wss://', secure.url, false],
  ];
  for (const [name, url, http2] of cases) {
    const cells: string[] = [];
    for (const [size, count] of [[64, 20_000], [16 * 1024, 2000], [1024 * 1024, 32]]) {
      const rates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) rates.push(await echoRate(url, http2, size, count));
      cells.push(fmt(median(rates), 1));
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  await secure.close();
  await clear.close();
}

await main();
