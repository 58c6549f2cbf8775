import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Server as NetServer, type Socket, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as WSServer } from 'ws';
import {
  CLOSED,
  CLOSING,
  CONNECTING,
  WebSocketCloseEvent as CloseEvent,
  WebSocketErrorEvent as ErrorEvent,
  WebSocketMessageEvent as MessageEvent,
  OPEN,
  WebSocket,
  WebSocketConnection,
  WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/websocket/index.js';

// ---- Peers and clean-up ----

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Our server on an ephemeral port, closed after the test. */
async function startServer(options: Omit<WebSocketServerOptions, 'port' | 'server' | 'noServer'> = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { server, port, url: `ws://127.0.0.1:${port}` };
}

/** A plain TCP server whose connections the test answers by hand. */
async function startRawServer(onSocket: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await listen(server);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, sockets };
}

function listen(server: NetServer): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

/** Reads an HTTP request head from a raw socket and returns its headers, lower-cased. */
function readRequestHead(socket: Socket): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, end).split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve(headers);
    };
    socket.on('data', onData);
  });
}

/** §4.2.2, computed here independently of the code under test. */
function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

function upgradeResponse(headers: Record<string, string>): string {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A client whose sockets are gone after the test. */
function client(url: string | URL, protocols?: string | string[], options?: ConstructorParameters<typeof WebSocket>[2]): WebSocket {
  const ws = new WebSocket(url, protocols, options);
  cleanups.push(() => ws.terminate());
  return ws;
}

interface Outcome {
  /** Events in the order they came: 'error: <message>' and 'close <code>'. */
  log: string[];
  error: Error | undefined;
  code: number;
  reason: string;
  wasClean: boolean;
}

/** Waits for 'close' and records whatever 'error' came before it. */
function outcome(ws: WebSocketConnection): Promise<Outcome> {
  const log: string[] = [];
  let error: Error | undefined;
  ws.on('error', (err: Error) => {
    error = err;
    log.push(`error: ${err.message}`);
  });
  return new Promise((resolve) => {
    ws.once('close', (code: number, reason: string, wasClean: boolean) => {
      log.push(`close ${code}`);
      resolve({ log, error, code, reason, wasClean });
    });
  });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code: number) => reject(new Error(`closed with ${code} before opening`)));
  });
}

function nextMessage(ws: WebSocketConnection): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

function freePort(): Promise<number> {
  const server = createNetServer();
  return listen(server).then(() => {
    const { port } = server.address() as AddressInfo;
    return new Promise<number>((resolve) => server.close(() => resolve(port)));
  });
}

function domException(fn: () => unknown): DOMException {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DOMException);
    return error as DOMException;
  }
  throw new Error('expected a DOMException');
}

// ---- The WHATWG interface ----

describe('WebSocket: constants and readyState', () => {
  it('exposes CONNECTING/OPEN/CLOSING/CLOSED on the class and on instances', async () => {
    const { url } = await startServer();
    for (const holder of [WebSocket, WebSocketConnection]) {
      expect([holder.CONNECTING, holder.OPEN, holder.CLOSING, holder.CLOSED]).toEqual([0, 1, 2, 3]);
    }
    expect([CONNECTING, OPEN, CLOSING, CLOSED]).toEqual([0, 1, 2, 3]);
    const ws = client(url);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    await opened(ws);
  });

  it('goes CONNECTING → OPEN → CLOSING → CLOSED, closing cleanly with the code and reason given', async () => {
    const { server, url } = await startServer();
    const serverSide = new Promise<Outcome>((resolve) => server.once('connection', (conn: WebSocketConnection) => resolve(outcome(conn))));
    const ws = client(url);
    const states: number[] = [ws.readyState];
    ws.onopen = () => {
      states.push(ws.readyState);
      ws.close(1000, 'done');
      states.push(ws.readyState);
    };
    const closed = new Promise<CloseEvent>((resolve) => {
      ws.onclose = (event: CloseEvent) => {
        states.push(ws.readyState);
        resolve(event);
      };
    });
    const event = await closed;
    expect(states).toEqual([CONNECTING, OPEN, CLOSING, CLOSED]);
    expect(event).toBeInstanceOf(CloseEvent);
    expect(event.type).toBe('close');
    expect(event.target).toBe(ws);
    // The client sees the server's echo of its code (§5.5.1).
    expect([event.code, event.wasClean]).toEqual([1000, true]);
    const peer = await serverSide;
    expect([peer.code, peer.reason, peer.wasClean]).toEqual([1000, 'done', true]);
  });

  it('reports 1005 to both sides for a close() without a code', async () => {
    const { server, url } = await startServer();
    const serverSide = new Promise<Outcome>((resolve) => server.once('connection', (conn: WebSocketConnection) => resolve(outcome(conn))));
    const ws = client(url);
    const mine = outcome(ws);
    await opened(ws);
    ws.close();
    expect((await mine).code).toBe(1005);
    expect((await serverSide).code).toBe(1005);
  });
});

