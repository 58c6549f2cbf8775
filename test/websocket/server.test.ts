// WebSocketServer behaviour over real sockets on 127.0.0.1: its three modes,
// its hooks, and its HTTP answers to bad opening handshakes (RFC 6455 §4.2).
import { once } from 'node:events';
import { type IncomingMessage, type Server, createServer, get } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type WebSocket,
  type WebSocketConnection,
  WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/websocket/index.js';
import {
  closeServer,
  openClient,
  portOf,
  rawExchange,
  refusedClient,
  sleep,
  upgradeRequest,
  waitFor,
} from '../support/raw-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A server of its own on an ephemeral port, closed after the test. */
async function listening(options: Omit<WebSocketServerOptions, 'port' | 'host' | 'server' | 'noServer'> = {}): Promise<{
  wss: WebSocketServer;
  url: string;
}> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
  cleanups.push(() => closeServer(wss));
  await once(wss, 'listening');
  return { wss, url: `ws://127.0.0.1:${portOf(wss)}` };
}

function track<T extends WebSocket>(client: T): T {
  cleanups.push(() => client.terminate());
  return client;
}

async function open(url: string, protocols?: string | string[], options?: ConstructorParameters<typeof WebSocket>[2]): Promise<WebSocket> {
  return track(await openClient(url, protocols, options));
}

async function listenHttp(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    }).on('error', reject);
  });
}

/** Echoes each message back with a prefix, so tests can tell which server answered. */
function echoWith(prefix: string) {
  return (connection: WebSocketConnection): void => {
    connection.on('message', (data: Buffer) => connection.send(`${prefix}:${data.toString()}`));
  };
}

async function roundTrip(client: WebSocket, text: string): Promise<string> {
  const reply = once(client, 'message');
  client.send(text);
  const [data] = (await reply) as [Buffer];
  return data.toString();
}

