import { type IncomingMessage, type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HubInputError, MemoryHub } from '../../src/hub/index.js';
import { createLongPollHandler } from '../../src/long-polling/index.js';
import { createSseHandler } from '../../src/sse/index.js';
import { WebSocketServer, type WebSocketServerOptions } from '../../src/websocket/index.js';

// Each status the library writes, read off a real socket byte for byte: the status
// line must carry the standard reason phrase (RFC 9110 §15), never "Error".

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Sends `text` raw and resolves with the first line of the answer, CRLF excluded. */
function statusLineFor(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(received.slice(0, end));
      }
    });
    socket.on('close', () => reject(new Error(`closed before a status line: ${JSON.stringify(received)}`)));
    socket.write(text);
  });
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
function upgrade(path = '/', extra: Record<string, string> = {}, method = 'GET'): string {
  const headers = { Host: 'x', Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13', ...extra };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

async function webSocketServer(options: Omit<WebSocketServerOptions, 'port'> = {}): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (connection: { terminate(): void }) => connection.terminate());
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function httpServer(handler: (request: IncomingMessage, response: never) => void): Promise<number> {
  const server: Server = createServer(handler as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

describe('WebSocket server status lines', () => {
  it('408 Request Timeout when the handshake head stalls past the handshake timeout', async () => {
    const port = await webSocketServer({ handshakeTimeout: 300 });
    expect(await statusLineFor(port, 'GET / HTTP/1.1\r\nHost: x\r\n')).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('101, 400, 404, 405, 426 and 431 from the handshake checks', async () => {
    const port = await webSocketServer({ path: '/ws', maxHeaderSize: 2048 });
    expect(await statusLineFor(port, upgrade('/ws'))).toBe('HTTP/1.1 101 Switching Protocols');
    expect(await statusLineFor(port, upgrade('/ws', { 'Sec-WebSocket-Key': 'short' }))).toBe('HTTP/1.1 400 Bad Request');
    expect(await statusLineFor(port, 'NOT HTTP AT ALL\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await statusLineFor(port, upgrade('/elsewhere'))).toBe('HTTP/1.1 404 Not Found');
    expect(await statusLineFor(port, upgrade('/ws', {}, 'POST'))).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(await statusLineFor(port, upgrade('/ws', { 'Sec-WebSocket-Version': '8' }))).toBe('HTTP/1.1 426 Upgrade Required');
    expect(await statusLineFor(port, 'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 426 Upgrade Required');
    expect(await statusLineFor(port, upgrade('/ws', { 'X-Big': 'a'.repeat(4096) }))).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('401, 403, 500 and any status verify chooses', async () => {
    const port = await webSocketServer({
      origins: ['https://ok.example'],
      verify: (request) => {
        const want = request.headers['x-want'];
        if (want === 'throw') throw new Error('boom');
        if (want === 'reject') return Promise.reject(new Error('boom'));
        if (want === 'no') return false;
        if (typeof want === 'string') return { status: Number(want) };
        return true;
      },
    });
    const ok = { Origin: 'https://ok.example' };
    expect(await statusLineFor(port, upgrade('/', { Origin: 'https://evil.example' }))).toBe('HTTP/1.1 403 Forbidden');
    expect(await statusLineFor(port, upgrade('/', { ...ok, 'X-Want': 'no' }))).toBe('HTTP/1.1 401 Unauthorized');
    expect(await statusLineFor(port, upgrade('/', { ...ok, 'X-Want': 'throw' }))).toBe('HTTP/1.1 500 Internal Server Error');
    expect(await statusLineFor(port, upgrade('/', { ...ok, 'X-Want': 'reject' }))).toBe('HTTP/1.1 500 Internal Server Error');
    expect(await statusLineFor(port, upgrade('/', { ...ok, 'X-Want': '429' }))).toBe('HTTP/1.1 429 Too Many Requests');
    expect(await statusLineFor(port, upgrade('/', { ...ok, 'X-Want': '418' }))).toBe('HTTP/1.1 418 Client Error');
  });

  it('503 Service Unavailable once the server is closing', async () => {
    const wss = new WebSocketServer({ noServer: true, heartbeat: false });
    wss.close();
    const http = createServer();
    http.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket, head, () => undefined));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    expect(await statusLineFor((http.address() as AddressInfo).port, upgrade())).toBe('HTTP/1.1 503 Service Unavailable');
  });
});

describe('SSE handler status lines', () => {
  it('200, 400 and 405', async () => {
    const hub = new MemoryHub();
    cleanups.push(() => hub.close());
    const port = await httpServer(createSseHandler({ hub }) as never);
    expect(await statusLineFor(port, 'GET /?channel=c HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 200 OK');
    expect(await statusLineFor(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await statusLineFor(port, 'PUT /?channel=c HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')).toBe('HTTP/1.1 405 Method Not Allowed');
  });
});

describe('long-poll handler status lines', () => {
  it('200, 400, 405, 413, 500 and 503', async () => {
    const hub = new MemoryHub();
    const handler = createLongPollHandler({
      hub,
      holdMs: 0,
      maxBodyBytes: 64,
      maxHeldPolls: 0,
      onPost: (message) => {
        if (message.data === 'bad') throw new HubInputError('bad');
        if (message.data === 'fail') throw new Error('fail');
        return 'id-1';
      },
    });
    cleanups.push(() => hub.close(), () => handler.close());
    const port = await httpServer(handler as never);
    const post = (data: string): string => {
      const body = JSON.stringify({ data });
      return `POST /?channel=c HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };
    expect(await statusLineFor(port, post('fine'))).toBe('HTTP/1.1 200 OK');
    expect(await statusLineFor(port, post('bad'))).toBe('HTTP/1.1 400 Bad Request');
    expect(await statusLineFor(port, post('fail'))).toBe('HTTP/1.1 500 Internal Server Error');
    expect(await statusLineFor(port, post('x'.repeat(100)))).toBe('HTTP/1.1 413 Content Too Large');
    expect(await statusLineFor(port, 'DELETE /?channel=c HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(await statusLineFor(port, 'GET /?channel=c HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 503 Service Unavailable');
  });
});
