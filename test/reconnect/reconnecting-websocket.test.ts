import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import type { PubSubServer } from '../../src/pubsub/index.js';
import {
  DropEvent,
  PublishError,
  ReconnectEvent,
  ReconnectingCloseEvent,
  ReconnectingWebSocket,
  ResumeEvent,
  type ChannelEvent,
  type ReconnectingWebSocketOptions,
} from '../../src/reconnect/index.js';
import { WebSocketServer, type WebSocketConnection } from '../../src/websocket/index.js';
import { JsonClient, startPubSub } from '../support/pubsub/json-client.js';
import { waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const FAST = { initialDelayMs: 10, maxDelayMs: 40 };

function client(url: string, options: ReconnectingWebSocketOptions = {}): ReconnectingWebSocket {
  const socket = new ReconnectingWebSocket(url, { backoff: FAST, ...options });
  cleanups.push(() => socket.close());
  return socket;
}

function recorder(socket: ReconnectingWebSocket) {
  const log = { reconnects: [] as ReconnectEvent[], closes: [] as ReconnectingCloseEvent[], resumes: [] as ResumeEvent[], drops: [] as DropEvent[], opens: 0 };
  socket.addEventListener('reconnect', (e) => log.reconnects.push(e as ReconnectEvent));
  socket.addEventListener('close', (e) => log.closes.push(e as ReconnectingCloseEvent));
  socket.addEventListener('resume', (e) => log.resumes.push(e as ResumeEvent));
  socket.addEventListener('drop', (e) => log.drops.push(e as DropEvent));
  socket.addEventListener('open', () => log.opens++);
  return log;
}

async function pubsubOn(hub: MemoryHub, port = 0): Promise<{ pubsub: PubSubServer; url: string; port: number }> {
  const started = await startPubSub({ hub, server: { port } });
  cleanups.push(() => started.pubsub.close());
  return started;
}

/** A plain WebSocket server (no subprotocol) with a connection handler. */
async function plainServer(onConnection: (connection: WebSocketConnection) => void, port = 0): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  const wss = new WebSocketServer({ port, host: '127.0.0.1', handleProtocols: () => false });
  wss.on('connection', onConnection);
  await once(wss, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const actual = (wss.address() as AddressInfo).port;
  return { wss, url: `ws://127.0.0.1:${actual}`, port: actual };
}

/** A port nothing listens on (taken and released). */
async function freePort(): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  return port;
}