describe('WebSocketServer modes', () => {
  it('listens on its own server, reports its address and echoes', async () => {
    let called = false;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false }, () => (called = true));
    cleanups.push(() => closeServer(wss));
    await once(wss, 'listening');
    expect(called).toBe(true);
    const address = wss.address() as AddressInfo;
    expect(address.address).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);

    const connected = once(wss, 'connection');
    wss.on('connection', echoWith('own'));
    const client = await open(`ws://127.0.0.1:${address.port}/any/path?x=1`);
    const [connection, request] = (await connected) as [WebSocketConnection, IncomingMessage];
    expect(request.url).toBe('/any/path?x=1');
    expect(wss.clients.has(connection)).toBe(true);
    expect(await roundTrip(client, 'hi')).toBe('own:hi');
  });

  it('attaches to an existing http.Server, whose plain requests still work', async () => {
    const server = createServer((_request, response) => response.end('plain http'));
    const wss = new WebSocketServer({ server, heartbeat: false });
    cleanups.push(() => closeServer(wss));
    const port = await listenHttp(server);
    expect((wss.address() as AddressInfo).port).toBe(port);
    wss.on('connection', echoWith('attached'));

    const plain = await httpGet(`http://127.0.0.1:${port}/page`);
    expect(plain).toMatchObject({ status: 200, body: 'plain http' });
    const client = await open(`ws://127.0.0.1:${port}/`);
    expect(await roundTrip(client, 'x')).toBe('attached:x');
    // Both kinds of traffic on the same port at once.
    expect((await httpGet(`http://127.0.0.1:${port}/again`)).body).toBe('plain http');
  });

  it('routes two paths of one http.Server to two noServer servers with handleUpgrade', async () => {
    const chat = new WebSocketServer({ noServer: true, heartbeat: false });
    const feed = new WebSocketServer({ noServer: true, heartbeat: false });
    cleanups.push(() => closeServer(chat), () => closeServer(feed));
    expect(() => chat.address()).toThrow(/noServer/);
    chat.on('connection', echoWith('chat'));
    feed.on('connection', echoWith('feed'));
    const server = createServer();
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const target = request.url === '/chat' ? chat : request.url === '/feed' ? feed : undefined;
      if (!target) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      target.handleUpgrade(request, socket, head, (connection, upgraded) => target.emit('connection', connection, upgraded));
    });
    const port = await listenHttp(server);

    const a = await open(`ws://127.0.0.1:${port}/chat`);
    const b = await open(`ws://127.0.0.1:${port}/feed`);
    expect(await roundTrip(a, '1')).toBe('chat:1');
    expect(await roundTrip(b, '2')).toBe('feed:2');
    expect(chat.clients.size).toBe(1);
    expect(feed.clients.size).toBe(1);
    const refused = await refusedClient(`ws://127.0.0.1:${port}/other`);
    expect(refused.error.message).toContain('404');
  });

  it('accepts only its path (query ignored); other paths get 404', async () => {
    const { wss, url } = await listening({ path: '/live' });
    const client = await open(`${url}/live?room=7`);
    expect(client.readyState).toBe(client.OPEN);
    const refused = await refusedClient(`${url}/dead`);
    expect(refused.code).toBe(1006);
    expect(refused.error.message).toMatch(/Unexpected server response: 404 \(No WebSocket endpoint at this path\)/);
    expect(wss.clients.size).toBe(1);
  });

  it('close() closes every client with 1001 and stops accepting', async () => {
    const { wss, url } = await listening();
    const clients = [await open(url), await open(url), await open(url)];
    await waitFor(() => wss.clients.size === 3, 'three clients');
    const closes = clients.map((client) => once(client, 'close') as Promise<[number, string, boolean]>);
    let serverClosed = false;
    wss.on('close', () => (serverClosed = true));
    const done = new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const [code, reason, wasClean] of await Promise.all(closes)) {
      expect(code).toBe(1001);
      expect(reason).toBe('Server shutting down');
      expect(wasClean).toBe(true);
    }
    await done;
    expect(serverClosed).toBe(true);
    expect(wss.clients.size).toBe(0);
    // Its own server no longer listens.
    const late = await refusedClient(url);
    expect(late.code).toBe(1006);
    expect(late.error.message).toMatch(/ECONNREFUSED/);
    // A second close() is harmless and still calls back.
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('close() of an attached server detaches it: the http.Server keeps serving plain requests', async () => {
    const server = createServer((_request, response) => response.end('still here'));
    const wss = new WebSocketServer({ server, heartbeat: false });
    const port = await listenHttp(server);
    const client = await open(`ws://127.0.0.1:${port}`);
    const closed = once(client, 'close');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    expect(((await closed) as [number])[0]).toBe(1001);
    expect(server.listenerCount('upgrade')).toBe(0);
    expect((await httpGet(`http://127.0.0.1:${port}/`)).body).toBe('still here');
  });

  it('answers a plain GET to its own server with 426 Upgrade Required', async () => {
    const { wss } = await listening();
    const response = await httpGet(`http://127.0.0.1:${portOf(wss)}/`);
    expect(response.status).toBe(426);
    expect(response.headers.upgrade).toBe('websocket');
    expect(response.body).toMatch(/WebSocket endpoint/);
  });

  it('refuses construction without exactly one mode', () => {
    expect(() => new WebSocketServer({})).toThrow(TypeError);
    expect(() => new WebSocketServer({ port: 0, noServer: true })).toThrow(TypeError);
  });

  it('does not track clients with clientTracking: false', async () => {
    const { wss, url } = await listening({ clientTracking: false });
    const connected = once(wss, 'connection');
    await open(url);
    await connected;
    expect(wss.clients.size).toBe(0);
  });
});

