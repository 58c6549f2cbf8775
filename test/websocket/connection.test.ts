import type { IncomingMessage } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import { FrameParser, type ParserEvent } from '../../src/protocol/websocket/index.js';
import { CLOSED, CLOSING, OPEN, WebSocket, WebSocketConnection, WebSocketServer, type WebSocketServerOptions } from '../../src/websocket/index.js';
import { clientFrame } from '../support/raw-frame.js';

// ---- Peers and clean-up ----

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type ServerOptions = Omit<WebSocketServerOptions, 'port' | 'server' | 'noServer'>;

async function startServer(options: ServerOptions = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Accepted {
  conn: WebSocketConnection;
  /** The upgrade request; its `socket` is the connection's TCP socket. */
  request: IncomingMessage;
}

function nextConnection(server: WebSocketServer): Promise<Accepted> {
  return new Promise((resolve) =>
    server.once('connection', (conn: WebSocketConnection, request: IncomingMessage) => resolve({ conn, request })),
  );
}

/** Our server-side connection with the `ws` client as the independent peer. */
async function withWsPeer(options: ServerOptions = {}) {
  const { server, url } = await startServer(options);
  const accepted = nextConnection(server);
  const peer = new WS(url);
  cleanups.push(() => peer.terminate());
  await new Promise<void>((resolve, reject) => {
    peer.once('open', () => resolve());
    peer.once('error', reject);
  });
  return { server, peer, ...(await accepted) };
}

interface RawPeer {
  socket: Socket;
  /** Every frame the server sent, in order. */
  events: ParserEvent[];
  /** How many 'data' chunks the socket delivered after the handshake. */
  chunks: number;
  /** Resolves once `events` holds at least `count` frames. */
  waitFor(count: number): Promise<void>;
}

/** A client made by hand on node:net, so the test sees the server's bytes as TCP delivers them. */
async function withRawPeer(options: ServerOptions = {}) {
  const { server } = await startServer(options);
  const accepted = nextConnection(server);
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const events: ParserEvent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const parser = new FrameParser({
    role: 'client',
    onEvent: (event) => {
      events.push(event);
      for (const waiter of waiters.filter((w) => events.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
  });
  const raw: RawPeer = {
    socket,
    events,
    chunks: 0,
    waitFor: (count) => (events.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
  await new Promise<void>((resolve) => {
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      expect(head.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
      socket.off('data', onHead);
      socket.on('data', (data: Buffer) => {
        raw.chunks++;
        parser.push(data);
      });
      if (end + 4 < head.length) parser.push(head.subarray(end + 4));
      resolve();
    };
    socket.on('data', onHead);
  });
  return { server, raw, ...(await accepted) };
}

function text(event: ParserEvent | undefined): string {
  if (event?.type !== 'message') throw new Error(`expected a message, got ${event?.type}`);
  return event.data.toString();
}

function received(peer: WS, count: number): Promise<{ data: Buffer; isBinary: boolean }[]> {
  const messages: { data: Buffer; isBinary: boolean }[] = [];
  return new Promise((resolve) => {
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      messages.push({ data, isBinary });
      if (messages.length === count) {
        peer.off('message', onMessage);
        resolve(messages);
      }
    };
    peer.on('message', onMessage);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function closeOf(conn: WebSocketConnection | WS): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    (conn as WebSocketConnection).once('close', (code: number, reason: Buffer | string) => resolve({ code, reason: reason.toString() })),
  );
}

/**
 * Runs `body` with Vitest's own 'uncaughtException' listeners set aside, so an
 * error the code under test rethrows on purpose is collected, not reported.
 */
async function collectUncaught(body: (caught: unknown[]) => Promise<void>): Promise<void> {
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const caught: unknown[] = [];
  const collect = (error: unknown): void => {
    caught.push(error);
  };
  process.on('uncaughtException', collect);
  try {
    await body(caught);
  } finally {
    process.off('uncaughtException', collect);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
}

// ---- Events ----

describe('events: an EventEmitter with a compact listener store', () => {
  it('adds, counts, lists and removes listeners of any name, and inherits no keys', () => {
    const conn = new WebSocketConnection();
    expect(conn.eventNames()).toEqual([]);
    const calls: string[] = [];
    const onMessage = (data: string): void => {
      calls.push(`message ${data}`);
    };
    conn.on('message', onMessage);
    conn.on('message', () => calls.push('second'));
    conn.once('custom', (value: number) => calls.push(`custom ${value}`));
    expect(conn.eventNames().sort()).toEqual(['custom', 'message']);
    expect(conn.listenerCount('message')).toBe(2);
    expect(conn.emit('message', 'a')).toBe(true);
    expect(conn.emit('custom', 1)).toBe(true);
    expect(conn.emit('custom', 2)).toBe(false);
    conn.off('message', onMessage);
    conn.emit('message', 'b');
    expect(calls).toEqual(['message a', 'second', 'custom 1', 'second']);
    conn.removeAllListeners('message');
    expect(conn.eventNames()).toEqual([]);
    // Names that Object.prototype has are events like any other.
    expect(conn.emit('toString')).toBe(false);
    expect(conn.listenerCount('constructor')).toBe(0);
    conn.on('hasOwnProperty', () => calls.push('own'));
    expect(conn.emit('hasOwnProperty')).toBe(true);
    expect(calls.at(-1)).toBe('own');
  });

  it("throws an 'error' emitted with no listener, as any EventEmitter does", () => {
    const conn = new WebSocketConnection();
    expect(() => conn.emit('error', new Error('boom'))).toThrow('boom');
    conn.on('error', () => {});
    expect(conn.emit('error', new Error('caught'))).toBe(true);
  });
});

// ---- Sending ----

describe('send(): data types and the binary flag', () => {
  it('sends strings as text and every kind of bytes as binary, honouring views and { binary }', async () => {
    const { conn, peer } = await withWsPeer();
    const arrival = received(peer, 9);
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const floats = new Float64Array([1.5, -2]);
    const view = new DataView(backing.buffer, 2, 3);
    expect(conn.send('héllo')).toBe('sent');
    conn.send(Buffer.from([1, 2, 3]));
    conn.send(new Uint8Array([4, 5]).buffer);
    conn.send(backing.subarray(5, 7));
    conn.send(floats);
    conn.send(view);
    conn.send(Buffer.from('text after all'), { binary: false });
    conn.send('bytes after all', { binary: true });
    conn.send(new Uint16Array([0x0102]), { binary: true });
    const messages = await arrival;
    expect(messages.map((m) => m.isBinary)).toEqual([false, true, true, true, true, true, false, true, true]);
    expect(messages[0].data.toString()).toBe('héllo');
    expect([...messages[1].data]).toEqual([1, 2, 3]);
    expect([...messages[2].data]).toEqual([4, 5]);
    expect([...messages[3].data]).toEqual([5, 6]);
    expect(new Float64Array(new Uint8Array(messages[4].data).buffer)).toEqual(floats);
    expect([...messages[5].data]).toEqual([2, 3, 4]);
    expect(messages[6].data.toString()).toBe('text after all');
    expect(messages[7].data.toString()).toBe('bytes after all');
    expect([...messages[8].data]).toEqual([...new Uint8Array(new Uint16Array([0x0102]).buffer)]);
  });

  it('sends empty messages and rejects what is not data with a TypeError', async () => {
    const { conn, peer } = await withWsPeer();
    const arrival = received(peer, 2);
    conn.send('');
    conn.send(Buffer.alloc(0));
    expect((await arrival).map((m) => [m.data.length, m.isBinary])).toEqual([
      [0, false],
      [0, true],
    ]);
    expect(() => conn.send(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('ping and pong', () => {
  it('answers a ping with a pong carrying the same payload, and emits ping', async () => {
    const { conn, peer } = await withWsPeer();
    const pinged = new Promise<Buffer>((resolve) => conn.once('ping', resolve));
    const ponged = new Promise<Buffer>((resolve) => peer.once('pong', resolve));
    peer.ping('are you there?');
    expect((await pinged).toString()).toBe('are you there?');
    expect((await ponged).toString()).toBe('are you there?');
  });

  it('sends pings (the peer answers, we emit pong) and unsolicited pongs', async () => {
    const { conn, peer } = await withWsPeer();
    const ourPong = new Promise<Buffer>((resolve) => conn.once('pong', resolve));
    const peerPing = new Promise<Buffer>((resolve) => peer.once('ping', resolve));
    expect(conn.ping(new Uint8Array([1, 2, 3]))).toBe('sent');
    expect([...(await peerPing)]).toEqual([1, 2, 3]);
    expect([...(await ourPong)]).toEqual([1, 2, 3]);
    const unsolicited = new Promise<Buffer>((resolve) => peer.once('pong', resolve));
    conn.pong('still here');
    expect((await unsolicited).toString()).toBe('still here');
    // An empty ping is allowed and answered too.
    const emptyPong = new Promise<Buffer>((resolve) => conn.once('pong', resolve));
    conn.ping();
    expect((await emptyPong).length).toBe(0);
  });

  it('throws a RangeError for a control payload over 125 bytes, accepts 125', async () => {
    const { conn, peer } = await withWsPeer();
    expect(() => conn.ping(Buffer.alloc(126))).toThrow(RangeError);
    expect(() => conn.pong('x'.repeat(126))).toThrow(RangeError);
    // Bytes, not characters.
    expect(() => conn.ping('é'.repeat(63))).toThrow(RangeError);
    const peerPing = new Promise<Buffer>((resolve) => peer.once('ping', resolve));
    conn.ping(Buffer.alloc(125, 7));
    expect((await peerPing).length).toBe(125);
    expect(conn.readyState).toBe(OPEN);
  });
});

describe('bufferedAmount, backpressure and buffer limits', () => {
  it("counts queued bytes, returns 'queued' past the socket's high-water mark, then 'drain' at 0", async () => {
    const { conn, peer } = await withWsPeer();
    expect(conn.bufferedAmount).toBe(0);
    expect(conn.send('small')).toBe('sent');
    expect(conn.bufferedAmount).toBe(2 + 5);
    const big = Buffer.alloc(1024 * 1024, 1);
    const arrival = received(peer, 2);
    const drained = new Promise<number>((resolve) => conn.once('drain', () => resolve(conn.bufferedAmount)));
    expect(conn.send(big)).toBe('queued');
    // Header of a 1 MiB server frame: 2 bytes + 8-byte length.
    expect(conn.bufferedAmount).toBe(7 + 10 + big.length);
    expect(await drained).toBe(0);
    const messages = await arrival;
    expect(messages[1].data.equals(big)).toBe(true);
  });

  it('keeps data buffered while the peer does not read, and drains when it reads again', async () => {
    const { conn, raw } = await withRawPeer();
    raw.socket.pause();
    const chunk = Buffer.alloc(1024 * 1024, 2);
    let sent = 0;
    // Fill the kernel's buffers on both ends, then some.
    while (sent < 64 && conn.send(chunk) !== 'dropped') {
      sent++;
      await sleep(1);
      if (conn.bufferedAmount > 4 * chunk.length) break;
    }
    expect(conn.bufferedAmount).toBeGreaterThan(4 * chunk.length);
    const before = conn.bufferedAmount;
    await sleep(50);
    // Nothing moves while the peer is not reading.
    expect(conn.bufferedAmount).toBe(before);
    const drained = new Promise<void>((resolve) => conn.once('drain', () => resolve()));
    raw.socket.resume();
    await drained;
    expect(conn.bufferedAmount).toBe(0);
    await raw.waitFor(sent);
    expect(raw.events.every((event) => event.type === 'message' && event.data.length === chunk.length)).toBe(true);
  });

  it("onBufferLimit 'drop' refuses the send and keeps the connection", async () => {
    const { conn, peer } = await withWsPeer({ maxBufferedAmount: 1000, onBufferLimit: 'drop' });
    const errors: (Error | null | undefined)[] = [];
    expect(conn.send(Buffer.alloc(2000), (error) => errors.push(error))).toBe('dropped');
    expect(errors.map((error) => error?.message)).toEqual(['Send buffer limit reached']);
    expect(conn.readyState).toBe(OPEN);
    expect(conn.bufferedAmount).toBe(0);
    const arrival = received(peer, 1);
    expect(conn.send('fits')).toBe('sent');
    expect((await arrival)[0].data.toString()).toBe('fits');
  });

  it("onBufferLimit 'close' (the default) closes with 1008", async () => {
    const { conn, peer } = await withWsPeer({ maxBufferedAmount: 1000 });
    const peerClosed = closeOf(peer);
    expect(conn.send(Buffer.alloc(2000))).toBe('dropped');
    expect(conn.readyState).toBe(CLOSING);
    expect(await peerClosed).toEqual({ code: 1008, reason: 'Send buffer limit reached' });
  });
});

describe('write batching', () => {
  it('writes 100 sends made in one tick with one socket write, in order', async () => {
    const { conn, raw, request } = await withRawPeer();
    const socket = request.socket;
    let writes = 0;
    const write = socket.write;
    socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      writes++;
      return write.apply(this, args);
    } as Socket['write'];
    for (let i = 0; i < 100; i++) conn.send(`message ${i}`);
    expect(writes).toBe(0);
    await raw.waitFor(100);
    expect(writes).toBe(1);
    expect(raw.events.map(text)).toEqual(Array.from({ length: 100 }, (_, i) => `message ${i}`));
    expect(raw.chunks).toBeLessThan(100);
  });

  it('answers everything one read brought with one write (echo of 50 frames sent in one TCP write)', async () => {
    const { conn, raw, request } = await withRawPeer();
    conn.on('message', (data: Buffer, isBinary: boolean) => conn.send(data, { binary: isBinary }));
    const frames = Array.from({ length: 50 }, (_, i) => clientFrame({ opcode: 1, payload: `echo ${i}` }));
    let writes = 0;
    const socket = request.socket;
    const write = socket.write;
    socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      writes++;
      return write.apply(this, args);
    } as Socket['write'];
    let reads = 0;
    socket.on('data', () => reads++);
    raw.socket.write(Buffer.concat(frames));
    await raw.waitFor(50);
    expect(raw.events.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `echo ${i}`));
    // At most one write per read of the socket (TCP may split the 50 frames into a few reads).
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(reads);
    expect(writes).toBeLessThan(50);
    expect(raw.chunks).toBeLessThan(50);
  });

  it('calls send callbacks after the write, in order, without an error', async () => {
    const { conn, peer } = await withWsPeer();
    const calls: string[] = [];
    const arrival = received(peer, 3);
    const allWritten = new Promise<void>((resolve) => {
      conn.send('a', (error) => calls.push(`a ${error ?? 'ok'}`));
      conn.send('b', { binary: true }, (error) => calls.push(`b ${error ?? 'ok'}`));
      conn.send('c', (error) => {
        calls.push(`c ${error ?? 'ok'}`);
        resolve();
      });
    });
    expect(calls).toEqual([]);
    await allWritten;
    expect(calls).toEqual(['a ok', 'b ok', 'c ok']);
    expect((await arrival).map((m) => m.data.toString())).toEqual(['a', 'b', 'c']);
  });

  it('fails the callbacks of data still queued when the connection is destroyed', async () => {
    const { conn } = await withWsPeer();
    const result = new Promise<Error | null | undefined>((resolve) => conn.send('never written', resolve));
    conn.terminate();
    expect((await result)?.message).toBe('WebSocket closed before the data was written');
  });
});

// ---- Receiving ----

describe('async iteration', () => {
  it('yields messages in order with isBinary, and ends when the connection closes', async () => {
    const { conn, peer } = await withWsPeer();
    for (let i = 0; i < 5; i++) peer.send(i % 2 === 0 ? `text ${i}` : Buffer.from([i]));
    peer.close(1000);
    const seen: string[] = [];
    for await (const { data, isBinary } of conn) seen.push(isBinary ? `binary ${data[0]}` : data.toString());
    expect(seen).toEqual(['text 0', 'binary 1', 'text 2', 'binary 3', 'text 4']);
    expect(conn.readyState).toBe(CLOSED);
  });

  it('pauses reading while a slow consumer lags behind highWaterMark, and resumes as it catches up', async () => {
    const { conn, peer } = await withWsPeer();
    const count = 20;
    for (let i = 0; i < count; i++) peer.send(`m${i}`);
    const seen: string[] = [];
    const paused: boolean[] = [];
    for await (const { data } of conn.messages({ highWaterMark: 2 })) {
      paused.push(conn.readingPaused);
      seen.push(data.toString());
      if (seen.length === count) break;
      await sleep(5);
    }
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    expect(paused).toContain(true);
    expect(conn.readingPaused).toBe(false);
  });

  it('resumes reading after a break out of the loop, and the connection keeps working', async () => {
    const { conn, peer } = await withWsPeer();
    for (let i = 0; i < 10; i++) peer.send(`m${i}`);
    let first = '';
    for await (const { data } of conn.messages({ highWaterMark: 2 })) {
      first = data.toString();
      // Let the other messages arrive and pile up, so reading is paused at the break.
      await sleep(50);
      expect(conn.readingPaused).toBe(true);
      break;
    }
    expect(first).toBe('m0');
    expect(conn.readingPaused).toBe(false);
    expect(conn.listenerCount('message')).toBe(0);
    const later: string[] = [];
    const done = new Promise<void>((resolve) =>
      conn.on('message', (data: Buffer) => {
        later.push(data.toString());
        if (data.toString() === 'after the break') resolve();
      }),
    );
    peer.send('after the break');
    await done;
    // Messages queued in the iterator at the break are discarded with it; any that were
    // still unread in the socket come next, in order, then the new one.
    const unread = later.slice(0, -1).map((m) => Number(m.slice(1)));
    expect(unread).toEqual([...unread].sort((a, b) => a - b));
    expect(unread.every((n) => n >= 2 && n <= 9)).toBe(true);
    expect(later.at(-1)).toBe('after the break');
  });

  it('ends at once when created after the connection closed', async () => {
    const { conn, peer } = await withWsPeer();
    const closed = closeOf(conn);
    peer.close();
    await closed;
    const next = await Promise.race([conn.messages().next(), sleep(200).then(() => 'still pending')]);
    expect(next).toEqual({ value: undefined, done: true });
    expect(conn.listenerCount('message') + conn.listenerCount('close')).toBe(0);
  });
});

describe('listener exceptions', () => {
  it('rethrows an exception from a message listener on its own tick and still delivers the next message of the same chunk', async () => {
    const { conn, raw } = await withRawPeer();
    const delivered: string[] = [];
    conn.on('message', (data: Buffer) => delivered.push(data.toString()));
    conn.on('message', (data: Buffer) => {
      if (data.toString() === 'boom') throw new Error('listener failed');
    });
    conn.on('message', (data: Buffer) => conn.send(`echo ${data.toString()}`));
    await collectUncaught(async (caught) => {
      // Both frames in one TCP write: the exception must not cut the chunk short.
      raw.socket.write(Buffer.concat([clientFrame({ opcode: 1, payload: 'boom' }), clientFrame({ opcode: 1, payload: 'after' })]));
      await raw.waitFor(1);
      await sleep(20);
      expect(caught.map((error) => (error as Error).message)).toEqual(['listener failed']);
    });
    expect(delivered).toEqual(['boom', 'after']);
    // The listener after the one that threw missed 'boom', as with any EventEmitter; 'after' got through.
    expect(raw.events.map(text)).toEqual(['echo after']);
    expect(conn.readyState).toBe(OPEN);
    raw.socket.write(clientFrame({ opcode: 1, payload: 'still fine' }));
    await raw.waitFor(2);
    expect(text(raw.events[1])).toBe('echo still fine');
  });
});

// ---- Closing ----

describe('closing', () => {
  it('a server close reaches the client with code and reason; the server closes TCP first (§7.1.1)', async () => {
    const { conn, raw } = await withRawPeer();
    const tcpEnded = new Promise<void>((resolve) => raw.socket.once('end', () => resolve()));
    const serverClosed = new Promise<[number, string, boolean]>((resolve) =>
      conn.once('close', (code: number, reason: string, wasClean: boolean) => resolve([code, reason, wasClean])),
    );
    conn.close(4001, 'bye');
    expect(conn.readyState).toBe(CLOSING);
    await raw.waitFor(1);
    expect(raw.events[0]).toEqual({ type: 'close', code: 4001, reason: 'bye' });
    // The client echoes; the server must then end the TCP connection without being asked.
    raw.socket.write(clientFrame({ opcode: 8, payload: Buffer.from([0x0f, 0xa1]) }));
    await tcpEnded;
    raw.socket.end();
    expect(await serverClosed).toEqual([4001, '', true]);
  });

  it('our client waits for the server to close TCP after the handshake, and both see a clean close', async () => {
    const { server, url } = await startServer();
    const accepted = nextConnection(server);
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    await new Promise((resolve) => ws.once('open', resolve));
    const { conn } = await accepted;
    const serverSide = new Promise<[number, boolean]>((resolve) => conn.once('close', (code: number, _r: string, clean: boolean) => resolve([code, clean])));
    const clientSide = new Promise<[number, string, boolean]>((resolve) =>
      ws.once('close', (code: number, reason: string, clean: boolean) => resolve([code, reason, clean])),
    );
    ws.close(3000, 'client done');
    expect(await clientSide).toEqual([3000, '', true]);
    expect(await serverSide).toEqual([3000, true]);
  });

  it('terminate() closes at once with 1006 on both ends', async () => {
    const { conn, peer } = await withWsPeer();
    const ours = new Promise<[number, boolean]>((resolve) => conn.once('close', (code: number, _r: string, clean: boolean) => resolve([code, clean])));
    const theirs = closeOf(peer);
    conn.terminate();
    expect(conn.readyState).toBe(CLOSING);
    expect(await ours).toEqual([1006, false]);
    expect((await theirs).code).toBe(1006);
  });
});