describe('WebSocket: url', () => {
  it('maps http: to ws: and keeps the path and query', async () => {
    const { server, port } = await startServer();
    const requested = new Promise<string | undefined>((resolve) =>
      server.once('connection', (_conn: WebSocketConnection, request: IncomingMessage) => resolve(request.url)),
    );
    const ws = client(`http://127.0.0.1:${port}/room/7?user=ada`);
    expect(ws.url).toBe(`ws://127.0.0.1:${port}/room/7?user=ada`);
    expect(await requested).toBe('/room/7?user=ada');
    await opened(ws);
  });

  it('maps https: to wss: and takes URL objects', async () => {
    const port = await freePort();
    const ws = client(new URL(`https://127.0.0.1:${port}/x`));
    const done = outcome(ws);
    expect(ws.url).toBe(`wss://127.0.0.1:${port}/x`);
    expect((await done).code).toBe(1006);
  });

  it('adds the root path to a bare host', async () => {
    const { url } = await startServer();
    const ws = client(url);
    expect(ws.url).toBe(`${url}/`);
    await opened(ws);
  });

  it.each([
    ['a scheme other than ws, wss, http, https', 'ftp://127.0.0.1/'],
    ['a fragment', 'ws://127.0.0.1/chat#top'],
    ['an empty fragment', 'ws://127.0.0.1/chat#'],
    ['an unparsable URL', 'not a url'],
    ['a relative URL', '/chat'],
  ])('throws a SyntaxError DOMException for %s', (_what, address) => {
    const error = domException(() => new WebSocket(address));
    expect(error.name).toBe('SyntaxError');
  });

  it('throws a SyntaxError for subprotocols that are not tokens or are repeated', () => {
    expect(domException(() => new WebSocket('ws://127.0.0.1:1/', 'two words')).name).toBe('SyntaxError');
    expect(domException(() => new WebSocket('ws://127.0.0.1:1/', ['chat', 'chat'])).name).toBe('SyntaxError');
  });
});

describe('WebSocket: protocol and extensions', () => {
  it('reports the subprotocol the server chose, "" before the handshake', async () => {
    const { server, url } = await startServer({ handleProtocols: (offered) => offered.find((p) => p === 'v2.chat') });
    const serverProtocol = new Promise<string>((resolve) => server.once('connection', (conn: WebSocketConnection) => resolve(conn.protocol)));
    const ws = client(url, ['v1.chat', 'v2.chat']);
    expect(ws.protocol).toBe('');
    await opened(ws);
    expect(ws.protocol).toBe('v2.chat');
    expect(await serverProtocol).toBe('v2.chat');
    expect(ws.extensions).toBe('');
  });

  it('accepts one protocol as a string, and "" when the server picks none', async () => {
    const { url } = await startServer({ handleProtocols: () => false });
    const ws = client(url, 'chat');
    await opened(ws);
    expect(ws.protocol).toBe('');
  });

  it('negotiates a subprotocol with the ws server', async () => {
    const wss = new WSServer({ port: 0, host: '127.0.0.1', handleProtocols: (protocols) => [...protocols].pop() ?? false });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const ws = client(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, ['a', 'b']);
    await opened(ws);
    expect(ws.protocol).toBe('b');
    ws.close();
  });
});

