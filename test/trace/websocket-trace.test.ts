import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TRACE_CHANNELS, type TraceEvent, subscribeTrace } from '../../src/trace/index.js';
import { WebSocket, WebSocketServer, traceConnection, traceOf } from '../../src/websocket/index.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startServer(options: ConstructorParameters<typeof WebSocketServer>[0] extends infer O ? Omit<O & object, 'port'> : never) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  server.on('connection', (ws) => {
    ws.on('message', (data: Buffer, binary: boolean) => (String(data) === 'close please' ? ws.close(4001, 'as asked') : ws.send(data, { binary })));
  });
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/room?viewer=v1` };
}

/** Opens a client, sends `messages`, waits for each echo, asks the server to close. */
async function session(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
  const client = new WebSocket(url, undefined, options);
  await once(client, 'open');
  for (const message of ['hello', 'κόσμε']) {
    client.send(message);
    await once(client, 'message');
  }
  client.ping('p');
  await once(client, 'pong');
  client.send('close please');
  await once(client, 'close');
  return client;
}

const brief = (event: TraceEvent) =>
  event.type === 'frame'
    ? `${event.from} ${event.frame.opcodeName}${event.frame.masked ? ' masked' : ''} ${event.frame.text ?? (event.frame.close ? `${event.frame.close.code} ${event.frame.close.reason}` : '')}`
    : event.type === 'http-head'
      ? `${event.from} head ${event.text.split('\r\n')[0]}`
      : `${event.type}`;

describe('WebSocket wire trace', () => {
  it('a traced server records the handshake heads and every frame both ways, in order, with byte counts', async () => {
    const labels: string[] = [];
    const { url } = await startServer({
      trace: (request) => {
        labels.push(request.url!);
        return new URL(request.url!, 'http://x').searchParams.get('viewer') ?? false;
      },
    });
    const events: TraceEvent[] = [];
    const unsubscribe = subscribeTrace({ label: 'v1' }, (event) => events.push(event));
    cleanups.push(unsubscribe);
    await session(url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(labels).toEqual(['/room?viewer=v1']);
    expect(events.map(brief)).toEqual([
      'client head GET /room?viewer=v1 HTTP/1.1',
      'server head HTTP/1.1 101 Switching Protocols',
      'client text masked hello',
      'server text hello',
      'client text masked κόσμε',
      'server text κόσμε',
      'client ping masked ',
      'server pong ',
      'client text masked close please',
      'server close 4001 as asked',
      'client close masked 4001 ',
      'end',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.connection)).size).toBe(1);
    expect(events.every((e) => e.label === 'v1' && e.transport === 'websocket')).toBe(true);
    const [request, response, hello] = events;
    expect(request.type === 'http-head' && request.exact).toBe(false);
    // The response head is what went on the wire, byte for byte.
    expect(response.type === 'http-head' && response.exact && response.text.endsWith('\r\n\r\n')).toBe(true);
    expect(response.type === 'http-head' && response.bytes).toBe(response.type === 'http-head' ? Buffer.byteLength(response.text) : -1);
    expect(hello.type === 'frame' && [hello.bytes, hello.hex.length / 2, hello.frame.maskKey?.length]).toEqual([11, 11, 8]);
    for (let i = 1; i < events.length; i++) expect(events[i].time).toBeGreaterThanOrEqual(events[i - 1].time);
  });

  it('is off by default, and a connection can be traced once open; traceOf finds it', async () => {
    const { server, url } = await startServer({});
    const [, [connection]] = await Promise.all([
      (async () => {
        const client = new WebSocket(url);
        cleanups.push(() => client.terminate());
        await once(client, 'open');
        return client;
      })(),
      once(server, 'connection'),
    ]);
    expect(traceOf(connection)).toBeUndefined();
    const trace = traceConnection(connection, 'late');
    expect(traceConnection(connection)).toBe(trace);
    expect(traceOf(connection)).toBe(trace);
    connection.send('hi');
    connection.close(1000);
    await once(connection, 'close');
    expect(trace.events.map(brief)).toEqual(['server text hi', 'server close 1000 ', 'client close masked 1000 ', 'end']);
    expect(trace.ended).toBe(true);
  });

  it('a client traces its own connection, its request head exactly as written', async () => {
    const { url } = await startServer({});
    const client = new WebSocket(url, undefined, { trace: 'mine' });
    await once(client, 'open');
    client.send('x');
    await once(client, 'message');
    client.close();
    await once(client, 'close');
    const trace = traceOf(client);
    const events = trace!.events;
    expect(events.map(brief)).toEqual([
      'client head GET /room?viewer=v1 HTTP/1.1',
      'server head HTTP/1.1 101 Switching Protocols',
      'client text masked x',
      'server text x',
      'client close masked ',
      'server close ',
      'end',
    ]);
    expect(events[0].type === 'http-head' && events[0].exact && events[0].text.includes('Sec-WebSocket-Key')).toBe(true);
  });

  it('publishes on the diagnostics channels, by kind and all together', async () => {
    const { url } = await startServer({ trace: true });
    const all: TraceEvent[] = [];
    const frames: TraceEvent[] = [];
    const onAll = (message: unknown) => all.push(message as TraceEvent);
    const onFrame = (message: unknown) => frames.push(message as TraceEvent);
    subscribe(TRACE_CHANNELS.all, onAll);
    subscribe(TRACE_CHANNELS.frame, onFrame);
    cleanups.push(() => unsubscribe(TRACE_CHANNELS.all, onAll), () => unsubscribe(TRACE_CHANNELS.frame, onFrame));
    await session(url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(frames.length).toBe(9);
    expect(frames.every((e) => e.type === 'frame')).toBe(true);
    expect(all.filter((e) => e.type === 'frame')).toEqual(frames);
    expect(all.map((e) => e.type)).toContain('http-head');
    expect(all.at(-1)!.type).toBe('end');
  });

  it('a late subscriber by id gets the history first, then live events', async () => {
    const { server, url } = await startServer({ trace: true });
    const client = new WebSocket(url);
    cleanups.push(() => client.terminate());
    const [[connection]] = await Promise.all([once(server, 'connection'), once(client, 'open')]);
    const id = traceOf(connection)!.id;
    expect(id).toMatch(/^ws-\d+$/);
    const seen: string[] = [];
    const stop = subscribeTrace({ id }, (event) => seen.push(brief(event)));
    expect(seen).toEqual(['client head GET /room?viewer=v1 HTTP/1.1', 'server head HTTP/1.1 101 Switching Protocols']);
    client.send('after');
    await once(client, 'message');
    stop();
    client.send('unseen');
    await once(client, 'message');
    expect(seen.slice(2)).toEqual(['client text masked after', 'server text after']);
  });
});
