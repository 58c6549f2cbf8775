import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Opcode, encodeSharedFrame } from '../../src/protocol/websocket/index.js';
import { WebSocket, type WebSocketConnection, WebSocketServer, type WebSocketServerOptions } from '../../src/websocket/index.js';
import { compressionOf } from '../../src/websocket/adapter-operations.js';
import { IDLE_SWEEP } from '../../src/websocket/deflate-codec.js';
import { clientFrame } from '../support/raw-frame.js';
import { connectRawClient } from '../support/raw-websocket-client.js';
import { TestDeflater, TestInflater } from '../support/deflate-stream.js';

// What permessage-deflate changes for a connection's user: the threshold and
// the per-send override, the order of everything sent while zlib works (it is
// asynchronous), backpressure counted honestly (`bufferedAmount`, 'queued',
// 'drain', the buffer limit), reading paused while a message is inflated, and
// idle connections that hold no zlib stream.

const RSV1 = 4;
const OFFER = { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server(options: Partial<WebSocketServerOptions> = {}): Promise<{ port: number; next: () => Promise<WebSocketConnection> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, perMessageDeflate: true, ...options });
  await once(wss, 'listening');
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
  return { port: (wss.address() as AddressInfo).port, next: async () => ((await once(wss, 'connection')) as [WebSocketConnection])[0] };
}

async function pair(options: Partial<WebSocketServerOptions> = {}, client: ConstructorParameters<typeof WebSocket>[2] = {}) {
  const { port, next } = await server(options);
  const connected = next();
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, undefined, { perMessageDeflate: true, ...client });
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  return { ws, connection: await connected };
}

const big = (n: number, size = 4096): string => `message ${n} `.repeat(Math.ceil(size / 11)).slice(0, size);

describe('what is compressed', () => {
  it('messages below the threshold (1 KiB by default) go plain, larger ones with RSV1; compress: false overrides', async () => {
    const { port, next } = await server();
    const connected = next();
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    const connection = await connected;
    connection.send('x'.repeat(1023));
    connection.send('x'.repeat(1024));
    connection.send('x'.repeat(4096), { compress: false });
    connection.send(Buffer.alloc(4096));
    connection.ping('p');
    await peer.until(() => peer.messages.length === 4);
    const messages = peer.events.flatMap((event) => (event.type === 'message' ? [event] : []));
    expect(messages.map((message) => message.rsv)).toEqual([0, RSV1, 0, RSV1]);
    expect(messages.map((message) => message.data.length)).toEqual([1023, expect.any(Number), 4096, expect.any(Number)]);
    expect(messages[1].data.length).toBeLessThan(50);
    peer.destroy();
  });

  it('a connection that did not negotiate sends everything plain', async () => {
    const { port, next } = await server();
    const connected = next();
    const peer = await connectRawClient(port);
    const connection = await connected;
    expect(connection.extensions).toBe('');
    connection.send('x'.repeat(4096));
    await peer.until(() => peer.messages.length === 1);
    expect(peer.events[0]).toMatchObject({ type: 'message', rsv: 0 });
    peer.destroy();
  });
});

describe('order while zlib works', () => {
  it('compressed, plain, shared frames, pings and the close frame leave in the order they were sent', async () => {
    const { port, next } = await server({ perMessageDeflate: { serverNoContextTakeover: true } });
    const connected = next();
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    const connection = await connected;
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      const body = i % 3 === 0 ? `small ${i}` : big(i);
      sent.push(body);
      if (i % 5 === 0) connection.sendFrame(encodeSharedFrame(Buffer.from(body), Opcode.Text));
      else connection.send(body);
    }
    connection.close(1000, 'done');
    // Sent after close(): refused, never on the wire.
    const late: (Error | null | undefined)[] = [];
    connection.send(big(99), (error) => late.push(error));
    await peer.until(() => peer.closeFrame !== undefined);
    const inflater = new TestInflater({ noContextTakeover: true });
    const got: string[] = [];
    for (const event of peer.events) {
      if (event.type === 'message') got.push(event.rsv === RSV1 ? (await inflater.inflate(event.data)).toString() : event.data.toString());
    }
    expect(got).toEqual(sent);
    expect(peer.events.at(-1)).toEqual({ type: 'close', code: 1000, reason: 'done' });
    expect(late).toHaveLength(1);
    expect(late[0]?.message).toMatch(/not open/);
    peer.send(clientFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }));
    await peer.untilClosed();
  });

  it('close() with a code that may not be sent throws at once, even while messages wait', async () => {
    const { ws, connection } = await pair();
    connection.send(big(1));
    expect(() => connection.close(1005)).toThrow(RangeError);
    expect(await new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())))).toBe(big(1));
  });

  it('close() while a message is being inflated: the peer\'s close frame behind it is still read (clean close, no timeout)', { timeout: 10_000 }, async () => {
    const { port, next } = await server({ maxPayload: 256 * 1024 * 1024 });
    const connected = next();
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    const connection = await connected;
    const got: Buffer[] = [];
    connection.on('message', (data: Buffer) => got.push(data));
    const closed = new Promise<[number, string, boolean]>((resolve) => connection.on('close', (...args: [number, string, boolean]) => resolve(args)));
    // 128 MiB of zeros, about 128 KB compressed: inflating it takes a while, and our close() comes meanwhile.
    const payload = await new TestDeflater().compress(Buffer.alloc(128 * 1024 * 1024));
    connection.on('ping', () => setImmediate(() => connection.close(1000, 'bye')));
    peer.send(
      clientFrame({ opcode: Opcode.Ping, payload: 'now' }),
      clientFrame({ opcode: Opcode.Binary, rsv: RSV1, payload }),
      clientFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }),
    );
    const started = Date.now();
    const [code, , wasClean] = await closed;
    expect(code).toBe(1000);
    expect(wasClean).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    // Closing when it was inflated: not delivered. (Lengths: a failure quoting a 128 MiB
    // Buffer ran the worker out of heap on Deno.)
    expect(got.map((data) => data.length)).toEqual([]);
    await peer.untilClosed();
  });

  it('messages arriving compressed while the application pauses reading come out in order after resume', async () => {
    const { ws, connection } = await pair();
    const got: string[] = [];
    connection.on('message', (data: Buffer) => {
      got.push(data.toString());
      if (got.length === 3) {
        connection.pause();
        setTimeout(() => connection.resume(), 50);
      }
    });
    const sent = Array.from({ length: 20 }, (_, i) => (i % 2 ? `plain ${i}` : big(i)));
    for (const body of sent) ws.send(body);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => got.length === sent.length && (clearInterval(check), resolve()), 5);
    });
    expect(got).toEqual(sent);
  });
});