describe('WebSocket: binaryType and MessageEvent', () => {
  async function echoPair() {
    const { server, url } = await startServer();
    server.on('connection', (conn: WebSocketConnection) => {
      conn.on('message', (data: Buffer, isBinary: boolean) => conn.send(data, { binary: isBinary }));
    });
    const ws = client(url);
    await opened(ws);
    return ws;
  }

  function nextEvent(ws: WebSocket): Promise<MessageEvent> {
    return new Promise((resolve) => ws.addEventListener('message', (event: MessageEvent) => resolve(event), { once: true }));
  }

  it("defaults to 'nodebuffer': binary data is a Buffer, text a string", async () => {
    const ws = await echoPair();
    expect(ws.binaryType).toBe('nodebuffer');
    // WHATWG: an unknown value is ignored, not stored.
    ws.binaryType = 'text' as never;
    expect(ws.binaryType).toBe('nodebuffer');
    let event = nextEvent(ws);
    ws.send(Buffer.from([1, 2, 3]));
    const binary = await event;
    expect(binary).toBeInstanceOf(MessageEvent);
    expect(binary.type).toBe('message');
    expect(Buffer.isBuffer(binary.data)).toBe(true);
    expect([...(binary.data as Buffer)]).toEqual([1, 2, 3]);
    event = nextEvent(ws);
    ws.send('héllo');
    expect((await event).data).toBe('héllo');
  });

  it("'arraybuffer' gives an ArrayBuffer holding exactly the message", async () => {
    const ws = await echoPair();
    ws.binaryType = 'arraybuffer';
    const event = nextEvent(ws);
    ws.send(Buffer.from([9, 8, 7, 6]));
    const { data } = await event;
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.isBuffer(data)).toBe(false);
    expect([...new Uint8Array(data as ArrayBuffer)]).toEqual([9, 8, 7, 6]);
  });

  it("'blob' gives a Blob; text stays a string; Node-style listeners still get a Buffer", async () => {
    const ws = await echoPair();
    ws.binaryType = 'blob';
    const nodeStyle = nextMessage(ws);
    let event = nextEvent(ws);
    ws.send(Buffer.from('bytes'));
    const { data } = await event;
    expect(data).toBeInstanceOf(Blob);
    expect(Buffer.from(await (data as Blob).arrayBuffer()).toString()).toBe('bytes');
    const raw = await nodeStyle;
    expect(Buffer.isBuffer(raw.data)).toBe(true);
    expect(raw.isBinary).toBe(true);
    event = nextEvent(ws);
    ws.send('text');
    expect((await event).data).toBe('text');
  });
});

