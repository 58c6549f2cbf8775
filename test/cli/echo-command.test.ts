import WS from 'ws';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ECHO_HANDLERS, echoMessages } from '../../src/cli/echo-handler.js';
import { runEcho } from '../../src/cli/echo-command.js';
import { LeanWebSocketServer, type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import { memoryIo } from '../support/cli/memory-io.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** A `ws` client that records every message and its close. */
async function connect(url: string) {
  const client = new WS(url);
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (data: Buffer, isBinary: boolean) => {
    received.push({ data, isBinary });
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  cleanups.push(async () => {
    if (client.readyState === WS.CLOSED) return;
    client.terminate();
    await closed;
  });
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  const messages = async (count: number): Promise<Received[]> => {
    while (received.length < count) await new Promise<void>((wake) => waiters.push(wake));
    return received.slice(0, count);
  };
  return { client, received, messages, closed };
}

async function startEcho() {
  const memory = memoryIo();
  const running = await runEcho({ port: 0, host: '127.0.0.1' }, memory.io);
  cleanups.push(() => running.close());
  return { running, memory };
}

describe('switchboard echo', () => {
  it('prints the URL it listens on, with the port it got', async () => {
    const { running, memory } = await startEcho();
    expect(running.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(running.url).not.toBe('ws://127.0.0.1:0');
    expect(memory.stdout()).toBe(`Echo server listening on ${running.url}\n`);
  });

  it('sends text back as text and binary as binary, in order', async () => {
    const { running } = await startEcho();
    const { client, messages } = await connect(running.url);
    client.send('hello');
    client.send(Buffer.from([0, 1, 2, 255]));
    client.send('κόσμε');
    client.send(Buffer.from('looks like text'), { binary: true });
    client.send('');
    const echoes = await messages(5);
    expect(echoes.map(({ data, isBinary }) => [isBinary, isBinary ? [...data] : data.toString()])).toEqual([
      [false, 'hello'],
      [true, [0, 1, 2, 255]],
      [false, 'κόσμε'],
      [true, [...Buffer.from('looks like text')]],
      [false, ''],
    ]);
  });

  it('takes what Autobahn group 9 sends: a 16 MiB message, and 4 MiB in 64-byte fragments', async () => {
    const { running } = await startEcho();
    const { client, messages, received } = await connect(running.url);
    const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
    client.send(big, { binary: true });
    const fragment = Buffer.alloc(64, 0x62);
    const fragments = (4 * 1024 * 1024) / 64;
    for (let i = 0; i < fragments; i++) client.send(fragment, { binary: false, fin: i === fragments - 1 });
    const [first, second] = await messages(2);
    expect(first.isBinary).toBe(true);
    expect(first.data.equals(big)).toBe(true);
    expect(second.isBinary).toBe(false);
    expect(second.data.length).toBe(4 * 1024 * 1024);
    expect(second.data.every((byte) => byte === 0x62)).toBe(true);
    expect(received).toHaveLength(2);
    expect(client.readyState).toBe(WS.OPEN);
  });

  it('close() closes the clients with 1001 (Going Away)', async () => {
    const { running } = await startEcho();
    const { closed } = await connect(running.url);
    await running.close();
    expect((await closed).code).toBe(1001);
  });
});

describe('echoMessages', () => {
  /** A server with a small send buffer, so a client that does not read fills it soon. */
  async function smallBufferServer(echo: (connection: WebSocketConnection) => void) {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxBufferedAmount: 1024 * 1024, heartbeat: false });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on('connection', echo);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `ws://127.0.0.1:${address.port}`;
  }

  const total = 20;
  const size = 256 * 1024;

  /** Sends 5 MiB to a server while not reading its echoes for a while, then reads. */
  async function floodWhileNotReading(url: string) {
    const connection = await connect(url);
    connection.client.pause();
    for (let i = 0; i < total; i++) connection.client.send(Buffer.alloc(size, i), { binary: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    connection.client.resume();
    return connection;
  }

  it('stops reading from a peer that does not read its echoes, instead of overflowing the send buffer', async () => {
    const url = await smallBufferServer(echoMessages);
    const { messages, client } = await floodWhileNotReading(url);
    const echoes = await messages(total);
    expect(echoes.map(({ data, isBinary }) => [isBinary, data.length, data[0]])).toEqual(
      Array.from({ length: total }, (_, i) => [true, size, i]),
    );
    expect(client.readyState).toBe(WS.OPEN);
  });

  it('does the same as the handlers of switchboard echo (a LeanWebSocketServer)', async () => {
    const server = new LeanWebSocketServer({ port: 0, host: '127.0.0.1', maxBufferedAmount: 1024 * 1024, heartbeat: false, handlers: ECHO_HANDLERS });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { messages, client } = await floodWhileNotReading(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const echoes = await messages(total);
    expect(echoes.map(({ data, isBinary }) => [isBinary, data.length, data[0]])).toEqual(
      Array.from({ length: total }, (_, i) => [true, size, i]),
    );
    expect(client.readyState).toBe(WS.OPEN);
  });

  it('(for contrast) an echo that ignores "queued" hits the buffer limit and closes with 1008', async () => {
    const url = await smallBufferServer((connection) =>
      connection.on('message', (data: Buffer, isBinary: boolean) => connection.send(data, { binary: isBinary })),
    );
    const { closed } = await floodWhileNotReading(url);
    expect((await closed).code).toBe(1008);
  });
});

describe('switchboard echo and permessage-deflate', () => {
  it('accepts it by default and compresses every echo, small ones included (RSV1 on the wire)', async () => {
    const { running } = await startEcho();
    const { connectRawClient } = await import('../support/raw-websocket-client.js');
    const { clientFrame } = await import('../support/raw-frame.js');
    const port = Number(new URL(running.url).port);
    const peer = await connectRawClient(port, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' }, allowedRsv: 4 });
    cleanups.push(() => peer.destroy());
    expect(peer.handshakeHead).toMatch(/^Sec-WebSocket-Extensions: permessage-deflate$/im);
    peer.send(clientFrame({ opcode: 1, payload: 'Hello' }));
    await peer.until(() => peer.messages.length === 1);
    // RFC 7692 §7.2.3.1: "Hello" compressed, c1 07 f2 48 cd c9 c9 07 00.
    expect(peer.received.subarray(0, 9).toString('hex')).toBe('c107f248cdc9c90700');
  });

  it('a ws client agrees on it, and group 9 sizes still echo intact', async () => {
    const { running } = await startEcho();
    const { client, messages } = await connect(running.url);
    expect(client.extensions).toBe('permessage-deflate');
    const big = Buffer.alloc(4 * 1024 * 1024, 'a');
    client.send(big);
    const [echo] = await messages(1);
    expect(echo.data.equals(big)).toBe(true);
  });

  it('--no-deflate (deflate: false) declines it', async () => {
    const memory = memoryIo();
    const running = await runEcho({ port: 0, host: '127.0.0.1', deflate: false }, memory.io);
    cleanups.push(() => running.close());
    const { client } = await connect(running.url);
    expect(client.extensions).toBe('');
  });
});