describe('WebSocketServer hooks', () => {
  it('origins list: the listed Origin is accepted, others and a missing one get 403', async () => {
    const { url } = await listening({ origins: ['https://app.example'] });
    const good = await open(url, undefined, { origin: 'https://app.example' });
    expect(good.readyState).toBe(good.OPEN);
    const wrong = await refusedClient(url, undefined, { origin: 'https://evil.example' });
    expect(wrong.error.message).toBe('Unexpected server response: 403 (Origin not allowed)');
    const missing = await refusedClient(url);
    expect(missing.error.message).toContain('403');
  });

  it('origins function decides with the origin and the request', async () => {
    const seen: (string | undefined)[] = [];
    const { url } = await listening({
      origins: (origin, request) => {
        seen.push(origin);
        return origin?.endsWith('.trusted.example') === true && request.url === '/';
      },
    });
    await open(url, undefined, { origin: 'https://a.trusted.example' });
    expect((await refusedClient(url, undefined, { origin: 'https://trusted.example.evil' })).error.message).toContain('403');
    expect((await refusedClient(`${url}/elsewhere`, undefined, { origin: 'https://a.trusted.example' })).error.message).toContain('403');
    expect(seen).toEqual(['https://a.trusted.example', 'https://trusted.example.evil', 'https://a.trusted.example']);
  });

  it('handleProtocols chooses among the offered subprotocols; default is the first offered', async () => {
    const offers: string[][] = [];
    const { wss, url } = await listening({
      handleProtocols: (protocols) => {
        offers.push(protocols);
        return protocols.includes('v2.chat') ? 'v2.chat' : false;
      },
    });
    const connected = once(wss, 'connection');
    const client = await open(url, ['v1.chat', 'v2.chat', 'v3.chat']);
    const [connection] = (await connected) as [WebSocketConnection];
    expect(client.protocol).toBe('v2.chat');
    expect(connection.protocol).toBe('v2.chat');
    expect(offers).toEqual([['v1.chat', 'v2.chat', 'v3.chat']]);
    // Declining every offer: no Sec-WebSocket-Protocol in the 101.
    const none = await open(url, ['v9']);
    expect(none.protocol).toBe('');

    const plain = await listening();
    const first = await open(plain.url, ['mqtt', 'wamp']);
    expect(first.protocol).toBe('mqtt');
  });

  it('async verify accepts, refuses with false (401), or with a status, reason and headers', async () => {
    const { url, wss } = await listening({
      verify: async (request) => {
        await sleep(10);
        const token = request.headers.authorization;
        if (token === 'Bearer good') return true;
        if (token === 'Bearer busy') return { status: 429, reason: 'Slow down', headers: { 'Retry-After': '7' } };
        return false;
      },
    });
    const accepted = await open(url, undefined, { headers: { Authorization: 'Bearer good' } });
    expect(accepted.readyState).toBe(accepted.OPEN);
    const unauthorized = await refusedClient(url, undefined, { headers: { Authorization: 'Bearer bad' } });
    expect(unauthorized.error.message).toBe('Unexpected server response: 401 (Unauthorized)');
    const limited = await refusedClient(url, undefined, { headers: { Authorization: 'Bearer busy' } });
    expect(limited.error.message).toBe('Unexpected server response: 429 (Slow down)');
    expect(limited.code).toBe(1006);
    const raw = await rawExchange(portOf(wss), upgradeRequest({ headers: { Authorization: 'Bearer busy' } }));
    expect(raw.status).toBe(429);
    expect(raw.headers['retry-after']).toBe('7');
    expect(raw.body).toBe('Slow down');
  });

  it('sync verify and a verify that throws (500) are handled too', async () => {
    const { url } = await listening({
      verify: (request) => {
        if (request.url === '/boom') throw new Error('kaput');
        return request.url === '/ok';
      },
    });
    await open(`${url}/ok`);
    expect((await refusedClient(`${url}/no`)).error.message).toContain('401');
    expect((await refusedClient(`${url}/boom`)).error.message).toContain('500');
  });

  it("a rejected verify promise becomes a 500, not an unhandled rejection", async () => {
    const { url } = await listening({ verify: () => Promise.reject(new Error('database down')) });
    const refused = await refusedClient(url);
    expect(refused.error.message).toBe('Unexpected server response: 500 (verify failed: database down)');
  });

  it("the 'headers' event adds headers to the 101, such as Set-Cookie", async () => {
    const { wss, url } = await listening();
    wss.on('headers', (headers: Record<string, string | string[]>, request: IncomingMessage) => {
      headers['Set-Cookie'] = ['session=abc; HttpOnly', `path=${request.url ?? ''}`];
      headers['X-Served-By'] = 'switchboard';
    });
    // `ws` as the independent client: it exposes the 101 response.
    const client = new WS(`${url}/room`);
    cleanups.push(() => client.terminate());
    // 'open' follows 'upgrade' in the same tick: listen for both first.
    const opened = once(client, 'open');
    const [response] = (await once(client, 'upgrade')) as [IncomingMessage];
    expect(response.statusCode).toBe(101);
    expect(response.headers['set-cookie']).toEqual(['session=abc; HttpOnly', 'path=/room']);
    expect(response.headers['x-served-by']).toBe('switchboard');
    await opened;
  });
});

