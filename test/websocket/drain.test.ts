import type { AddressInfo } from 'node:net';
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import { SOCKET_HIGH_WATER_MARK } from '../support/runtime.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Our server with a `ws` client that reads everything; resolves with the server side of the connection. */
async function connectedPair() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const accepted = new Promise<WebSocketConnection>((resolve) => server.once('connection', resolve));
  const client = new WS(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => client.terminate());
  const received: Buffer[] = [];
  client.on('message', (data: Buffer) => received.push(data));
  await new Promise((resolve) => client.once('open', resolve));
  return { connection: await accepted, received };
}

describe("'drain' after 'queued'", () => {
  it('comes even when the kernel takes the whole write at once (the socket itself emits no drain then)', async () => {
    const { connection } = await connectedPair();
    // The message waits in the outbox until the next tick: past the socket's high-water
    // mark (16 KiB on Node 20, 64 KiB on Bun and Deno), so 'queued'. Then it leaves in one
    // write that the kernel takes whole, and that returns true.
    expect(connection.send(Buffer.alloc(SOCKET_HIGH_WATER_MARK + 44 * 1024, 1))).toBe('queued');
    await new Promise<void>((resolve) => connection.once('drain', resolve));
    expect(connection.bufferedAmount).toBeLessThanOrEqual(SOCKET_HIGH_WATER_MARK);
  });

  it('lets a sender that waits for it after every queued send get everything through', async () => {
    const { connection, received } = await connectedPair();
    const count = 20;
    for (let i = 0; i < count; i++) {
      if (connection.send(Buffer.alloc(60 * 1024, i)) === 'queued') {
        await new Promise<void>((resolve) => connection.once('drain', resolve));
      }
    }
    while (received.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received.map((data) => [data.length, data[0]])).toEqual(Array.from({ length: count }, (_, i) => [60 * 1024, i]));
  });
});
