// The browser client under Node against the real mount, no browser: every transport
// carries several channels exactly once and in order, a restarted mount is resumed
// (nothing lost on a hub that outlives it, an explicit gap on a new in-memory hub),
// refused upgrades fall back to SSE, and a fallback client probes back up to
// WebSocket without losing or repeating a message. Node 20 has no global WebSocket,
// so the project's own client class is injected (Node >= 22's global would do too).
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ChannelEvent, type ClientOptions, type SwitchboardClient, type WebSocketConstructor } from '../../src/client/index.js';
import { MemoryHub } from '../../src/hub/index.js';
import { createSwitchboard, type Switchboard } from '../../src/mount/index.js';
import { WebSocket } from '../../src/websocket/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** One HTTP server whose mount can be replaced (a restart) and whose upgrades can be refused (a proxy that drops them). */
interface Site {
  readonly base: string;
  hub: MemoryHub;
  switchboard: Switchboard;
  refuseUpgrades: boolean;
  restart(hub?: MemoryHub): Promise<void>;
}

async function site(options: { refuseUpgrades?: boolean; heartbeatInterval?: number } = {}): Promise<Site> {
  const make = (hub: MemoryHub): Switchboard => createSwitchboard({ hub, heartbeatInterval: options.heartbeatInterval ?? 25_000 });
  const hub = new MemoryHub({ epoch: 'first' });
  const server: Server = createServer((request, response) => {
    if (!state.switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  server.on('upgrade', (request, socket, head) => {
    if (state.refuseUpgrades || !state.switchboard.handleUpgrade(request, socket, head)) {
      // What a proxy that drops `Upgrade` makes of it: an ordinary request, answered 400.
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    }
  });
  const origin = await listen(server);
  const state: Site = {
    base: `${origin}/switchboard`,
    hub,
    switchboard: make(hub),
    refuseUpgrades: options.refuseUpgrades ?? false,
    async restart(next = state.hub) {
      await state.switchboard.close();
      if (next !== state.hub) await state.hub.close();
      state.hub = next;
      state.switchboard = make(next);
    },
  };
  cleanups.push(async () => {
    await state.switchboard.close();
    await state.hub.close();
    server.closeAllConnections();
    await shut(server);
  });
  return state;
}

/** What a page would record: per channel the data in delivery order, and the gaps. */
class Recorder {
  readonly messages = new Map<string, string[]>();
  readonly gaps: Array<{ channel: string; reason: string }> = [];
  readonly subscribed: string[] = [];
  readonly transports: Array<{ name: string; reason: string }> = [];

  constructor(readonly client: SwitchboardClient) {
    client.addEventListener('transport', (event) => {
      const { detail } = event as unknown as { detail: { name: string; reason: string } };
      this.transports.push({ name: detail.name, reason: detail.reason });
    });
  }

  subscribe(channel: string): void {
    this.messages.set(channel, []);
    this.client.subscribe(channel, (event: ChannelEvent) => {
      if (event.type === 'message') this.messages.get(channel)!.push(event.data);
      if (event.type === 'gap') this.gaps.push({ channel, reason: event.reason });
      if (event.type === 'subscribed') this.subscribed.push(channel);
    });
  }

  received(channel: string): string[] {
    return this.messages.get(channel) ?? [];
  }
}

function start(base: string, options: ClientOptions): Recorder {
  const client = connect(base, { WebSocket: WebSocket as unknown as WebSocketConstructor, backoff: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
  cleanups.push(() => client.close());
  return new Recorder(client);
}

const numbered = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

async function publishRange(hub: MemoryHub, channels: readonly string[], from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) for (const channel of channels) await hub.publish(channel, { data: `m${n}` });
}

const CHANNELS = ['alpha', 'beta', 'gamma'];

describe('the client under Node on each transport', () => {
  for (const transport of ['websocket', 'sse', 'polling'] as const) {
    it(`${transport}: several channels on one session, each message once and in order, publish answers the hub id`, async () => {
      const s = await site();
      const page = start(s.base, { transports: [transport] });
      for (const channel of CHANNELS) page.subscribe(channel);
      await waitFor(() => page.subscribed.length === CHANNELS.length, 'three subscriptions');
      expect(page.client.transport).toBe(transport);
      expect(page.client.state).toBe('open');

      await publishRange(s.hub, CHANNELS, 1, 40);
      const id = await page.client.publish('alpha', 'm41');
      expect(id).toBe('first-41');
      await waitFor(() => page.received('alpha').length === 41 && page.received('gamma').length === 40, 'every message');
      expect(page.received('alpha')).toEqual(numbered(1, 41));
      expect(page.received('beta')).toEqual(numbered(1, 40));
      expect(page.received('gamma')).toEqual(numbered(1, 40));
      expect(page.gaps).toEqual([]);
    });
  }
});

describe('resume after the mount restarts', () => {
  for (const transport of ['websocket', 'sse', 'polling'] as const) {
    it(`${transport}: a hub that outlives the mount loses nothing published during the outage`, async () => {
      const s = await site();
      const page = start(s.base, { transports: [transport] });
      for (const channel of CHANNELS) page.subscribe(channel);
      await waitFor(() => page.subscribed.length === CHANNELS.length, 'subscriptions');
      await publishRange(s.hub, CHANNELS, 1, 10);
      await waitFor(() => CHANNELS.every((c) => page.received(c).length === 10), 'the first ten');

      await s.restart();
      await publishRange(s.hub, CHANNELS, 11, 20); // while the client is away
      await waitFor(() => page.subscribed.length === 2 * CHANNELS.length, 'the resumed subscriptions');
      await publishRange(s.hub, CHANNELS, 21, 30);
      await waitFor(() => CHANNELS.every((c) => page.received(c).length === 30), 'all thirty');
      for (const channel of CHANNELS) expect(page.received(channel)).toEqual(numbered(1, 30));
      expect(page.gaps).toEqual([]);
    });
  }

  it('a new in-memory hub (a new epoch) is reported as a gap on every channel, then delivery goes on', async () => {
    const s = await site();
    const page = start(s.base, {});
    for (const channel of CHANNELS) page.subscribe(channel);
    await waitFor(() => page.subscribed.length === CHANNELS.length, 'subscriptions');
    await publishRange(s.hub, CHANNELS, 1, 5);
    await waitFor(() => CHANNELS.every((c) => page.received(c).length === 5), 'the first five');

    await s.restart(new MemoryHub({ epoch: 'second' }));
    await waitFor(() => page.gaps.length === CHANNELS.length, 'a gap per channel');
    expect(page.gaps.map((g) => g.reason)).toEqual(CHANNELS.map(() => 'epoch-changed'));
    await waitFor(() => page.subscribed.length === 2 * CHANNELS.length, 'the resumed subscriptions');
    await publishRange(s.hub, CHANNELS, 6, 8);
    await waitFor(() => CHANNELS.every((c) => page.received(c).length === 8), 'the next three');
    for (const channel of CHANNELS) expect(page.received(channel)).toEqual(numbered(1, 8));
    expect(page.client.transport).toBe('websocket');
  });
});

describe('the ladder', () => {
  it('refused upgrades: the client steps down to SSE, says why, and gets everything', async () => {
    const s = await site({ refuseUpgrades: true });
    const page = start(s.base, {});
    for (const channel of CHANNELS) page.subscribe(channel);
    await waitFor(() => page.subscribed.length === CHANNELS.length, 'subscriptions', 10_000);
    expect(page.client.transport).toBe('sse');
    expect(page.transports.at(-1)?.name).toBe('sse');
    expect(page.transports.at(-1)?.reason).toMatch(/websocket/i);
    await publishRange(s.hub, CHANNELS, 1, 20);
    await waitFor(() => CHANNELS.every((c) => page.received(c).length === 20), 'everything');
    for (const channel of CHANNELS) expect(page.received(channel)).toEqual(numbered(1, 20));
  });

  it('a client that fell back probes WebSocket again and switches without losing or repeating a message', async () => {
    const s = await site({ refuseUpgrades: true });
    const page = start(s.base, { probeInterval: 300, backoff: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 } });
    for (const channel of CHANNELS) page.subscribe(channel);
    await waitFor(() => page.client.transport === 'sse' && page.subscribed.length === CHANNELS.length, 'a session on SSE', 10_000);

    // Publish all the way through the switch.
    let n = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        n++;
        for (const channel of CHANNELS) await s.hub.publish(channel, { data: `m${n}` });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await waitFor(() => n >= 20, 'some traffic on SSE');
    s.refuseUpgrades = false;
    await waitFor(() => page.client.transport === 'websocket', 'the probe moving the client up', 10_000);
    const switchedAt = n;
    await waitFor(() => n >= switchedAt + 20, 'more traffic on WebSocket');
    publishing = false;
    await publisher;

    await waitFor(() => CHANNELS.every((c) => page.received(c).length === n), 'every message');
    for (const channel of CHANNELS) expect(page.received(channel)).toEqual(numbered(1, n));
    expect(page.gaps).toEqual([]);
    expect(page.transports.map((t) => t.name)).toEqual(['sse', 'websocket']);
  });
});
