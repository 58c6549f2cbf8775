import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WS, { WebSocketServer as WSServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  WebSocket,
  type WebSocketConnection,
  WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/websocket/index.js';

// Interop with `ws`, the independent implementation, in both directions: our
// WebSocketServer with a `ws` client, and our WebSocket client with a `ws`
// server. Whatever one end sends, the other must receive byte for byte, and
// both must agree on how the connection ended (RFC 6455 §7).

interface Outcome {
  code: number;
  reason: string;
  wasClean: boolean;
}

interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** Every code an endpoint may put in a close frame (§7.4.1, IANA registry), sampled at the ends of 3000–4999. */
const SENDABLE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
/** The ones a WHATWG client's close() accepts. */
const CLIENT_CLOSE_CODES = [1000, 3000, 4999];
const SIZES = [0, 1, 125, 126, 65535, 65536, 1024 * 1024, 16 * 1024 * 1024];
const MiB = 1024 * 1024;

/** A string of exactly `size` UTF-8 bytes, with 1- to 4-byte characters in it. */
function textOf(size: number): string {
  const unit = 'aé€𝄞'; // 1 + 2 + 3 + 4 bytes
  const whole = Math.floor(size / 10);
  return unit.repeat(whole) + 'x'.repeat(size - whole * 10);
}

/** `size` bytes covering every byte value. */
function bytesOf(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

function label(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : `${size} B`;
}

// ---- Observing either end ----

function ourClose(ws: WebSocketConnection): Promise<Outcome> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: string, wasClean: boolean) => resolve({ code, reason, wasClean })));
}

function theirClose(ws: WS): Promise<Outcome> {
  return new Promise((resolve) =>
    ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }), { once: true }),
  );
}

function ourMessage(ws: WebSocketConnection): Promise<Received> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

function theirMessage(ws: WS): Promise<Received> {
  return new Promise((resolve) => ws.once('message', (data: WS.RawData, isBinary: boolean) => resolve({ data: data as Buffer, isBinary })));
}

function echoOurs(ws: WebSocketConnection): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
}

function echoTheirs(ws: WS): void {
  ws.on('message', (data: WS.RawData, isBinary: boolean) => ws.send(data as Buffer, { binary: isBinary }));
}

/** Byte for byte, without a megabyte-long diff when it fails. */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

/** Connections a server accepts, handed out in order of arrival. */
class Arrivals<T> {
  private readonly queue: { connection: T; request: IncomingMessage }[] = [];
  private readonly waiting: ((arrival: { connection: T; request: IncomingMessage }) => void)[] = [];

