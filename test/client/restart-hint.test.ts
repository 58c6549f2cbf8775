// Graceful restart of the mount with the universal client under Node: `switchboard.drain`
// tells each session when to come back (WebSocket: a `restart` message and 1012; SSE: a
// `retry:` field before the stream ends; long polling: 503 with `Retry-After` on its poll),
// the client waits that long (not its 50 ms backoff), then resumes on the restarted mount
// with nothing lost or repeated while messages are published all the way through.
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ChannelEvent, type SwitchboardClient, type TransportName, type WebSocketConstructor } from '../../src/client/index.js';
import { MemoryHub } from '../../src/hub/index.js';
import { createSwitchboard, type Switchboard } from '../../src/mount/index.js';
import { WebSocket } from '../../src/websocket/index.js';
import { listen, readStream, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A server whose mount is replaced on restart, recording when each new session was asked for. */
interface Site {
  readonly base: string;
  readonly hub: MemoryHub;
  switchboard: Switchboard;
  /** Times of the requests that open a session: a WebSocket upgrade, `GET /sse`, `GET /poll` without a session. */
  readonly sessionRequests: number[];
  restart(): Promise<void>;
}

async function site(): Promise<Site> {
  const hub = new MemoryHub({ epoch: 'e' });
  const make = (): Switchboard => createSwitchboard({ hub, heartbeatInterval: 25_000 });
  const opensSession = (request: IncomingMessage): boolean => {
    const url = request.url ?? '';
    return url === '/switchboard/sse' || url === '/switchboard/poll' || url === '/switchboard/ws';
  };
  const server: Server = createServer((request, response) => {
    if (opensSession(request)) state.sessionRequests.push(Date.now());
    if (!state.switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  server.on('upgrade', (request, socket, head) => {
    if (opensSession(request)) state.sessionRequests.push(Date.now());
    if (!state.switchboard.handleUpgrade(request, socket, head)) socket.destroy();
  });
  const origin = await listen(server);
  const state: Site = {
    base: `${origin}/switchboard`,
    hub,
    switchboard: make(),
    sessionRequests: [],
    async restart() {
      await state.switchboard.close();
      state.switchboard = make();
    },
  };
  cleanups.push(async () => {
    await state.switchboard.close();
    await hub.close();
    await shut(server);
  });
  return state;
}

const CHANNELS = ['alpha', 'beta'];
const numbered = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

interface Page {
  readonly client: SwitchboardClient;
  readonly received: Map<string, string[]>;
  readonly gaps: string[];
  /** Each `reconnecting`: when, the wait chosen and why. */
  readonly reconnecting: Array<{ at: number; delay: number; reason: string }>;
  opens: number;
  subscribed: number;
}

function page(base: string, transport: TransportName): Page {
  // A 50 ms backoff: a wait of a second can only be the server's hint.
  const client = connect(base, { WebSocket: WebSocket as unknown as WebSocketConstructor, transports: [transport], backoff: { initialDelayMs: 50, maxDelayMs: 5000 } });
  cleanups.push(() => client.close());
  const p: Page = { client, received: new Map(), gaps: [], reconnecting: [], opens: 0, subscribed: 0 };
  client.addEventListener('open', () => p.opens++);
  client.addEventListener('reconnecting', (event) => {
    const { detail } = event as unknown as { detail: { delay: number; reason: string } };
    p.reconnecting.push({ at: Date.now(), delay: detail.delay, reason: detail.reason });
  });
  for (const channel of CHANNELS) {
    p.received.set(channel, []);
    client.subscribe(channel, (event: ChannelEvent) => {
      if (event.type === 'message') p.received.get(channel)!.push(event.data);
      if (event.type === 'gap') p.gaps.push(channel);
      if (event.type === 'subscribed') p.subscribed++;
    });
  }
  return p;
}

/** Publishes `m1`, `m2`… on every channel every few ms until stopped; returns the last number. */
function publishing(hub: MemoryHub): { readonly count: () => number; stop(): Promise<number> } {
  let n = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      n++;
      for (const channel of CHANNELS) await hub.publish(channel, { data: `m${n}` });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    count: () => n,
    stop: async () => {
      on = false;
      await loop;
      return n;
    },
  };
}

const HINT_MS = 1000;

describe('graceful restart of the mount: the client waits the hint, then resumes', () => {
  const expected: Record<TransportName, RegExp> = {
    websocket: /websocket: closed \(1012/,
    sse: /sse: the event stream ended/,
    polling: /polling: poll answered 503/,
  };
  for (const transport of ['websocket', 'sse', 'polling'] as const) {
    it(`${transport}: waits the hinted ${HINT_MS} ms (with its jitter, never less), then loses and repeats nothing`, async () => {
      const s = await site();
      const p = page(s.base, transport);
      await waitFor(() => p.subscribed === CHANNELS.length, 'the subscriptions');
      const publisher = publishing(s.hub);
      await waitFor(() => CHANNELS.every((c) => p.received.get(c)!.length >= 10), 'traffic before the drain');

      await s.switchboard.drain({ windowMs: 100, retryAfterMs: HINT_MS });
      expect(s.switchboard.sessionCount).toBe(0);
      await s.restart();
      await waitFor(() => p.opens === 2, 'the session on the restarted mount', 5000);
      const resumedAt = publisher.count();
      await waitFor(() => publisher.count() >= resumedAt + 10, 'traffic after the restart');
      const last = await publisher.stop();

      // One reconnection, with the server's wait: the hint plus up to 10 % (the default jitter).
      expect(p.reconnecting).toHaveLength(1);
      const [wait] = p.reconnecting;
      expect(wait.reason).toMatch(expected[transport]);
      expect(wait.delay).toBeGreaterThanOrEqual(HINT_MS);
      expect(wait.delay).toBeLessThanOrEqual(HINT_MS * 1.1);
      // And it was waited: no session was asked for between the end and the hint.
      const after = s.sessionRequests.filter((t) => t >= wait.at);
      expect(after).toHaveLength(1);
      expect(after[0] - wait.at).toBeGreaterThanOrEqual(HINT_MS - 2);

      await waitFor(() => CHANNELS.every((c) => p.received.get(c)!.length === last), 'every message').catch((error: unknown) => {
        throw new Error(`${String(error)}: ${CHANNELS.map((c) => `${c} ${p.received.get(c)!.length}/${last} ${p.received.get(c)!.slice(0, 3).join()}`).join('; ')}`);
      });
      for (const channel of CHANNELS) expect(p.received.get(channel)).toEqual(numbered(1, last));
      expect(p.gaps).toEqual([]);
      expect(p.client.transport).toBe(transport);
    });
  }

  it('after the hinted reconnection the backoff is back: the next drop waits its first delay', async () => {
    const s = await site();
    const p = page(s.base, 'sse');
    await waitFor(() => p.opens === 1, 'the session');
    await s.switchboard.drain({ windowMs: 0, retryAfterMs: 300 });
    await s.restart();
    await waitFor(() => p.opens === 2, 'the second session');
    await s.restart(); // not a drain: no hint
    await waitFor(() => p.opens === 3, 'the third session');
    expect(p.reconnecting.map((r) => r.delay >= 300 && r.delay <= 330)).toEqual([true, false]);
    expect(p.reconnecting[1].delay).toBeLessThan(100);
  });
});

describe('the mount drains every transport', () => {
  it('spreads the streams over the window (a retry: field before each ends); polls are answered at once, 503 with the Retry-After of their turn', async () => {
    const s = await site();
    const streams = [await readStream(`${s.base}/sse`), await readStream(`${s.base}/sse`)];
    for (const stream of streams) cleanups.push(() => stream.close());
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(((await getJson(`${s.base}/poll`)).body as { session: string }).session);
    await waitFor(() => s.switchboard.sessionCount === 4, 'four sessions');
    const held = ids.map((id) => getJson(`${s.base}/poll?session=${id}`));
    await new Promise((resolve) => setTimeout(resolve, 50)); // both polls held

    const started = Date.now();
    const drained = s.switchboard.drain({ windowMs: 2000, retryAfterMs: 1000 });
    // The polls: at once, told 1 s and 1 s + half the window (seconds, rounded up).
    const answers = await Promise.all(held);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(answers.map((a) => a.status)).toEqual([503, 503]);
    expect(answers.map((a) => a.headers['retry-after']).sort()).toEqual(['1', '2']);
    expect(answers[0].body).toEqual({ error: 'server is restarting' });
    // Sessions arriving meanwhile are sent away, told to come back once the window is over.
    const late = await getJson(`${s.base}/poll`);
    expect(late.status).toBe(503);
    expect(Number(late.headers['retry-after'])).toBeGreaterThanOrEqual(3);
    const lateSse = await getJson(`${s.base}/sse`);
    expect(lateSse.status).toBe(503);
    expect(Number(lateSse.headers['retry-after'])).toBeGreaterThanOrEqual(3);

    // The streams: the first at once, the second half-way through the window.
    await waitFor(() => streams.some((stream) => stream.ended), 'the first stream to end', 500);
    expect(streams.filter((stream) => stream.ended)).toHaveLength(1);
    await drained;
    expect(Date.now() - started).toBeGreaterThanOrEqual(995);
    await waitFor(() => streams.every((stream) => stream.ended), 'the second stream to end at the client');
    for (const stream of streams) {
      expect(stream.text.endsWith('retry: 1000\n\n')).toBe(true);
      expect(stream.items.filter((i) => i.type === 'retry')).toEqual([{ type: 'retry', retry: 1000 }]);
    }
    expect(s.switchboard.sessionCount).toBe(0);
    // The sessions are over: a poll naming one now is unknown.
    expect((await getJson(`${s.base}/poll?session=${ids[0]}`)).status).toBe(404);
  });

  it('a poll session with messages queued gets them first (200), then the 503 on its next poll', async () => {
    const s = await site();
    const first = await getJson(`${s.base}/poll`);
    const session = (first.body as { session: string }).session;
    const post = await fetch(`${s.base}/session/${session}`, { method: 'POST', body: JSON.stringify([{ type: 'subscribe', channel: 'alpha' }]) });
    expect(post.status).toBe(204);
    const subscribed = await getJson(`${s.base}/poll?session=${session}`);
    expect(JSON.stringify(subscribed.body)).toContain('"subscribed"');
    await s.hub.publish('alpha', { data: 'queued' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // No poll is held: the drain can only tell the client on its next poll.
    const drained = s.switchboard.drain({ windowMs: 0, retryAfterMs: 0 });
    const next = await getJson(`${s.base}/poll?session=${session}`);
    expect(next.status).toBe(200);
    const messages = (next.body as { messages: Array<{ type: string; data?: unknown }> }).messages;
    expect(messages.filter((m) => m.type === 'message').map((m) => m.data)).toEqual(['queued']);
    expect(s.switchboard.sessionCount).toBe(1);
    const last = await getJson(`${s.base}/poll?session=${session}`);
    expect(last.status).toBe(503);
    expect(last.headers['retry-after']).toBe('0');
    await drained;
    expect(s.switchboard.sessionCount).toBe(0);
  });

  it('rejects a window it cannot time', async () => {
    const s = await site();
    expect(() => s.switchboard.drain({ windowMs: -1 })).toThrow(RangeError);
  });
});

function getJson(url: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) }));
    }).on('error', reject);
  });
}
