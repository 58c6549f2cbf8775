import type { AddressInfo } from 'node:net';
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSharedFrame } from '../../src/protocol/websocket/index.js';
import { type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';

// sendFrame to a quiet connection (no endpoint: the usual case in a broadcast) keeps
// the frame in the adapter and writes it as it is; anything else sent in the same turn
// must still reach the peer after it, and the frame counts as buffered until written.

/** A text frame encoded once, as a broadcast does (§5.6: opcode 1). */
const textFrame = (text: string): Buffer => encodeSharedFrame(Buffer.from(text), 1);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serverAndClients(count: number): Promise<{ connections: WebSocketConnection[]; clients: WS[] }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const connections: WebSocketConnection[] = [];
  server.on('connection', (connection) => connections.push(connection));
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = new WS(url);
      cleanups.push(() => client.terminate());
      await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
      return client;
    }),
  );
  while (connections.length < count) await new Promise((resolve) => setImmediate(resolve));
  // Let every endpoint come to rest (the handshake's turn is over).
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { connections, clients };
}

function record(client: WS): { events: string[]; closed: Promise<void> } {
  const events: string[] = [];
  client.on('message', (data: Buffer) => events.push(data.toString()));
  const closed = new Promise<void>((resolve) =>
    client.once('close', (code: number) => {
      events.push(`close ${code}`);
      resolve();
    }),
  );
  return { events, closed };
}

describe('sendFrame to a quiet connection', () => {
  it('reaches every client of a broadcast, and counts as buffered until the flush', async () => {
    const { connections, clients } = await serverAndClients(40);
    const got = clients.map((client) => new Promise<string>((resolve) => client.once('message', (data: Buffer) => resolve(data.toString()))));
    const frame = textFrame('to everyone');
    for (const connection of connections) expect(connection.sendFrame(frame)).toBe('sent');
    expect(connections.map((connection) => connection.bufferedAmount)).toEqual(connections.map(() => frame.length));
    expect(await Promise.all(got)).toEqual(clients.map(() => 'to everyone'));
    expect(connections.every((connection) => connection.bufferedAmount === 0)).toBe(true);
  });

  it('keeps the order of everything sent in the same turn, a close included', async () => {
    const { connections, clients } = await serverAndClients(1);
    const { events, closed } = record(clients[0]);
    const [connection] = connections;
    connection.sendFrame(textFrame('first'));
    connection.send('second');
    connection.sendFrame(textFrame('third'));
    connection.close(1000);
    await closed;
    expect(events).toEqual(['first', 'second', 'third', 'close 1000']);
  });

  it('comes before a close started in the same turn, and a frame after the close is refused', async () => {
    const { connections, clients } = await serverAndClients(1);
    const { events, closed } = record(clients[0]);
    const [connection] = connections;
    connection.sendFrame(textFrame('last words'));
    connection.close(1001);
    expect(connection.sendFrame(textFrame('too late'))).toBe('dropped');
    await closed;
    expect(events).toEqual(['last words', 'close 1001']);
  });

  it('calls back once written, and with an error when the socket is gone first', async () => {
    const { connections } = await serverAndClients(2);
    const written = await new Promise<unknown>((resolve) => connections[0].sendFrame(textFrame('a'), resolve));
    expect(written ?? undefined).toBeUndefined();
    const lost = new Promise<unknown>((resolve) => connections[1].sendFrame(textFrame('b'), resolve));
    connections[1].terminate();
    expect(await lost).toBeInstanceOf(Error);
  });

  it('is dropped without a throw when the socket is destroyed before the flush', async () => {
    const { connections, clients } = await serverAndClients(1);
    const { events, closed } = record(clients[0]);
    const [connection] = connections;
    const serverClosed = new Promise((resolve) => connection.once('close', resolve));
    connection.sendFrame(textFrame('never'));
    connection.terminate();
    await Promise.all([closed, serverClosed]);
    expect(events).toEqual(['close 1006']);
    expect(connection.bufferedAmount).toBe(0);
  });
});