  push(connection: T, request: IncomingMessage): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter({ connection, request });
    else this.queue.push({ connection, request });
  }

  next(): Promise<{ connection: T; request: IncomingMessage }> {
    const arrival = this.queue.shift();
    if (arrival) return Promise.resolve(arrival);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

// ---- Our server, a ws client ----

describe('our WebSocketServer with a ws client', () => {
  let server: WebSocketServer;
  let url: string;
  const arrivals = new Arrivals<WebSocketConnection>();
  const opened: WS[] = [];

  async function start(options: Omit<WebSocketServerOptions, 'port'> = {}): Promise<void> {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
    server.on('connection', (ws: WebSocketConnection, request: IncomingMessage) => arrivals.push(ws, request));
    await once(server, 'listening');
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  beforeAll(() => start());
  afterEach(() => {
    for (const ws of opened.splice(0)) ws.terminate();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A ws client connected to our server, and our end of it. */
  async function pair(protocols?: string[]): Promise<{ ours: WebSocketConnection; theirs: WS; request: IncomingMessage }> {
    const theirs = new WS(url, protocols, { perMessageDeflate: false });
    opened.push(theirs);
    const [{ connection, request }] = await Promise.all([arrivals.next(), once(theirs, 'open')]);
    return { ours: connection, theirs, request };
  }

  describe('messages echoed byte for byte', () => {
    for (const size of SIZES) {
      it(`text and binary of ${label(size)}`, async () => {
        const { ours, theirs } = await pair();
        echoOurs(ours);
        const text = textOf(size);
        theirs.send(text);
        const echoedText = await theirMessage(theirs);
        expect(echoedText.isBinary).toBe(false);
        expectSameBytes(echoedText.data, Buffer.from(text));
        const binary = bytesOf(size);
        theirs.send(binary);
        const echoedBinary = await theirMessage(theirs);
        expect(echoedBinary.isBinary).toBe(true);
        expectSameBytes(echoedBinary.data, binary);
      });
    }
  });

  it('10,000 small messages sent without waiting come back complete and in order', async () => {
    const { ours, theirs } = await pair();
    echoOurs(ours);
    const echoed: string[] = [];
    const done = new Promise<void>((resolve) =>
      theirs.on('message', (data: WS.RawData) => echoed.push((data as Buffer).toString()) === 10_000 && resolve()),
    );
    const sent = Array.from({ length: 10_000 }, (_, i) => `message ${i}`);
    for (const message of sent) theirs.send(message);
    await done;
    expect(echoed).toEqual(sent);
  });

  describe('fragmented messages from ws (send with fin: false)', () => {
    it('a text message in three fragments arrives as one message', async () => {
      const { ours, theirs } = await pair();
      const received: Received[] = [];
      ours.on('message', (data: Buffer, isBinary: boolean) => received.push({ data, isBinary }));
      const done = ourMessage(ours);
      theirs.send('Hel', { fin: false });
      theirs.send('lo, wör', { fin: false });
      theirs.send('ld', { fin: true });
      await done;
      expect(received).toEqual([{ data: Buffer.from('Hello, wörld'), isBinary: false }]);
    });

    it('a binary message in 1000 fragments arrives whole, and is echoed whole', async () => {
      const { ours, theirs } = await pair();
      echoOurs(ours);
      const payload = bytesOf(100_000);
      for (let at = 0; at < payload.length; at += 100) {
        theirs.send(payload.subarray(at, at + 100), { binary: true, fin: at + 100 >= payload.length });
      }
      const echoed = await theirMessage(theirs);
      expect(echoed.isBinary).toBe(true);
      expectSameBytes(echoed.data, payload);
    });

    it('a ping between fragments is answered before the message completes', async () => {
      const { ours, theirs } = await pair();
      echoOurs(ours);
      const order: string[] = [];
      theirs.on('pong', (data: Buffer) => order.push(`pong ${data.toString()}`));
      const echoed = theirMessage(theirs).then(({ data }) => order.push(`message ${data.toString()}`));
      theirs.send('frag', { fin: false });
      theirs.ping('in between');
      theirs.send('ments', { fin: true });
      await echoed;
      expect(order).toEqual(['pong in between', 'message fragments']);
    });
  });

  describe('pings and pongs', () => {
    for (const payload of [Buffer.alloc(0), Buffer.from('Hello, world!'), bytesOf(125)]) {
      it(`ws pings with ${payload.length} bytes: our server reports the ping and pongs the payload back`, async () => {
        const { ours, theirs } = await pair();
        const pinged = once(ours, 'ping');
        theirs.ping(payload);
        const [pong] = (await once(theirs, 'pong')) as [Buffer];
        expectSameBytes(pong, payload);
        const [ping] = (await pinged) as [Buffer];
        expectSameBytes(ping, payload);
      });
      it(`our server pings with ${payload.length} bytes: ws reports the ping and pongs the payload back`, async () => {
        const { ours, theirs } = await pair();
        const pinged = once(theirs, 'ping');
        ours.ping(payload);
        const [pong] = (await once(ours, 'pong')) as [Buffer];
        expectSameBytes(pong, payload);
        const [ping] = (await pinged) as [Buffer];
        expectSameBytes(ping, payload);
      });
    }
    it('unsolicited pongs reach the other side, both ways, and are not answered', async () => {
      const { ours, theirs } = await pair();
      const theirPongs: Buffer[] = [];
      const ourPongs: Buffer[] = [];
      theirs.on('pong', (data: Buffer) => theirPongs.push(data));
      ours.on('pong', (data: Buffer) => ourPongs.push(data));
      ours.pong('from ours');
      theirs.pong('from ws');
      // A round trip of a message after them proves nothing else came back.
      echoOurs(ours);
      theirs.send('after');
      await theirMessage(theirs);
      expect(theirPongs).toEqual([Buffer.from('from ours')]);
      expect(ourPongs).toEqual([Buffer.from('from ws')]);
    });
  });

  describe('closing handshake', () => {
    for (const code of SENDABLE_CODES) {
      it(`our server closes with ${code}: both ends report ${code} and a clean close`, async () => {
        const { ours, theirs } = await pair();
        const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
        ours.close(code, `server says ${code}`);
        // ws echoes the code and the reason (§5.5.1).
        expect(await ourOutcome).toEqual({ code, reason: `server says ${code}`, wasClean: true });
        expect(await theirOutcome).toEqual({ code, reason: `server says ${code}`, wasClean: true });
      });
      it(`ws closes with ${code}: both ends report ${code} and a clean close`, async () => {
        const { ours, theirs } = await pair();
        const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
        theirs.close(code, `client says ${code}`);
        expect(await ourOutcome).toEqual({ code, reason: `client says ${code}`, wasClean: true });
        // Our echo carries the code alone.
        expect(await theirOutcome).toEqual({ code, reason: '', wasClean: true });
      });
    }
    it('a reason of 123 bytes of multi-byte UTF-8 (the most that fits) reaches ws intact', async () => {
      const { ours, theirs } = await pair();
      const reason = textOf(123);
      expect(Buffer.byteLength(reason)).toBe(123);
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.close(4000, reason);
      expect(await theirOutcome).toEqual({ code: 4000, reason, wasClean: true });
      expect(await ourOutcome).toEqual({ code: 4000, reason, wasClean: true });
    });
    it("both ends close at once: each reports the other's code, and both closes are clean (§7.1.3)", async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.close(4001, 'ours');
      theirs.close(4002, 'theirs');
      expect(await ourOutcome).toEqual({ code: 4002, reason: 'theirs', wasClean: true });
      expect(await theirOutcome).toEqual({ code: 4001, reason: 'ours', wasClean: true });
    });
    it('a close without a code is reported as 1005 on both ends', async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.close();
      expect(await ourOutcome).toEqual({ code: 1005, reason: '', wasClean: true });
      expect(await theirOutcome).toEqual({ code: 1005, reason: '', wasClean: true });
    });
    it("server.close() closes every client with 1001 (Going Away)", async () => {
      const own = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
      await once(own, 'listening');
      const clients = [0, 1, 2].map(() => new WS(`ws://127.0.0.1:${(own.address() as AddressInfo).port}/`));
      await Promise.all(clients.map((client) => once(client, 'open')));
      const outcomes = Promise.all(clients.map(theirClose));
      await new Promise<void>((resolve) => own.close(() => resolve()));
      expect(await outcomes).toEqual(clients.map(() => ({ code: 1001, reason: 'Server shutting down', wasClean: true })));
    });
  });

  describe('abrupt disconnects: 1006, not clean', () => {
    it('our server terminates', async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.terminate();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
    it('ws terminates', async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      theirs.terminate();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
    it("the server's TCP socket is destroyed under it", async () => {
      const { ours, theirs, request } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      request.socket.destroy();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
    it('after our close frame, the peer vanishes before answering', async () => {
      const { ours, theirs } = await pair();
      const ourOutcome = ourClose(ours);
      // ws would echo at once; it goes before our close frame is even written.
      ours.close(1000, 'bye');
      theirs.terminate();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
  });

  describe('extensions and heartbeat', () => {
    it('ws offers permessage-deflate; our server accepts no extension, and ws talks uncompressed', async () => {
      const theirs = new WS(url);
      opened.push(theirs);
      const [{ connection: ours }] = await Promise.all([arrivals.next(), once(theirs, 'open')]);
      expect(theirs.extensions).toBe('');
      expect(ours.extensions).toBe('');
      echoOurs(ours);
      theirs.send(textOf(10_000));
      expect((await theirMessage(theirs)).data.toString()).toBe(textOf(10_000));
    });
    it("our server's heartbeat pings ws, which answers and stays connected; once ws stops reading, it is dropped with 1006", async () => {
      // A short interval makes pings come quickly; the long timeout means a loaded machine,
      // slow to pong, cannot be mistaken for a dead peer (only the paused ws is).
      const beating = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: { interval: 30, timeout: 1500 } });
      const accepted = once(beating, 'connection') as Promise<[WebSocketConnection]>;
      await once(beating, 'listening');
      const theirs = new WS(`ws://127.0.0.1:${(beating.address() as AddressInfo).port}/`);
      opened.push(theirs);
      const [[ours]] = await Promise.all([accepted, once(theirs, 'open')]);
      let pings = 0;
      let pongs = 0;
      ours.on('pong', () => pongs++);
      await new Promise<void>((resolve) => theirs.on('ping', () => ++pings === 3 && resolve()));
      expect([ours.readyState, theirs.readyState]).toEqual([WS.OPEN, WS.OPEN]);
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      theirs.pause();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      // Paused, ws cannot see the connection end until it reads again.
      theirs.resume();
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(pongs).toBeGreaterThanOrEqual(2);
      await new Promise<void>((resolve) => beating.close(() => resolve()));
    });
  });

  describe('subprotocols', () => {
    it("by default the first protocol ws offers is chosen, and both ends agree", async () => {
      const { ours, theirs } = await pair(['chat.v2', 'chat.v1']);
      expect(ours.protocol).toBe('chat.v2');
      expect(theirs.protocol).toBe('chat.v2');
    });
    it('without an offer, there is no protocol', async () => {
      const { ours, theirs } = await pair();
      expect(ours.protocol).toBe('');
      expect(theirs.protocol).toBe('');
    });
    it('handleProtocols picks another one; ws accepts it', async () => {
      const picky = new WebSocketServer({
        port: 0,
        host: '127.0.0.1',
        heartbeat: false,
        handleProtocols: (protocols) => (protocols.includes('chat.v1') ? 'chat.v1' : false),
      });
      const accepted = once(picky, 'connection') as Promise<[WebSocketConnection]>;
      await once(picky, 'listening');
      const port = (picky.address() as AddressInfo).port;
      const theirs = new WS(`ws://127.0.0.1:${port}/`, ['chat.v2', 'chat.v1']);
      await once(theirs, 'open');
      const [ours] = await accepted;
      expect(ours.protocol).toBe('chat.v1');
      expect(theirs.protocol).toBe('chat.v1');
      // Declining all of them sends no Sec-WebSocket-Protocol, which ws refuses.
      const declined = new WS(`ws://127.0.0.1:${port}/`, ['chat.v3']);
      const [error] = (await once(declined, 'error').catch((failure: unknown) => [failure])) as [Error];
      expect(error.message).toBe('Server sent no subprotocol');
      theirs.terminate();
      await new Promise<void>((resolve) => picky.close(() => resolve()));
    });
  });
});

// ---- Our client, a ws server ----

describe('our WebSocket client with a ws server', () => {
  let wss: WSServer;
  let url: string;
  const arrivals = new Arrivals<WS>();
  const opened: WebSocket[] = [];

  beforeAll(async () => {
    wss = new WSServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (protocols) => (protocols.has('pick-me') ? 'pick-me' : protocols.has('none') ? false : [...protocols][0] ?? false),
    });
    wss.on('connection', (ws: WS, request: IncomingMessage) => arrivals.push(ws, request));
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  });
  afterEach(() => {
    for (const ws of opened.splice(0)) ws.terminate();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  async function pair(protocols?: string[]): Promise<{ ours: WebSocket; theirs: WS; request: IncomingMessage }> {
    const ours = new WebSocket(url, protocols);
    opened.push(ours);
    const [{ connection, request }] = await Promise.all([arrivals.next(), once(ours, 'open')]);
    return { ours, theirs: connection, request };
  }

  describe('messages echoed byte for byte', () => {
    for (const size of SIZES) {
      it(`text and binary of ${label(size)}`, async () => {
        const { ours, theirs } = await pair();
        echoTheirs(theirs);
        const text = textOf(size);
        ours.send(text);
        const echoedText = await ourMessage(ours);
        expect(echoedText.isBinary).toBe(false);
        expectSameBytes(echoedText.data, Buffer.from(text));
        const binary = bytesOf(size);
        ours.send(binary);
        const echoedBinary = await ourMessage(ours);
        expect(echoedBinary.isBinary).toBe(true);
        expectSameBytes(echoedBinary.data, binary);
      });
    }
  });

  it('10,000 small messages sent without waiting come back complete and in order', async () => {
    const { ours, theirs } = await pair();
    echoTheirs(theirs);
    const echoed: string[] = [];
    const done = new Promise<void>((resolve) => ours.on('message', (data: Buffer) => echoed.push(data.toString()) === 10_000 && resolve()));
    const sent = Array.from({ length: 10_000 }, (_, i) => `message ${i}`);
    for (const message of sent) ours.send(message);
    await done;
    expect(echoed).toEqual(sent);
  });

  describe('fragmented messages from ws (send with fin: false)', () => {
    it('a text message in three fragments arrives as one message', async () => {
      const { ours, theirs } = await pair();
      const received: Received[] = [];
      ours.on('message', (data: Buffer, isBinary: boolean) => received.push({ data, isBinary }));
      const done = ourMessage(ours);
      theirs.send('Hel', { fin: false });
      theirs.send('lo, wör', { fin: false });
      theirs.send('ld', { fin: true });
      await done;
      expect(received).toEqual([{ data: Buffer.from('Hello, wörld'), isBinary: false }]);
    });

    it('a binary message in 1000 fragments, with a ping among them', async () => {
      const { ours, theirs } = await pair();
      const order: string[] = [];
      ours.on('ping', (data: Buffer) => order.push(`ping ${data.toString()}`));
      ours.on('message', () => order.push('message'));
      const payload = bytesOf(100_000);
      const done = ourMessage(ours);
      const pong = once(theirs, 'pong');
      for (let at = 0; at < payload.length; at += 100) {
        theirs.send(payload.subarray(at, at + 100), { binary: true, fin: at + 100 >= payload.length });
        if (at === 50_000) theirs.ping('halfway');
      }
      const { data, isBinary } = await done;
      const [pongData] = (await pong) as [Buffer];
      expect(isBinary).toBe(true);
      expectSameBytes(data, payload);
      expect(pongData.toString()).toBe('halfway');
      // The ping is seen where it was in the stream, inside the message.
      expect(order).toEqual(['ping halfway', 'message']);
    });
  });

  describe('pings and pongs', () => {
    for (const payload of [Buffer.alloc(0), Buffer.from('Hello, world!'), bytesOf(125)]) {
      it(`ws pings with ${payload.length} bytes: our client reports the ping and pongs the payload back`, async () => {
        const { ours, theirs } = await pair();
        const pinged = once(ours, 'ping');
        theirs.ping(payload);
        const [pong] = (await once(theirs, 'pong')) as [Buffer];
        expectSameBytes(pong, payload);
        const [ping] = (await pinged) as [Buffer];
        expectSameBytes(ping, payload);
      });
      it(`our client pings with ${payload.length} bytes: ws reports the ping and pongs the payload back`, async () => {
        const { ours, theirs } = await pair();
        const pinged = once(theirs, 'ping');
        ours.ping(payload);
        const [pong] = (await once(ours, 'pong')) as [Buffer];
        expectSameBytes(pong, payload);
        const [ping] = (await pinged) as [Buffer];
        expectSameBytes(ping, payload);
      });
    }
    it('unsolicited pongs reach the other side, both ways, and are not answered', async () => {
      const { ours, theirs } = await pair();
      const theirPongs: Buffer[] = [];
      const ourPongs: Buffer[] = [];
      theirs.on('pong', (data: Buffer) => theirPongs.push(data));
      ours.on('pong', (data: Buffer) => ourPongs.push(data));
      ours.pong('from ours');
      theirs.pong('from ws');
      echoTheirs(theirs);
      ours.send('after');
      await ourMessage(ours);
      expect(theirPongs).toEqual([Buffer.from('from ours')]);
      expect(ourPongs).toEqual([Buffer.from('from ws')]);
    });
  });

  describe('closing handshake', () => {
    for (const code of SENDABLE_CODES) {
      it(`the ws server closes with ${code}: both ends report ${code} and a clean close`, async () => {
        const { ours, theirs } = await pair();
        const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
        theirs.close(code, `server says ${code}`);
        expect(await ourOutcome).toEqual({ code, reason: `server says ${code}`, wasClean: true });
        // Our echo carries the code alone.
        expect(await theirOutcome).toEqual({ code, reason: '', wasClean: true });
      });
    }
    for (const code of CLIENT_CLOSE_CODES) {
      it(`our client closes with ${code}: both ends report ${code} and a clean close`, async () => {
        const { ours, theirs } = await pair();
        const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
        ours.close(code, `client says ${code}`);
        expect(await theirOutcome).toEqual({ code, reason: `client says ${code}`, wasClean: true });
        // ws echoes the code and the reason.
        expect(await ourOutcome).toEqual({ code, reason: `client says ${code}`, wasClean: true });
      });
    }
    it('our client refuses the codes WHATWG keeps from scripts, and stays open', async () => {
      const { ours, theirs } = await pair();
      for (const code of SENDABLE_CODES.filter((candidate) => !CLIENT_CLOSE_CODES.includes(candidate))) {
        let thrown: unknown;
        try {
          ours.close(code, 'no');
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(DOMException);
        expect((thrown as DOMException).name).toBe('InvalidAccessError');
      }
      expect(ours.readyState).toBe(WebSocket.OPEN);
      echoTheirs(theirs);
      ours.send('still open');
      expect((await ourMessage(ours)).data.toString()).toBe('still open');
    });
    it('a reason of 123 bytes of multi-byte UTF-8 (the most that fits) reaches ws intact', async () => {
      const { ours, theirs } = await pair();
      const reason = textOf(123);
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.close(3000, reason);
      expect(await theirOutcome).toEqual({ code: 3000, reason, wasClean: true });
      expect(await ourOutcome).toEqual({ code: 3000, reason, wasClean: true });
    });
    it("both ends close at once: each reports the other's code, and both closes are clean (§7.1.3)", async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.close(4001, 'ours');
      theirs.close(4002, 'theirs');
      expect(await ourOutcome).toEqual({ code: 4002, reason: 'theirs', wasClean: true });
      expect(await theirOutcome).toEqual({ code: 4001, reason: 'ours', wasClean: true });
    });
    it('a close without a code is reported as 1005 on both ends', async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.close();
      expect(await theirOutcome).toEqual({ code: 1005, reason: '', wasClean: true });
      expect(await ourOutcome).toEqual({ code: 1005, reason: '', wasClean: true });
    });
  });

  describe('abrupt disconnects: 1006, not clean', () => {
    it('our client terminates', async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      ours.terminate();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
    it('the ws server terminates', async () => {
      const { ours, theirs } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      theirs.terminate();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
    it("the ws server's TCP socket is destroyed under it", async () => {
      const { ours, theirs, request } = await pair();
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      request.socket.destroy();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
    });
  });

  describe('heartbeat', () => {
    it("our client's heartbeat pings the ws server, which answers; once it stops reading, our client drops it with 1006", async () => {
      // Short interval, long timeout: only the paused ws server can miss a pong.
      const ours = new WebSocket(url, undefined, { heartbeat: { interval: 30, timeout: 1500 } });
      opened.push(ours);
      const [{ connection: theirs }] = await Promise.all([arrivals.next(), once(ours, 'open')]);
      let pongs = 0;
      ours.on('pong', () => pongs++);
      let pings = 0;
      await new Promise<void>((resolve) => theirs.on('ping', () => ++pings === 3 && resolve()));
      expect([ours.readyState, theirs.readyState]).toEqual([WS.OPEN, WS.OPEN]);
      const [ourOutcome, theirOutcome] = [ourClose(ours), theirClose(theirs)];
      theirs.pause();
      expect(await ourOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      // Paused, ws cannot see the connection end until it reads again.
      theirs.resume();
      expect(await theirOutcome).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(pongs).toBeGreaterThanOrEqual(2);
    });
  });

  describe('subprotocols', () => {
    it("ws's choice is the one our client reports", async () => {
      const { ours, theirs } = await pair(['first', 'pick-me']);
      expect(ours.protocol).toBe('pick-me');
      expect(theirs.protocol).toBe('pick-me');
    });
    it('the first offered, when ws takes the first', async () => {
      const { ours, theirs } = await pair(['alpha', 'beta']);
      expect(ours.protocol).toBe('alpha');
      expect(theirs.protocol).toBe('alpha');
    });
    it('none, when ws declines every offer (the connection still opens)', async () => {
      const { ours, theirs } = await pair(['none']);
      expect(ours.protocol).toBe('');
      expect(theirs.protocol).toBe('');
    });
  });
});
