import { describe, expect, it } from 'vitest';
import { connect, type SwitchboardClient } from '../../src/client/client.js';
import type { FetchLike, RequestInitLike, ResponseLike, WebSocketLike } from '../../src/client/platform.js';
import type { ClientOptions } from '../../src/client/options.js';
import { FakeClock, flush } from './fakes.js';

class FakeWebSocket implements WebSocketLike {
  static all: FakeWebSocket[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: number | undefined;
  constructor(
    readonly url: string,
    readonly protocols: string,
  ) {
    FakeWebSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1005): void {
    this.closedWith = code;
  }
  frame(data: unknown): void {
    this.onmessage?.({ data });
  }
}

interface Call {
  readonly url: string;
  readonly init: RequestInitLike;
  resolve(response: ResponseLike): void;
  aborted: boolean;
}

/** A fetch answered by the test; an aborted request rejects as a browser's does. */
class FakeFetch {
  readonly calls: Call[] = [];
  readonly fetch: FetchLike = (url, init) =>
    new Promise((resolve, reject) => {
      const call: Call = { url, init, resolve, aborted: false };
      this.calls.push(call);
      init.signal?.addEventListener('abort', () => {
        call.aborted = true;
        reject(new Error('aborted'));
      });
    });
  to(path: string): Call[] {
    return this.calls.filter((call) => new URL(call.url).pathname + new URL(call.url).search === path);
  }
}

const json = (status: number, body: unknown): ResponseLike => ({ status, body: null, json: async () => body });
const encoder = new TextEncoder();
function stream(): { response: ResponseLike; push(text: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return { response: { status: 200, body, json: async () => null }, push: (text) => controller.enqueue(encoder.encode(text)), end: () => controller.close() };
}

function start(url: string, options: ClientOptions = {}): { client: SwitchboardClient; clock: FakeClock; http: FakeFetch } {
  FakeWebSocket.all = [];
  const clock = new FakeClock();
  const http = new FakeFetch();
  const client = connect(url, { WebSocket: FakeWebSocket, fetch: http.fetch, timers: clock, now: clock.now, random: () => 0.5, ...options });
  return { client, clock, http };
}

describe('WebSocket transport', () => {
  it('opens `<base>/ws` with switchboard.v1, counts it open at the first frame, speaks text frames', () => {
    const { client } = start('https://example.test/switchboard/');
    const socket = FakeWebSocket.all[0];
    expect(socket.url).toBe('wss://example.test/switchboard/ws');
    expect(socket.protocols).toBe('switchboard.v1');
    client.subscribe('chat', () => {});
    socket.onopen?.({});
    expect(client.state).toBe('connecting');
    socket.frame('{"type":"ping","interval":25000}');
    expect(client.state).toBe('open');
    expect(socket.sent).toEqual(['{"type":"subscribe","channel":"chat"}']);
    client.close();
    expect(socket.closedWith).toBe(1000);
  });

  it('a socket closed before its first ping, or a binary frame, moves on to SSE', () => {
    const { client, http } = start('http://example.test/sb');
    FakeWebSocket.all[0].onclose?.({ code: 1006, reason: '' });
    expect(http.to('/sb/sse')).toHaveLength(1);
    expect(http.calls[0].init.cache).toBe('no-store');
    client.close();
    const second = start('http://example.test/sb', { transports: ['websocket', 'polling'] });
    FakeWebSocket.all[0].frame(new Uint8Array(1));
    expect(second.http.to('/sb/poll')).toHaveLength(1);
    second.client.close();
  });

  it('without a WebSocket on the platform, starts on SSE', () => {
    const { http, client } = start('http://example.test/sb', { WebSocket: undefined });
    // `globalThis.WebSocket` may exist in this Node: only assert when it does not.
    if ((globalThis as { WebSocket?: unknown }).WebSocket === undefined) expect(http.to('/sb/sse')).toHaveLength(1);
    client.close();
  });
});

describe('SSE transport', () => {
  it('reads the stream with fetch: session event, then one message per event; POSTs one at a time, batched', async () => {
    const { client, http } = start('http://example.test/sb', { transports: ['sse'] });
    const seen: string[] = [];
    client.subscribe('chat', (event) => event.type === 'message' && seen.push(event.data));
    const sse = stream();
    http.calls[0].resolve(sse.response);
    sse.push('event: session\ndata: {"session":"s/1","interval":25000}\n\ndata: {"type":"ping","interval":25000}\n\n');
    await flush();
    expect(client.state).toBe('open');
    expect(client.transport).toBe('sse');
    const posts = (): Call[] => http.to('/sb/session/s%2F1');
    expect(posts()).toHaveLength(1);
    expect(posts()[0].init).toMatchObject({ method: 'POST', body: '[{"type":"subscribe","channel":"chat"}]' });
    const a = client.publish('chat', 'a');
    const b = client.publish('chat', 'b');
    expect(posts()).toHaveLength(1); // one at a time
    posts()[0].resolve(json(204, null));
    await flush();
    expect(posts()).toHaveLength(2);
    expect(JSON.parse(posts()[1].init.body!)).toHaveLength(2);
    sse.push('data: {"type":"message","channel":"chat","id":"e-1","data":"hé"}\n\n');
    await flush();
    expect(seen).toEqual(['hé']);
    // Sent in the refused POST: at most once, so not sent again.
    const lost = Promise.all([expect(a).rejects.toMatchObject({ code: 'connection-lost' }), expect(b).rejects.toMatchObject({ code: 'connection-lost' })]);
    posts()[1].resolve(json(404, { error: 'unknown session' }));
    await flush();
    expect(client.state).toBe('reconnecting');
    expect(http.calls[0].aborted).toBe(true);
    await lost;
    client.close();
  });

  it('no session event within connectTimeout (a buffering proxy): falls back to polling', async () => {
    const { client, http, clock } = start('http://example.test/sb', { transports: ['sse', 'polling'], connectTimeout: 5000 });
    const sse = stream();
    http.calls[0].resolve(sse.response);
    await flush();
    clock.advance(5000);
    expect(http.calls[0].aborted).toBe(true);
    expect(http.to('/sb/poll')).toHaveLength(1);
    client.close();
  });

  it('a stream that ends is a failed session', async () => {
    const { client, http } = start('http://example.test/sb', { transports: ['sse'] });
    const sse = stream();
    http.calls[0].resolve(sse.response);
    sse.push('event: session\ndata: {"session":"s1","interval":25000}\n\n');
    await flush();
    expect(client.state).toBe('open');
    sse.end();
    await flush();
    expect(client.state).toBe('reconnecting');
    client.close();
  });
});

describe('long-polling transport', () => {
  it('opens with GET /poll, then holds /poll?session=…; delivers each answer; 404 ends the session', async () => {
    // A relative base resolves against the page.
    (globalThis as { location?: { href: string } }).location = { href: 'http://example.test/app/page.html' };
    const { client, http } = start('/sb', { transports: ['polling'] });
    delete (globalThis as { location?: unknown }).location;
    expect(http.calls[0].url).toBe('http://example.test/sb/poll');
    const seen: string[] = [];
    client.subscribe('chat', (event) => seen.push(event.type));
    http.calls[0].resolve(json(200, { session: 's1', interval: 20_000, messages: [{ type: 'ping', interval: 20_000 }] }));
    await flush();
    expect(client.transport).toBe('polling');
    expect(http.to('/sb/session/s1')[0].init.body).toBe('[{"type":"subscribe","channel":"chat"}]');
    const polls = (): Call[] => http.to('/sb/poll?session=s1');
    expect(polls()).toHaveLength(1);
    polls()[0].resolve(json(200, { messages: [{ type: 'subscribed', channel: 'chat', headId: 'e-0' }, { type: 'message', channel: 'chat', id: 'e-1', data: 'x' }] }));
    await flush();
    expect(seen).toEqual(['subscribed', 'message']);
    expect(polls()).toHaveLength(2);
    polls()[1].resolve(json(404, { error: 'unknown session' }));
    await flush();
    expect(client.state).toBe('reconnecting');
    client.close();
  }, 5000);

  it('a poll held longer than interval + grace is aborted: the session is over', async () => {
    const { client, http, clock } = start('http://example.test/sb', { transports: ['polling'], heartbeatGrace: 10_000 });
    http.calls[0].resolve(json(200, { session: 's1', interval: 20_000, messages: [] }));
    await flush();
    clock.advance(29_999);
    expect(http.calls[1].aborted).toBe(false);
    clock.advance(1);
    expect(http.calls[1].aborted).toBe(true);
    await flush();
    expect(client.state).toBe('reconnecting');
    client.close();
  });
});