describe('WebSocket: event handler attributes and listeners', () => {
  it('onmessage: the getter returns the handler, a new handler replaces the old, null removes it', async () => {
    const { server, url } = await startServer();
    const peer = new Promise<WebSocketConnection>((resolve) => server.once('connection', resolve));
    const ws = client(url);
    await opened(ws);
    const conn = await peer;
    const seen: string[] = [];
    const first = (event: MessageEvent) => seen.push(`first ${String(event.data)}`);
    const second = (event: MessageEvent) => seen.push(`second ${String(event.data)}`);
    expect(ws.onmessage).toBeNull();
    ws.onmessage = first;
    expect(ws.onmessage).toBe(first);
    conn.send('1');
    await nextMessage(ws);
    ws.onmessage = second;
    expect(ws.onmessage).toBe(second);
    expect(ws.listenerCount('message')).toBe(1);
    conn.send('2');
    await nextMessage(ws);
    ws.onmessage = null;
    expect(ws.onmessage).toBeNull();
    expect(ws.listenerCount('message')).toBe(0);
    conn.send('3');
    await nextMessage(ws);
    expect(seen).toEqual(['first 1', 'second 2']);
  });

  it('onopen, onerror and onclose receive event objects with the socket as target', async () => {
    const port = await freePort();
    const ws = client(`ws://127.0.0.1:${port}`);
    const events: string[] = [];
    const onopen = () => events.push('open');
    ws.onopen = onopen;
    expect(ws.onopen).toBe(onopen);
    const closed = new Promise<void>((resolve) => {
      ws.onerror = (event: ErrorEvent) => {
        expect(event).toBeInstanceOf(ErrorEvent);
        expect(event.target).toBe(ws);
        expect(event.error).toBeInstanceOf(Error);
        events.push(`error ${event.message.includes('ECONNREFUSED')}`);
      };
      ws.onclose = (event: CloseEvent) => {
        events.push(`close ${event.code} ${event.wasClean}`);
        resolve();
      };
    });
    await closed;
    expect(events).toEqual(['error true', 'close 1006 false']);
  });

  it('onopen set to a non-function clears it', async () => {
    const { url } = await startServer();
    const ws = client(url);
    let called = false;
    ws.onopen = () => {
      called = true;
    };
    ws.onopen = 'not a function' as unknown as null;
    expect(ws.onopen).toBeNull();
    await opened(ws);
    expect(called).toBe(false);
  });

  it('addEventListener with { once: true } fires once; removeEventListener removes the wrapped listener', async () => {
    const { server, url } = await startServer();
    const peer = new Promise<WebSocketConnection>((resolve) => server.once('connection', resolve));
    const ws = client(url);
    const seen: string[] = [];
    const once = (event: MessageEvent) => seen.push(`once ${String(event.data)}`);
    const always = (event: MessageEvent) => seen.push(`always ${String(event.data)}`);
    const removed = (event: MessageEvent) => seen.push(`removed ${String(event.data)}`);
    ws.addEventListener('message', once, { once: true });
    ws.addEventListener('message', always);
    ws.addEventListener('message', removed);
    ws.removeEventListener('message', removed);
    // A { once } listener can be removed before it fires.
    ws.addEventListener('message', removed, { once: true });
    ws.removeEventListener('message', removed);
    // Removing a listener that was never added is harmless.
    ws.removeEventListener('message', () => {});
    // Unknown event types are ignored, as an EventTarget would never fire them.
    ws.addEventListener('no-such-event', () => seen.push('never'));
    expect(ws.listenerCount('no-such-event')).toBe(0);
    await opened(ws);
    const conn = await peer;
    conn.send('a');
    await nextMessage(ws);
    conn.send('b');
    await nextMessage(ws);
    expect(seen).toEqual(['once a', 'always a', 'always b']);
  });

  it('a handler attribute and addEventListener listeners coexist', async () => {
    const { url } = await startServer();
    const ws = client(url);
    const seen: string[] = [];
    ws.addEventListener('open', () => seen.push('listener'));
    ws.onopen = () => seen.push('handler');
    await opened(ws);
    expect(seen).toEqual(['listener', 'handler']);
  });
});