describe('backpressure counts compressed bytes', () => {
  it('bufferedAmount holds a message at its size until compressed, then the frame at its compressed size', async () => {
    const { ws, connection } = await pair();
    const body = big(1, 1024 * 1024);
    expect(connection.send(body)).toBe('queued');
    expect(connection.bufferedAmount).toBeGreaterThanOrEqual(body.length);
    const [data] = (await once(ws, 'message')) as [Buffer];
    expect(data.toString()).toBe(body);
    expect(connection.bufferedAmount).toBe(0);
  });

  it("'drain' comes once what was queued, compressed or not, has been handed to the kernel", async () => {
    const { ws, connection } = await pair();
    let count = 0;
    ws.on('message', () => count++);
    const results = Array.from({ length: 10 }, (_, i) => connection.send(big(i, 256 * 1024)));
    expect(results).toContain('queued');
    await once(connection, 'drain');
    expect(connection.bufferedAmount).toBeLessThanOrEqual(16 * 1024);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => count === 10 && (clearInterval(check), resolve()), 5);
    });
  });

  it('the buffer limit counts messages waiting for zlib at their full size', async () => {
    const { connection } = await pair({ maxBufferedAmount: 600 * 1024, onBufferLimit: 'drop' });
    expect(connection.send(big(1, 512 * 1024))).toBe('queued');
    expect(connection.send(big(2, 512 * 1024))).toBe('dropped');
  });
});

describe('idle connections hold no zlib stream', () => {
  it('without context takeover, the streams are freed once messages stop; with it, they are kept', { timeout: 10_000 }, async () => {
    const reset = await pair({ perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true } });
    const keep = await pair();
    for (const { ws, connection } of [reset, keep]) {
      ws.send(big(1));
      await once(connection, 'message');
      connection.send(big(2));
      await once(ws, 'message');
    }
    await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_SWEEP + 200));
    expect(reset.connection[compressionOf]?.codec.holdsStreams).toBe(false);
    expect(reset.ws[compressionOf]?.codec.holdsStreams).toBe(false);
    expect(keep.connection[compressionOf]?.codec.holdsStreams).toBe(true);
    keep.connection.close();
    await once(keep.connection, 'close');
    expect(keep.connection[compressionOf]?.codec.holdsStreams).toBe(false);
  });
});

describe('a raw client compressing with context takeover across many reads', () => {
  it('200 compressed messages in chops of 7 bytes echo back intact', { timeout: 20_000 }, async () => {
    const { port, next } = await server({ perMessageDeflate: { threshold: 0 } });
    const connected = next();
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    const connection = await connected;
    connection.on('message', (data: Buffer) => connection.send(data));
    const deflater = new TestDeflater();
    const frames: Buffer[] = [];
    for (let i = 0; i < 200; i++) frames.push(clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: await deflater.compress(Buffer.from(`{"n":${i},"text":"hello"}`)) }));
    await peer.sendInChops(Buffer.concat(frames), 7);
    await peer.until(() => peer.messages.length === 200, 15_000);
    const inflater = new TestInflater();
    for (const [i, message] of peer.messages.entries()) expect((await inflater.inflate(message.data)).toString()).toBe(`{"n":${i},"text":"hello"}`);
    peer.destroy();
  });
});
