import type { AddressInfo } from 'node:net';
import WS from 'ws';
import { afterEach, expect, it } from 'vitest';
import { LeanWebSocketServer, type WebSocketHandlers } from '../../src/websocket/index.js';

// The handlers are called as methods of the object given (`this` is it), as with
// Bun.serve's websocket handlers: lean-connection.ts calls them without bind.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

it('calls every handler with this set to the handlers object', async () => {
  const seen: string[] = [];
  let closed!: () => void;
  const serverClosed = new Promise<void>((resolve) => (closed = resolve));
  const handlers: WebSocketHandlers & { name: string } = {
    name: 'mine',
    message(ws, data) {
      seen.push(`message ${(this as { name: string }).name} ${data.toString()}`);
      ws.close(1000, 'done');
    },
    close() {
      seen.push(`close ${(this as { name: string }).name}`);
      closed();
    },
  };
  const server = new LeanWebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, handlers });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const client = new WS(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => client.terminate());
  await new Promise((resolve) => client.once('open', resolve));
  client.send('hi');
  await serverClosed;
  expect(seen).toEqual(['message mine hi', 'close mine']);
});
