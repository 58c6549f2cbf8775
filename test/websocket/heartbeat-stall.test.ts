import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { type LeanWebSocket, LeanWebSocketServer } from '../../src/websocket/index.js';
import { sendPing } from '../../src/websocket/heartbeat.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

// A client on another thread, so it answers while this one is stalled: a bare socket that
// completes the handshake, then answers each ping 20 ms late with an empty masked pong.
const CLIENT = `
const { workerData } = require('node:worker_threads');
const net = require('node:net');
const socket = net.connect(workerData.port, '127.0.0.1', () => socket.write(
  'GET / HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n'));
let handshaken = false;
socket.on('data', (chunk) => {
  if (!handshaken) { handshaken = true; return; }
  // Every frame the server sends here is a ping with no payload (0x89 0x00).
  for (let i = 0; i + 1 < chunk.length; i += 2) {
    if (chunk[i] === 0x89) setTimeout(() => socket.write(Buffer.from([0x8a, 0x80, 0, 0, 0, 0])), 20);
  }
});
`;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

it('keeps a peer whose pong arrived while the process was stalled (the timer runs before the reads)', async () => {
  let connection: LeanWebSocket | undefined;
  const closes: number[] = [];
  let stalls = 0;
  const server = new LeanWebSocketServer({
    port: 0,
    host: '127.0.0.1',
    heartbeat: { interval: 200, timeout: 200 },
    handlers: {
      open: (ws) => {
        connection = ws;
        // After each ping goes out, stall the process longer than the timeout, in the
        // check phase (as a long broadcast or a GC would): the pong lands meanwhile.
        const ping = ws[sendPing].bind(ws);
        ws[sendPing] = () => {
          ping();
          stalls++;
          setImmediate(busy, 600);
        };
      },
      close: (_ws, code) => closes.push(code),
    },
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const worker = new Worker(CLIENT, { eval: true, workerData: { port: (server.address() as AddressInfo).port } });
  cleanups.push(() => worker.terminate());
  while (stalls < 3 && closes.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(closes).toEqual([]);
  expect(connection?.readyState).toBe(1);
});