const offsetsOf = (events: ChannelEvent[]): number[] => events.flatMap((e) => (e.type === 'message' ? [Number(e.id.split('-')[1])] : []));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ReconnectingWebSocket: the WHATWG-like API', () => {
  it('opens, sends, receives, and closes for good', async () => {
    const { url } = await plainServer((connection) => connection.on('message', (data: Buffer) => connection.send(`echo:${data.toString()}`)));
    const socket = client(url, { protocols: [] });
    const log = recorder(socket);
    expect(socket.readyState).toBe(ReconnectingWebSocket.CONNECTING);
    expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
    const messages: string[] = [];
    socket.onmessage = (event) => messages.push((event as MessageEvent).data as string);
    expect(socket.send('early')).toBe('queued');
    let opened = false;
    socket.onopen = () => (opened = true);
    expect(socket.onopen).toBeTypeOf('function');
    await waitFor(() => opened, 'open');
    expect(socket.readyState).toBe(ReconnectingWebSocket.OPEN);
    expect(socket.protocol).toBe('');
    expect(socket.send('now')).toBe('sent');
    await waitFor(() => messages.length === 2, 'echoes');
    expect(messages).toEqual(['echo:early', 'echo:now']);
    let closed: ReconnectingCloseEvent | undefined;
    socket.onclose = (event) => (closed = event as ReconnectingCloseEvent);
    socket.close(1000, 'bye');
    expect(socket.readyState).toBe(ReconnectingWebSocket.CLOSING);
    await waitFor(() => closed !== undefined, 'close');
    // The reason is the server's, from its echoed close frame.
    expect(closed).toMatchObject({ code: 1000, wasClean: true, willReconnect: false });
    expect(socket.readyState).toBe(ReconnectingWebSocket.CLOSED);
    expect(socket.send('late')).toBe('dropped');
    expect(log.drops.map((d) => `${String(d.data)}:${d.reason}`)).toEqual(['late:closed']);
    expect(log.reconnects).toEqual([]);
    expect(() => socket.close(1001)).toThrow(DOMException);
  });

  it('uses the project backoff by default: 1 s first, ±10 % jitter', async () => {
    const port = await freePort();
    for (const [random, expected] of [[0.5, 1000], [0, 900]] as const) {
      const socket = new ReconnectingWebSocket(`ws://127.0.0.1:${port}`, { random: () => random });
      const reconnect = await new Promise<ReconnectEvent>((resolve) => socket.addEventListener('reconnect', (e) => resolve(e as ReconnectEvent)));
      socket.close();
      expect(reconnect).toMatchObject({ attempt: 1, delayMs: expected, code: 1006 });
      expect(reconnect.reason).toMatch(/ECONNREFUSED/);
      await once(socket, 'close');
    }
  });

  it("comes back after a draining server's restart hint rather than its backoff delay", async () => {
    const { pubsub, url } = await pubsubOn(new MemoryHub());
    const socket = client(url, { backoff: { initialDelayMs: 5000, maxDelayMs: 10_000 } });
    const log = recorder(socket);
    socket.subscribe('news', () => {});
    await waitFor(() => log.opens === 1 && pubsub.sessionCount === 1, 'open');
    void pubsub.drain({ windowMs: 0, retryAfterMs: 120 });
    await waitFor(() => log.reconnects.length === 1, 'reconnect');
    expect(log.reconnects[0]).toMatchObject({ attempt: 1, delayMs: 120, code: 1012 });
    // The server keeps sending newcomers away (each told the time left, none here):
    // the hint is honoured again, not the 5 s backoff.
    await waitFor(() => log.reconnects.length === 2, 'second reconnect');
    expect(log.reconnects[1]).toMatchObject({ delayMs: 120, code: 1012 });
  });

  it('takes full and decorrelated jitter through its backoff option', async () => {
    const port = await freePort();
    for (const [jitter, expected] of [['full', [500, 1000, 2000]], ['decorrelated', [2000, 3500, 5750]]] as const) {
      // A tiny initial delay keeps the test fast; the shapes are checked on the ratios.
      const socket = new ReconnectingWebSocket(`ws://127.0.0.1:${port}`, { random: () => 0.5, backoff: { jitter, initialDelayMs: 4, maxDelayMs: 1000 } });
      const delays: number[] = [];
      socket.addEventListener('reconnect', (e) => delays.push((e as ReconnectEvent).delayMs));
      await waitFor(() => delays.length >= 3, 'three reconnects');
      socket.close();
      expect(delays.slice(0, 3)).toEqual(expected.map((ms) => (ms * 4) / 1000));
      await once(socket, 'close');
    }
  });

  it('stops after maxAttempts reconnection attempts that did not open', async () => {
    const port = await freePort();
    const socket = client(`ws://127.0.0.1:${port}`, { maxAttempts: 3 });
    const log = recorder(socket);
    await waitFor(() => socket.readyState === ReconnectingWebSocket.CLOSED, 'gave up');
    expect(log.reconnects.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(log.reconnects.every((r) => r.delayMs >= 9 && r.delayMs <= 44)).toBe(true);
    expect(log.closes.map((c) => c.willReconnect)).toEqual([true, true, true, false]);
  });

  for (const code of [1008, 4001]) {
    it(`stops on close code ${code} (do not come back)`, async () => {
      let connections = 0;
      const { url } = await plainServer((connection) => {
        connections++;
        connection.close(code, 'go away');
      });
      const socket = client(url, { protocols: [] });
      const log = recorder(socket);
      await waitFor(() => socket.readyState === ReconnectingWebSocket.CLOSED, 'stopped');
      expect(log.closes).toHaveLength(1);
      expect(log.closes[0]).toMatchObject({ code, reason: 'go away', willReconnect: false });
      expect(log.reconnects).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(connections).toBe(1);
    });
  }

  it('reconnects on other codes, and shouldStop can change which codes stop it', async () => {
    let connections = 0;
    const { url } = await plainServer((connection) => {
      connections++;
      connection.close(connections < 3 ? 4001 : 1011, 'again');
    });
    const socket = client(url, { protocols: [], shouldStop: (code) => code === 1011 });
    const log = recorder(socket);
    await waitFor(() => socket.readyState === ReconnectingWebSocket.CLOSED, 'stopped');
    expect(log.closes.map((c) => `${c.code}:${c.willReconnect}`)).toEqual(['4001:true', '4001:true', '1011:false']);
    expect(log.opens).toBe(3);
  });

  it('bounds the outgoing queue while disconnected and reports what it drops', async () => {
    const port = await freePort();
    const socket = client(`ws://127.0.0.1:${port}`, { protocols: [], maxQueuedMessages: 3, maxQueuedBytes: 1000 });
    const log = recorder(socket);
    expect(['a', 'b', 'c', 'd', 'e'].map((m) => socket.send(m))).toEqual(['queued', 'queued', 'queued', 'dropped', 'dropped']);
    expect(socket.queuedMessages).toBe(3);
    expect(socket.bufferedAmount).toBe(3);
    await expect(socket.publish('c', 'x')).rejects.toMatchObject({ name: 'PublishError', code: 'queue-full' });
    expect(log.drops.map((d) => `${String(d.data).slice(0, 12)}:${d.reason}`)).toEqual(['d:queue-full', 'e:queue-full', '{"type":"pub:queue-full']);

    const received: string[] = [];
    await plainServer((connection) => connection.on('message', (data: Buffer) => received.push(data.toString())), port);
    await waitFor(() => received.length === 3, 'queued messages delivered');
    expect(received).toEqual(['a', 'b', 'c']);
    expect(socket.queuedMessages).toBe(0);

    const big = client(`ws://127.0.0.1:${await freePort()}`, { protocols: [], maxQueuedBytes: 10 });
    const bigLog = recorder(big);
    expect(big.send(Buffer.alloc(11))).toBe('dropped');
    expect(big.send('0123456789')).toBe('queued');
    big.close();
    expect(bigLog.drops.map((d) => d.reason)).toEqual(['queue-full', 'closed']);
  });

  it('bounds the publishes waiting for an acknowledgement', async () => {
    // A server that takes publishes but never answers them.
    const { url } = await plainServer(() => undefined);
    const socket = client(url, { maxPendingPublishes: 2 });
    const log = recorder(socket);
    await waitFor(() => socket.readyState === ReconnectingWebSocket.OPEN, 'open');
    const waiting = [socket.publish('c', '1'), socket.publish('c', '2')];
    await expect(socket.publish('c', '3')).rejects.toMatchObject({ code: 'queue-full' });
    expect(log.drops.map((d) => d.reason)).toEqual(['queue-full']);
    socket.close();
    for (const publish of waiting) await expect(publish).rejects.toMatchObject({ code: 'connection-lost' });
  });

  it('validates its options', () => {
    expect(() => new ReconnectingWebSocket('ws://127.0.0.1:1', { maxQueuedMessages: -1 })).toThrow(RangeError);
    expect(() => new ReconnectingWebSocket('ws://127.0.0.1:1', { maxAttempts: 1.5 })).toThrow(RangeError);
    expect(() => new ReconnectingWebSocket('ftp://127.0.0.1:1')).toThrow(DOMException);
  });
});

