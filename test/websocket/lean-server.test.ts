import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LeanWebSocket,
  LeanWebSocketServer,
  type LeanWebSocketServerOptions,
  type WebSocketConnection,
  WebSocketServer,
  type WebSocketHandlers,
} from '../../src/websocket/index.js';
import { clientFrame } from '../support/raw-frame.js';
import { connectRawClient } from '../support/raw-websocket-client.js';
import { SOCKET_HIGH_WATER_MARK } from '../support/runtime.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function leanServer<Data>(handlers: WebSocketHandlers<Data>, options: Partial<LeanWebSocketServerOptions<Data>> = {}) {
  const server = new LeanWebSocketServer<Data>({ port: 0, host: '127.0.0.1', heartbeat: false, ...options, handlers });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function wsClient(url: string): Promise<WS> {
  const client = new WS(url);
  cleanups.push(() => client.terminate());
  await new Promise((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  return client;
}

function nextMessage(client: WS): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => client.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

describe('LeanWebSocketServer: handlers once per server', () => {
  it('calls open with the request, keeps ws.data, and echoes text as text and binary as binary', async () => {
    const opened: string[] = [];
    const { url } = await leanServer<{ user: string }>({
      open(ws, request) {
        ws.data = { user: new URL(request.url ?? '/', 'http://x').searchParams.get('user') ?? '?' };
        opened.push(ws.data.user);
      },
      message(ws, data, isBinary) {
        ws.send(isBinary ? data : `${ws.data.user}: ${data.toString()}`, { binary: isBinary });
      },
    });
    const client = await wsClient(`${url}/?user=ada`);
    const text = nextMessage(client);
    client.send('hello');
    expect(await text).toEqual({ data: Buffer.from('ada: hello'), isBinary: false });
    const binary = nextMessage(client);
    client.send(Buffer.from([0, 1, 2, 255]));
    expect(await binary).toEqual({ data: Buffer.from([0, 1, 2, 255]), isBinary: true });
    expect(opened).toEqual(['ada']);
  });

  it("gives the close handler the peer's code and reason, and removes the connection from clients", async () => {
    const closed: [number, string, boolean, unknown][] = [];
    const done = new Promise<void>((resolve) => {
      void leanServer<string>({
        open: (ws) => (ws.data = 'mine'),
        close(ws, code, reason, wasClean) {
          closed.push([code, reason, wasClean, ws.data]);
          resolve();
        },
      }).then(async ({ url, server }) => {
        const client = await wsClient(url);
        expect(server.clients.size).toBe(1);
        expect([...server.clients][0]).toBeInstanceOf(LeanWebSocket);
        client.close(4000, 'bye');
      });
    });
    await done;
    expect(closed).toEqual([[4000, 'bye', true, 'mine']]);
  });

  it('refuses listeners on a lean connection, since it emits nothing', async () => {
    let connection: LeanWebSocket | undefined;
    const { url } = await leanServer({ open: (ws) => (connection = ws) });
    await wsClient(url);
    expect(() => connection!.on('message', () => {})).toThrow(/handlers/);
    expect(() => connection!.once('close', () => {})).toThrow(TypeError);
    expect(connection!.listenerCount('message')).toBe(0);
  });

  it('calls drain after a send answered queued', async () => {
    let connection: LeanWebSocket | undefined;
    const drained = new Promise<void>((resolve) => {
      void leanServer({ open: (ws) => (connection = ws), drain: () => resolve() }).then(({ url }) => wsClient(url));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Past the socket's high-water mark (16 KiB on Node 20, 64 KiB on Bun and Deno).
    expect(connection!.send(Buffer.alloc(SOCKET_HIGH_WATER_MARK + 44 * 1024))).toBe('queued');
    await drained;
    expect(connection!.bufferedAmount).toBeLessThanOrEqual(SOCKET_HIGH_WATER_MARK);
  });

  it('calls ping and pong, and answers the ping itself', async () => {
    const seen: string[] = [];
    let connection: LeanWebSocket | undefined;
    const { url } = await leanServer({
      open: (ws) => (connection = ws),
      ping: (_ws, data) => seen.push(`ping ${data.toString()}`),
      pong: (_ws, data) => seen.push(`pong ${data.toString()}`),
    });
    const client = await wsClient(url);
    const pong = new Promise<Buffer>((resolve) => client.once('pong', resolve));
    client.ping('from client');
    expect((await pong).toString()).toBe('from client');
    connection!.ping('from server');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['ping from client', 'pong from server']);
  });

  it('reports a protocol violation to the error handler and closes with 1002', async () => {
    const errors: string[] = [];
    const closes: number[] = [];
    const { server } = await leanServer({
      error: (_ws, error) => errors.push(error.message),
      close: (_ws, code) => closes.push(code),
    });
    const peer = await connectRawClient((server.address() as AddressInfo).port);
    // A frame with RSV2 set, which nothing negotiated (§5.2).
    peer.send(clientFrame({ opcode: 0x1, rsv: 2, payload: Buffer.from('x') }));
    await peer.untilClosed();
    expect(peer.closeFrame?.code).toBe(1002);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toHaveLength(1);
    // The raw peer never sent a close frame back: not clean, so 1006 here (§7.1.5), as with ws-style events.
    expect(closes).toEqual([1006]);
  });

  it('drops a silent peer through the shared heartbeat (close 1006)', async () => {
    const closes: number[] = [];
    const { server } = await leanServer({ close: (_ws, code) => closes.push(code) }, { heartbeat: { interval: 100, timeout: 100 } });
    // The raw peer reads frames but never answers a ping.
    const peer = await connectRawClient((server.address() as AddressInfo).port);
    await peer.untilClosed();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes).toEqual([1006]);
  });

  it('close() sends 1001 to every connection and waits for them', async () => {
    const { server, url } = await leanServer({});
    const clients = await Promise.all([wsClient(url), wsClient(url), wsClient(url)]);
    const codes = clients.map((client) => new Promise<number>((resolve) => client.once('close', resolve)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(server.clients.size).toBe(0);
    expect(await Promise.all(codes)).toEqual([1001, 1001, 1001]);
  });

  it('serves noServer upgrades through handleUpgrade, open first', async () => {
    const order: string[] = [];
    const wss = new LeanWebSocketServer({ noServer: true, heartbeat: false, handlers: { open: () => order.push('open'), message: (ws, data) => ws.send(data) } });
    const http = createServer();
    http.on('upgrade', (request, socket, head) =>
      wss.handleUpgrade(request, socket, head, (ws) => {
        order.push(ws instanceof LeanWebSocket ? 'callback with a LeanWebSocket' : 'callback');
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const client = await wsClient(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const echoed = nextMessage(client);
    client.send('round trip');
    expect((await echoed).data.toString()).toBe('round trip');
    expect(order).toEqual(['open', 'callback with a LeanWebSocket']);
  });
});

describe('the lean and the ws-style faces are one connection', () => {
  it('deliver the same messages in the same order, for any sequence of text and binary messages', async () => {
    const received = { lean: [] as string[], emitted: [] as string[] };
    const record = (into: string[]) => (data: Buffer, isBinary: boolean) => into.push(`${isBinary ? 'b' : 't'}:${data.toString('hex')}`);
    const lean = await leanServer({ message: (_ws, data, isBinary) => record(received.lean)(data, isBinary) });
    const emitted = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
    await new Promise<void>((resolve) => emitted.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => emitted.close(() => resolve())));
    emitted.on('connection', (ws: WebSocketConnection) => ws.on('message', record(received.emitted)));
    const leanClient = await wsClient(lean.url);
    const emittedClient = await wsClient(`ws://127.0.0.1:${(emitted.address() as AddressInfo).port}`);
    const message = fc.oneof(
      fc.string({ maxLength: 200 }).map((text) => ({ data: text, binary: false })),
      fc.uint8Array({ maxLength: 70_000 }).map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 12 }), async (messages) => {
        received.lean.length = 0;
        received.emitted.length = 0;
        for (const { data, binary } of messages) {
          leanClient.send(data, { binary });
          emittedClient.send(data, { binary });
        }
        // A marker message after the sequence tells both servers are through it.
        leanClient.send('end');
        emittedClient.send('end');
        const endMarker = `t:${Buffer.from('end').toString('hex')}`;
        while (received.lean.at(-1) !== endMarker || received.emitted.at(-1) !== endMarker) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(received.lean).toEqual(received.emitted);
        expect(received.lean).toHaveLength(messages.length + 1);
      }),
      { numRuns: 25 },
    );
  });
});