describe('WebSocket: close() and send() rules', () => {
  it.each([1001, 1005, 2000, 2999, 5000, 0])('close(%i) throws an InvalidAccessError and changes nothing', async (code) => {
    const { url } = await startServer();
    const ws = client(url);
    await opened(ws);
    expect(domException(() => ws.close(code)).name).toBe('InvalidAccessError');
    expect(ws.readyState).toBe(OPEN);
    ws.close(1000);
  });

  it('close() with a 124-byte reason throws a SyntaxError; 123 bytes are fine', async () => {
    const { server, url } = await startServer();
    const serverSide = new Promise<Outcome>((resolve) => server.once('connection', (conn: WebSocketConnection) => resolve(outcome(conn))));
    const ws = client(url);
    await opened(ws);
    expect(domException(() => ws.close(1000, 'x'.repeat(124))).name).toBe('SyntaxError');
    // Bytes, not characters: 62 two-byte characters are 124 bytes.
    expect(domException(() => ws.close(3000, 'é'.repeat(62))).name).toBe('SyntaxError');
    expect(ws.readyState).toBe(OPEN);
    const reason = 'é'.repeat(61) + 'x';
    ws.close(4000, reason);
    const peer = await serverSide;
    expect([peer.code, peer.reason]).toEqual([4000, reason]);
  });

  it('close() while CONNECTING fires error, then close 1006, and the server never sees a connection', async () => {
    const { server, url } = await startServer();
    let connections = 0;
    server.on('connection', () => connections++);
    const ws = client(url);
    const done = outcome(ws);
    let didOpen = false;
    ws.on('open', () => (didOpen = true));
    ws.close();
    expect(ws.readyState).toBe(CLOSED);
    const result = await done;
    expect(result.log).toEqual(['error: WebSocket was closed before the connection was established', 'close 1006']);
    expect(result.wasClean).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(didOpen).toBe(false);
    expect(connections).toBe(0);
  });

  it('terminate() while CONNECTING abandons the handshake: error, close 1006, never open', async () => {
    const { server, url } = await startServer();
    let connections = 0;
    server.on('connection', () => connections++);
    const ws = client(url);
    const done = outcome(ws);
    let didOpen = false;
    ws.on('open', () => (didOpen = true));
    ws.terminate();
    expect(ws.readyState).toBe(CLOSED);
    expect((await done).log).toEqual(['error: WebSocket was closed before the connection was established', 'close 1006']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(didOpen).toBe(false);
    expect(connections).toBe(0);
  });

  it('close() with a reason but no code sends 1000 with the reason; an empty reason sends no code', async () => {
    const { server, url } = await startServer();
    for (const [reason, expected] of [['leaving', [1000, 'leaving']], ['', [1005, '']]] as const) {
      const serverSide = new Promise<Outcome>((resolve) => server.once('connection', (conn: WebSocketConnection) => resolve(outcome(conn))));
      const ws = client(url);
      await opened(ws);
      ws.close(undefined, reason);
      const peer = await serverSide;
      expect([peer.code, peer.reason]).toEqual(expected);
    }
  });

  it('close() twice and close() after CLOSED are no-ops', async () => {
    const { url } = await startServer();
    const ws = client(url);
    const done = outcome(ws);
    await opened(ws);
    ws.close(1000);
    ws.close(3001);
    const result = await done;
    expect(result.code).toBe(1000);
    ws.close(1000);
    expect(ws.readyState).toBe(CLOSED);
  });

  it('send() before open throws an InvalidStateError; so do ping() and pong()', () => {
    const ws = client('ws://127.0.0.1:1/');
    ws.on('error', () => {});
    expect(domException(() => ws.send('early')).name).toBe('InvalidStateError');
    expect(domException(() => ws.ping()).name).toBe('InvalidStateError');
    expect(domException(() => ws.pong()).name).toBe('InvalidStateError');
  });

  it("send() while CLOSING or CLOSED returns 'dropped' and tells the callback", async () => {
    const { url } = await startServer();
    const ws = client(url);
    const done = outcome(ws);
    await opened(ws);
    ws.close(1000);
    const errors: (Error | null | undefined)[] = [];
    expect(ws.send('closing', (error) => errors.push(error))).toBe('dropped');
    await done;
    expect(ws.send('closed', (error) => errors.push(error))).toBe('dropped');
    expect(ws.ping()).toBe('dropped');
    expect(errors.map((error) => error?.message)).toEqual(['WebSocket is not open', 'WebSocket is not open']);
  });
});

// ---- Handshake failures ----

describe('WebSocket: handshake failures surface as error, then close 1006', () => {
  it('quotes the status and the body of a refusal (Origin check)', async () => {
    const { server, url } = await startServer({ origins: ['https://app.example'] });
    let connections = 0;
    server.on('connection', () => connections++);
    const result = await outcome(client(url, undefined, { origin: 'https://evil.example' }));
    expect(result.log).toEqual(['error: Unexpected server response: 403 (Origin not allowed)', 'close 1006']);
    expect(result.wasClean).toBe(false);
    expect(connections).toBe(0);
  });

  it('quotes a plain HTTP server that answers 401 with a body', async () => {
    const http = createHttpServer();
    http.on('upgrade', (_request, socket: Socket) => {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nLog in first, please');
    });
    await listen(http);
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const result = await outcome(client(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`));
    expect(result.error?.message).toBe('Unexpected server response: 401 (Log in first, please)');
    expect(result.code).toBe(1006);
  });

  it('reports ECONNREFUSED when nothing listens', async () => {
    const port = await freePort();
    const result = await outcome(client(`ws://127.0.0.1:${port}`));
    expect(result.error?.message).toMatch(/ECONNREFUSED/);
    expect(result.log[1]).toBe('close 1006');
  });

  it('times out a server that accepts TCP but never answers', async () => {
    const { port } = await startRawServer(() => {});
    const started = Date.now();
    const result = await outcome(client(`ws://127.0.0.1:${port}`, undefined, { handshakeTimeout: 200 }));
    expect(result.log).toEqual(['error: Opening handshake timed out', 'close 1006']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('rejects a wrong Sec-WebSocket-Accept', async () => {
    const { port } = await startRawServer(async (socket) => {
      await readRequestHead(socket);
      socket.write(upgradeResponse({ 'Sec-WebSocket-Accept': acceptFor('not the key') }));
    });
    const result = await outcome(client(`ws://127.0.0.1:${port}`));
    expect(result.error?.message).toMatch(/Sec-WebSocket-Accept/);
    expect(result.log[1]).toBe('close 1006');
  });

  it('rejects a 101 without Upgrade: websocket', async () => {
    const { port } = await startRawServer(async (socket) => {
      const headers = await readRequestHead(socket);
      const accept = acceptFor(headers['sec-websocket-key']);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    });
    const result = await outcome(client(`ws://127.0.0.1:${port}`));
    expect(result.error?.message).toMatch(/Upgrade: websocket/);
  });

  it('rejects a subprotocol the client did not offer', async () => {
    const { port } = await startRawServer(async (socket) => {
      const headers = await readRequestHead(socket);
      socket.write(upgradeResponse({ 'Sec-WebSocket-Accept': acceptFor(headers['sec-websocket-key']), 'Sec-WebSocket-Protocol': 'mqtt' }));
    });
    const result = await outcome(client(`ws://127.0.0.1:${port}`, ['chat']));
    expect(result.error?.message).toBe('Server chose a subprotocol that was not offered: "mqtt"');
    expect(result.code).toBe(1006);
  });

  it('rejects an extension the client did not offer', async () => {
    const { port } = await startRawServer(async (socket) => {
      const headers = await readRequestHead(socket);
      socket.write(upgradeResponse({ 'Sec-WebSocket-Accept': acceptFor(headers['sec-websocket-key']), 'Sec-WebSocket-Extensions': 'permessage-deflate' }));
    });
    const result = await outcome(client(`ws://127.0.0.1:${port}`));
    expect(result.error?.message).toMatch(/extension that was not offered: permessage-deflate/);
  });

  it('emits close without error when no error listener is attached', async () => {
    const port = await freePort();
    const ws = client(`ws://127.0.0.1:${port}`);
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    expect(code).toBe(1006);
  });
});

describe('WebSocket: frames from the server', () => {
  it('reads frames that arrive in the same TCP write as the 101, after open', async () => {
    const { port } = await startRawServer(async (socket) => {
      const headers = await readRequestHead(socket);
      // An unmasked text frame "early" (0x81, length 5), glued to the response head.
      const frame = Buffer.concat([Buffer.from([0x81, 5]), Buffer.from('early')]);
      socket.write(Buffer.concat([Buffer.from(upgradeResponse({ 'Sec-WebSocket-Accept': acceptFor(headers['sec-websocket-key']) })), frame]));
    });
    const ws = client(`ws://127.0.0.1:${port}`);
    const log: string[] = [];
    ws.onopen = () => log.push('open');
    const message = new Promise<MessageEvent>((resolve) => (ws.onmessage = resolve));
    expect((await message).data).toBe('early');
    expect(log).toEqual(['open']);
  });

  it('reports a server-initiated close with its code and reason, cleanly', async () => {
    const { server, url } = await startServer();
    server.on('connection', (conn: WebSocketConnection) => conn.once('message', () => conn.close(4000, 'maintenance')));
    const ws = client(url);
    ws.onopen = () => ws.send('hello');
    const event = await new Promise<CloseEvent>((resolve) => (ws.onclose = resolve));
    expect([event.code, event.reason, event.wasClean]).toEqual([4000, 'maintenance', true]);
    expect(ws.readyState).toBe(CLOSED);
  });

  it('pause() while CONNECTING holds once open; resume() delivers what waited', async () => {
    const { server, url } = await startServer();
    server.on('connection', (conn: WebSocketConnection) => conn.on('message', (data: Buffer) => conn.send(data.toString())));
    const ws = client(url);
    ws.pause();
    expect(ws.readingPaused).toBe(true);
    const got: string[] = [];
    ws.on('message', (data: Buffer) => got.push(data.toString()));
    await opened(ws);
    ws.send('held');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual([]);
    const next = nextMessage(ws);
    ws.resume();
    expect((await next).data.toString()).toBe('held');
    expect(ws.readingPaused).toBe(false);
  });

  it('fails the connection, sending 1009, when the server sends more than maxPayload', async () => {
    const { server, url } = await startServer();
    const serverSide = new Promise<Outcome>((resolve) =>
      server.once('connection', (conn: WebSocketConnection) => {
        const result = outcome(conn);
        conn.once('message', () => conn.send(Buffer.alloc(1025)));
        resolve(result);
      }),
    );
    const ws = client(url, undefined, { maxPayload: 1024 });
    const mine = outcome(ws);
    let messages = 0;
    ws.on('message', () => messages++);
    ws.onopen = () => ws.send('go');
    const result = await mine;
    expect(result.error?.message).toBe('Message larger than 1024 bytes');
    // The failing side reads nothing more, so it never sees the echo of its close frame (§7.1.7).
    expect([result.code, result.wasClean]).toEqual([1006, false]);
    expect(messages).toBe(0);
    expect((await serverSide).code).toBe(1009);
  });

  it("'fragments' gives binary data as an array of Buffers", async () => {
    const { server, url } = await startServer();
    server.on('connection', (conn: WebSocketConnection) => conn.on('message', (data: Buffer) => conn.send(data)));
    const ws = client(url);
    ws.binaryType = 'fragments';
    ws.onopen = () => ws.send(Buffer.from([1, 2]));
    const event = await new Promise<MessageEvent>((resolve) => (ws.onmessage = resolve));
    expect(Array.isArray(event.data)).toBe(true);
    expect([...Buffer.concat(event.data as Buffer[])]).toEqual([1, 2]);
  });
});

// ---- What the client sends ----

describe('WebSocket: request headers', () => {
  it('sends custom headers, the origin and the handshake headers', async () => {
    const { server, url } = await startServer();
    const request = new Promise<IncomingMessage>((resolve) => server.once('connection', (_conn: WebSocketConnection, req: IncomingMessage) => resolve(req)));
    const ws = client(`${url}/feed`, 'chat', {
      headers: { Authorization: 'Bearer t0k3n', Cookie: 'session=abc' },
      origin: 'https://app.example',
    });
    await opened(ws);
    const { headers } = await request;
    expect(headers.authorization).toBe('Bearer t0k3n');
    expect(headers.cookie).toBe('session=abc');
    expect(headers.origin).toBe('https://app.example');
    expect(headers['sec-websocket-version']).toBe('13');
    expect(headers['sec-websocket-protocol']).toBe('chat');
    expect(headers.host).toBe(new URL(url).host);
  });

  it('connects from the localAddress it is given', async () => {
    const { server, url } = await startServer();
    const request = new Promise<IncomingMessage>((resolve) => server.once('connection', (_conn: WebSocketConnection, req: IncomingMessage) => resolve(req)));
    const ws = client(url, undefined, { localAddress: '127.0.0.7' });
    await opened(ws);
    expect((await request).socket.remoteAddress).toBe('127.0.0.7');
  });

  it('sends no Origin unless asked, and its handshake headers win over custom ones', async () => {
    let seen!: (headers: Record<string, string>) => void;
    const received = new Promise<Record<string, string>>((resolve) => (seen = resolve));
    const { port } = await startRawServer(async (socket) => {
      const headers = await readRequestHead(socket);
      seen(headers);
      socket.write(upgradeResponse({ 'Sec-WebSocket-Accept': acceptFor(headers['sec-websocket-key']) }));
    });
    const ws = client(`ws://127.0.0.1:${port}`, undefined, { headers: { 'Sec-WebSocket-Key': 'forged', 'X-Trace': '1' } });
    await opened(ws);
    const headers = await received;
    expect(headers.origin).toBeUndefined();
    expect(headers['x-trace']).toBe('1');
    expect(headers['sec-websocket-key']).not.toBe('forged');
    expect(headers['sec-websocket-key']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

// ---- wss:// ----

// The self-signed certificate for localhost and 127.0.0.1 (valid until 2126) that the SSE
// TLS tests use too: no openssl needed, so these tests always run.
const certificate = {
  key: readFileSync(new URL('../support/sse/localhost-key.pem', import.meta.url)),
  cert: readFileSync(new URL('../support/sse/localhost-cert.pem', import.meta.url)),
};

describe('WebSocket: wss:// over TLS', () => {
  async function startTlsServer() {
    const https = createHttpsServer({ key: certificate.key, cert: certificate.cert });
    const server = new WebSocketServer({ server: https, heartbeat: false });
    server.on('connection', (conn: WebSocketConnection) => {
      conn.on('message', (data: Buffer, isBinary: boolean) => conn.send(data, { binary: isBinary }));
    });
    await listen(https as unknown as NetServer);
    cleanups.push(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    });
    return (https.address() as AddressInfo).port;
  }

  it('connects to our server on an https.Server, trusting the certificate by ca', async () => {
    const port = await startTlsServer();
    const ws = client(`wss://127.0.0.1:${port}/secure`, undefined, { tls: { ca: certificate.cert, servername: 'localhost' } });
    await opened(ws);
    expect(ws.url).toBe(`wss://127.0.0.1:${port}/secure`);
    const reply = nextMessage(ws);
    ws.send('over TLS');
    expect((await reply).data.toString()).toBe('over TLS');
    const done = outcome(ws);
    ws.close(1000);
    expect((await done).wasClean).toBe(true);
  });

  it('connects with rejectUnauthorized: false', async () => {
    const port = await startTlsServer();
    const ws = client(`https://127.0.0.1:${port}`, undefined, { tls: { rejectUnauthorized: false } });
    await opened(ws);
    const reply = nextMessage(ws);
    ws.send(Buffer.from([0, 255]));
    expect([...(await reply).data]).toEqual([0, 255]);
    ws.close();
  });

  it('refuses an untrusted self-signed certificate by default', async () => {
    const port = await startTlsServer();
    const result = await outcome(client(`wss://127.0.0.1:${port}`));
    // The TLS library's words: OpenSSL 3 (Node, Deno) says 'self-signed', BoringSSL (Bun) 'self signed'.
    expect(result.error?.message).toMatch(/self[- ]signed certificate/);
    expect(result.code).toBe(1006);
  });
});

// ---- Heartbeat ----

describe('WebSocket: client heartbeat', () => {
  it('pings a silent server and terminates it when no pong comes (close 1006)', async () => {
    const received: Buffer[] = [];
    const { port } = await startRawServer(async (socket) => {
      const headers = await readRequestHead(socket);
      socket.write(upgradeResponse({ 'Sec-WebSocket-Accept': acceptFor(headers['sec-websocket-key']) }));
      socket.on('data', (chunk: Buffer) => received.push(chunk));
    });
    const ws = client(`ws://127.0.0.1:${port}`, undefined, { heartbeat: { interval: 100, timeout: 100 } });
    const done = outcome(ws);
    await opened(ws);
    const result = await done;
    expect([result.code, result.wasClean]).toEqual([1006, false]);
    // What reached the server was one masked, empty ping: 0x89, then MASK | length 0, then the key.
    const bytes = Buffer.concat(received);
    expect(bytes.length).toBe(6);
    expect([bytes[0], bytes[1]]).toEqual([0x89, 0x80]);
  });

  it('keeps a connection whose server answers the pings', async () => {
    const { url } = await startServer();
    // Pings every 50 ms of silence; a 10 s timeout so that a slow pong on a loaded machine
    // is not taken for a dead server. Kept open across three answered pings.
    const ws = client(url, undefined, { heartbeat: { interval: 50, timeout: 10_000 } });
    const pongs: Buffer[] = [];
    const closes: number[] = [];
    ws.on('pong', (data: Buffer) => pongs.push(data));
    ws.on('close', (code: number) => closes.push(code));
    await opened(ws);
    await new Promise<void>((resolve) => ws.on('pong', () => pongs.length === 3 && resolve()));
    expect(ws.readyState).toBe(OPEN);
    expect(closes).toEqual([]);
    ws.close();
  });
});