describe('bad opening handshakes over raw TCP', () => {
  const escaped: unknown[] = [];
  const guard = (error: unknown): void => {
    escaped.push(error);
  };

  it.each([
    {
      name: 'a missing Sec-WebSocket-Key',
      request: upgradeRequest({ headers: { 'Sec-WebSocket-Key': null } }),
      status: 400,
      body: /Sec-WebSocket-Key/,
    },
    {
      name: 'a key that is not 16 bytes of base64',
      request: upgradeRequest({ headers: { 'Sec-WebSocket-Key': 'c2hvcnQ=' } }),
      status: 400,
      body: /Sec-WebSocket-Key/,
    },
    {
      name: 'version 8',
      request: upgradeRequest({ headers: { 'Sec-WebSocket-Version': '8' } }),
      status: 426,
      body: /version/,
      headers: { 'sec-websocket-version': '13' },
    },
    { name: 'POST', request: upgradeRequest({ method: 'POST' }), status: 405, body: /GET/, headers: { allow: 'GET' } },
    { name: 'HTTP/1.0', request: upgradeRequest({ version: '1.0' }), status: 400, body: /HTTP\/1\.1/ },
    { name: 'no Host', request: upgradeRequest({ headers: { Host: null } }), status: 400, body: /Host/ },
    {
      name: 'an Upgrade to another protocol',
      request: upgradeRequest({ headers: { Upgrade: 'h2c' } }),
      status: 400,
      body: /Upgrade header/,
    },
  ])('$name gets $status with a reason and the socket closed', async ({ request, status, body, headers }) => {
    process.on('uncaughtException', guard);
    process.on('unhandledRejection', guard);
    try {
      const { wss } = await listening();
      let connections = 0;
      wss.on('connection', () => connections++);
      const response = await rawExchange(portOf(wss), request);
      expect(response.status).toBe(status);
      expect(response.body).toMatch(body);
      expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
      expect(response.headers.connection).toBe('close');
      if (headers) expect(response.headers).toMatchObject(headers);
      expect(connections).toBe(0);
      // Let anything that might escape do so before the guard is removed.
      await sleep(20);
    } finally {
      process.off('uncaughtException', guard);
      process.off('unhandledRejection', guard);
    }
    expect(escaped).toEqual([]);
  });

  it('a server keeps serving good clients after a burst of bad handshakes', async () => {
    const { wss, url } = await listening();
    const bad = [
      upgradeRequest({ headers: { 'Sec-WebSocket-Key': null } }),
      upgradeRequest({ method: 'PUT' }),
      upgradeRequest({ headers: { 'Sec-WebSocket-Version': '7' } }),
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ===\r\nSec-WebSocket-Protocol: a b\r\n\r\n',
    ];
    const statuses = (await Promise.all(bad.map((request) => rawExchange(portOf(wss), request)))).map((r) => r.status);
    expect(statuses).toEqual([400, 405, 426, 400]);
    wss.on('connection', echoWith('ok'));
    expect(await roundTrip(await open(url), 'still')).toBe('ok:still');
  });

  it('a client that leaves while verify is thinking is not accepted', async () => {
    let release: (value: boolean) => void = () => undefined;
    let asked = false;
    const { wss } = await listening({
      verify: () =>
        new Promise<boolean>((resolve) => {
          asked = true;
          release = resolve;
        }),
    });
    let connections = 0;
    wss.on('connection', () => connections++);
    const socket = connect(portOf(wss), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(upgradeRequest());
    await waitFor(() => asked, 'verify to be called');
    socket.destroy();
    await sleep(20);
    release(true);
    await sleep(20);
    expect(connections).toBe(0);
    expect(wss.clients.size).toBe(0);
  });
});