describe('ReconnectingWebSocket: pub/sub with resume', () => {
  it('resumes after a server restart on the same port with every message exactly once, in order', async () => {
    const hub = new MemoryHub({ epoch: 'a', maxHistory: 10_000 });
    cleanups.push(() => hub.close());
    const first = await pubsubOn(hub);
    const socket = client(first.url);
    const log = recorder(socket);
    const events: ChannelEvent[] = [];
    const subscription = socket.subscribe('feed', (event) => events.push(event));
    await waitFor(() => events.some((e) => e.type === 'subscribed'), 'subscribed');
    expect(subscription.lastId).toBe('a-0');

    let n = 0;
    const publish = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) await hub.publish('feed', { data: `m${++n}` });
    };
    await publish(50);
    await waitFor(() => offsetsOf(events).length >= 20, 'some delivered');
    // Restart while publishing: close (clients get 1001), publish more, start again.
    const closing = first.pubsub.close();
    await publish(50);
    await closing;
    expect(socket.readyState).toBe(ReconnectingWebSocket.CONNECTING);
    await publish(50);
    await pubsubOn(hub, first.port);
    await publish(50);
    await waitFor(() => offsetsOf(events).at(-1) === 200, 'everything after the restart', 10_000);
    expect(offsetsOf(events)).toEqual(range(1, 200));
    expect(events.filter((e) => e.type === 'gap')).toEqual([]);
    expect(log.resumes).toHaveLength(1);
    expect(log.resumes[0]).toMatchObject({ channel: 'feed', lossy: false, gap: undefined });
    expect(log.reconnects.length).toBeGreaterThanOrEqual(1);
    expect(log.reconnects[0]).toMatchObject({ attempt: 1, code: 1001, reason: 'Server shutting down' });
    expect(log.opens).toBe(2);
    expect(subscription.lastId).toBe('a-200');
  });

  it('reports a lossy resume when the hub lost its history (another epoch), then carries on', async () => {
    const oldHub = new MemoryHub({ epoch: 'old' });
    const first = await pubsubOn(oldHub);
    const socket = client(first.url);
    const log = recorder(socket);
    const events: ChannelEvent[] = [];
    socket.subscribe('feed', (event) => events.push(event));
    await waitFor(() => events.some((e) => e.type === 'subscribed'), 'subscribed');
    await oldHub.publish('feed', { data: 'one' });
    await waitFor(() => offsetsOf(events).length === 1, 'first message');
    await first.pubsub.close();
    await oldHub.close();

    const newHub = new MemoryHub({ epoch: 'new' });
    cleanups.push(() => newHub.close());
    await newHub.publish('feed', { data: 'after restart' });
    await pubsubOn(newHub, first.port);
    await waitFor(() => log.resumes.length === 1, 'resume');
    expect(log.resumes[0]).toMatchObject({ channel: 'feed', since: 'old-1', lossy: true });
    expect(log.resumes[0].gap).toEqual({ type: 'gap', channel: 'feed', since: 'old-1', reason: 'epoch-changed', firstAvailableId: 'new-1' });
    await newHub.publish('feed', { data: 'live again' });
    await waitFor(() => offsetsOf(events).length === 3, 'new messages');
    expect(events.filter((e) => e.type === 'message').map((e) => (e.type === 'message' ? `${e.id}:${e.data}` : ''))).toEqual([
      'old-1:one',
      'new-1:after restart',
      'new-2:live again',
    ]);
  });

  it('publishes (queued while disconnected), resolves with ids, rejects refusals and unacknowledged publishes', async () => {
    const hub = new MemoryHub({ epoch: 'p', maxDataLength: 20 });
    cleanups.push(() => hub.close());
    const port = await freePort();
    const socket = client(`ws://127.0.0.1:${port}`);
    const queued = socket.publish('c', 'while away', { event: 'note' });
    const server = await pubsubOn(hub, port);
    expect(await queued).toBe('p-1');
    expect(await socket.publish('c', 'now')).toBe('p-2');
    await expect(socket.publish('c', 'x'.repeat(21))).rejects.toMatchObject({ code: 'publish-failed' });
    const errors: string[] = [];
    socket.addEventListener('servererror', (e) => errors.push((e as Event & { code: string }).code));
    await expect(socket.publish('', 'x')).rejects.toBeInstanceOf(PublishError);
    expect(errors).toEqual(['bad-request']);

    // In flight when the connection drops: it may or may not have been published.
    const inFlight = socket.publish('c', 'in flight');
    for (const connection of server.pubsub.wss.clients) connection.terminate();
    const outcome = await inFlight.then(
      (id) => `published ${id}`,
      (error: PublishError) => error.code,
    );
    expect(['published p-3', 'connection-lost']).toContain(outcome);
  });

  it('unsubscribes, shares one server subscription per channel between handlers, and works next to a browser-like client', async () => {
    const hub = new MemoryHub({ epoch: 'u' });
    cleanups.push(() => hub.close());
    const { url } = await pubsubOn(hub);
    const socket = client(url);
    const a: ChannelEvent[] = [];
    const b: ChannelEvent[] = [];
    const first = socket.subscribe('c', (e) => a.push(e));
    const second = socket.subscribe('c', (e) => b.push(e));
    const browser = await JsonClient.connect(url);
    cleanups.push(() => browser.close());
    browser.send({ type: 'subscribe', channel: 'c' });
    await waitFor(() => a.some((e) => e.type === 'subscribed') && browser.ofType('subscribed').length === 1, 'subscribed');
    browser.send({ type: 'publish', channel: 'c', data: 'from the browser', ref: 'b1' });
    await waitFor(() => b.length === 2, 'message');
    expect(b[1]).toEqual({ type: 'message', channel: 'c', id: 'u-1', data: 'from the browser' });
    await socket.publish('c', 'from rws');
    await browser.next((m) => m.data === 'from rws', 'browser got it');
    first.unsubscribe();
    await hub.publish('c', { data: 'still b' });
    await waitFor(() => b.length === 4, 'b keeps going');
    expect(b.slice(2).map((e) => (e.type === 'message' ? e.data : e.type))).toEqual(['from rws', 'still b']);
    expect(a.filter((e) => e.type === 'message')).toHaveLength(2);
    second.unsubscribe();
    await waitFor(() => hub.subscriberCount('c') === 1, 'only the browser left');
  });

  it('tells a throwing handler apart: an error event, and the other handlers still run', async () => {
    const hub = new MemoryHub({ epoch: 't' });
    cleanups.push(() => hub.close());
    const { url } = await pubsubOn(hub);
    const socket = client(url);
    const errors: string[] = [];
    socket.onerror = (e) => errors.push((e as Event & { message: string }).message);
    const seen: string[] = [];
    socket.subscribe('c', () => {
      throw new Error('handler bug');
    });
    socket.subscribe('c', (e) => seen.push(e.type));
    await waitFor(() => seen.includes('subscribed'), 'subscribed');
    expect(errors).toContain('handler bug');
  });
});
