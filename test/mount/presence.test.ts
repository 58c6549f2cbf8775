// Presence through the mount, with the browser client under Node: clients on different
// transports (WebSocket, SSE, long polling) join a room by subscribing to it and each sees
// the others, the way a page does it (GET <prefix>/presence?room=, then the presence
// channel with `since: headId`); a cut connection that reconnects does not flap its member;
// leaving and closing announce the leave; the presence channel is read-only and authorized
// as its room; two mounts on one Redis (two processes) share the room.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type ChannelEvent, type SwitchboardClient, type WebSocketConstructor } from '../../src/client/index.js';
import { MemoryHub, MemoryPresence, parsePresenceEvent, type Hub, type PresenceMember, type PresenceSnapshot } from '../../src/hub/index.js';
import { createSwitchboard, type Switchboard, type SwitchboardOptions } from '../../src/mount/index.js';
import { WebSocket } from '../../src/websocket/index.js';
import { connectPair, deleteKeys, redisHub, uniquePrefix, type RedisPair } from '../support/redis.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Site {
  readonly base: string;
  readonly switchboard: Switchboard;
  readonly hub: Hub;
  /** The sockets of WebSocket upgrades, to cut them as a network would. */
  readonly upgrades: Socket[];
}

/** Each session is the member named after its transport, so clients on different transports are different people. */
const byTransport: SwitchboardOptions['presence'] = { member: (_request, _room, transport) => ({ id: transport, info: { transport } }) };

async function site(options: SwitchboardOptions = {}, hub: Hub = new MemoryHub()): Promise<Site> {
  const switchboard = createSwitchboard({ hub, presence: byTransport, ...options });
  const upgrades: Socket[] = [];
  const server: Server = createServer((request, response) => {
    if (!switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  server.on('upgrade', (request, socket, head) => {
    upgrades.push(socket as Socket);
    if (!switchboard.handleUpgrade(request, socket, head)) socket.destroy();
  });
  const origin = await listen(server);
  cleanups.push(async () => {
    await switchboard.close();
    await hub.close();
    server.closeAllConnections();
    await shut(server);
  });
  return { base: `${origin}/switchboard`, switchboard, hub, upgrades };
}

function client(base: string, transport: 'websocket' | 'sse' | 'polling'): SwitchboardClient {
  const created = connect(base, { WebSocket: WebSocket as unknown as WebSocketConstructor, transports: [transport], backoff: { initialDelayMs: 50, maxDelayMs: 200 } });
  cleanups.push(() => created.close());
  return created;
}

/** What a chat page does: the snapshot, then the presence channel from its head, then the room itself (which joins it). */
async function openRoom(base: string, page: SwitchboardClient, room: string): Promise<{ members: Map<string, PresenceMember>; log: string[]; leaveRoom: () => void }> {
  const response = await fetch(`${base}/presence?room=${encodeURIComponent(room)}`);
  expect(response.status).toBe(200);
  const snapshot = (await response.json()) as PresenceSnapshot;
  const members = new Map(snapshot.members.map((member) => [member.id, member]));
  const log: string[] = [];
  page.subscribe(
    snapshot.channel,
    (event: ChannelEvent) => {
      if (event.type !== 'message') return;
      const change = parsePresenceEvent(event.data)!;
      log.push(`${change.type} ${change.member.id}`);
      if (change.type === 'leave') members.delete(change.member.id);
      else members.set(change.member.id, change.member);
    },
    { since: snapshot.headId },
  );
  const subscription = page.subscribe(room, () => {});
  return { members, log, leaveRoom: () => subscription.unsubscribe() };
}

const idsOf = (members: Map<string, PresenceMember>): string[] => [...members.keys()].sort();

describe('presence through the mount', () => {
  it('clients on WebSocket, SSE and long polling each see all three, with their info, and see one leave', async () => {
    const hub = new MemoryHub();
    const store = new MemoryPresence(hub, { leaveDelayMs: 100 });
    cleanups.push(() => store.close());
    const { base } = await site({ presence: { ...byTransport, store } }, hub);
    const pages = await Promise.all((['websocket', 'sse', 'polling'] as const).map(async (transport) => openRoom(base, client(base, transport), 'chat')));
    for (const page of pages) await waitFor(() => page.members.size === 3, 'three members on every page');
    for (const page of pages) {
      expect(idsOf(page.members)).toEqual(['polling', 'sse', 'websocket']);
      expect(page.members.get('sse')).toEqual({ id: 'sse', info: { transport: 'sse' } });
    }
    pages[2].leaveRoom();
    await waitFor(() => pages[0].members.size === 2 && pages[1].members.size === 2, 'the poller gone from the others');
    expect(pages[0].log.filter((line) => line.startsWith('leave'))).toEqual(['leave polling']);
    const snapshot = (await (await fetch(`${base}/presence?room=chat`)).json()) as PresenceSnapshot;
    expect(snapshot.members.map((member) => member.id).sort()).toEqual(['sse', 'websocket']);
    expect(snapshot.channel).toBe('$presence:chat');
    expect(snapshot.headId).toMatch(/^[0-9a-f]+-\d+$/);
  });

  it('a connection cut without a close frame reconnects without its member leaving; closing the client then leaves', async () => {
    const hub = new MemoryHub();
    const store = new MemoryPresence(hub, { leaveDelayMs: 1500 });
    const { base, upgrades } = await site({ presence: { ...byTransport, store } }, hub);
    cleanups.push(() => store.close());
    const observer = await openRoom(base, client(base, 'sse'), 'chat');
    const walker = client(base, 'websocket');
    await openRoom(base, walker, 'chat');
    await waitFor(() => observer.members.has('websocket'), 'the walker joining');
    let opens = 0;
    walker.addEventListener('open', () => opens++);
    upgrades[0].destroy();
    await waitFor(() => opens === 1, 'the reconnection');
    await waitFor(() => store.connectionCount('chat') === 2, 'the new session in the room');
    await new Promise((resolve) => setTimeout(resolve, 1700)); // past leaveDelayMs
    // One join each and no leave across the cut; the two joins may reach the observer in
    // either order (its own and the walker's are independent; Bun delivered them swapped once).
    expect([...observer.log].sort()).toEqual(['join sse', 'join websocket']);
    walker.close();
    await waitFor(() => !observer.members.has('websocket'), 'the leave once the delay is over', 4000);
    expect(observer.log).toHaveLength(3);
    expect(observer.log.at(-1)).toBe('leave websocket');
  });

  it('answers the snapshot route with clear errors and keeps presence channels read-only and authorized as their room', async () => {
    const refused: string[] = [];
    const { base } = await site({
      presence: { ...byTransport, rooms: (channel) => channel.startsWith('room/') },
      authorize: (_request, channel, action) => {
        refused.push(`${action} ${channel}`);
        return channel !== 'room/secret';
      },
    });
    expect((await fetch(`${base}/presence`)).status).toBe(400);
    expect((await fetch(`${base}/presence?room=lobby`)).status).toBe(404);
    expect((await fetch(`${base}/presence?room=room%2Fsecret`)).status).toBe(403);
    expect((await fetch(`${base}/presence?room=room%2F${'x'.repeat(300)}`)).status).toBe(400);
    expect((await fetch(`${base}/presence?room=room%2Fa`, { method: 'POST' })).status).toBe(405);
    expect(refused).toContain('subscribe room/secret');
    const page = client(base, 'websocket');
    await openRoom(base, page, 'room/a');
    await expect(page.publish('$presence:room/a', '{"type":"join","member":{"id":"forged"}}')).rejects.toThrow(/not allowed/);
    const errors: string[] = [];
    page.subscribe('$presence:room/secret', (event) => {
      if (event.type === 'error') errors.push(event.code);
    });
    page.subscribe('$presence:lobby', (event) => {
      if (event.type === 'error') errors.push(event.code);
    });
    await waitFor(() => errors.length === 2, 'two refusals');
    expect(errors).toEqual(['forbidden', 'forbidden']);
    // A channel that is not a room joins nobody.
    page.subscribe('lobby', () => {});
    const snapshot = (await (await fetch(`${base}/presence?room=room%2Fa`)).json()) as PresenceSnapshot;
    expect(snapshot.members).toEqual([{ id: 'websocket', info: { transport: 'websocket' } }]);
  });

  it('answers 404 when presence is off, and a member function that says undefined or throws keeps the session out', async () => {
    const off = await site({ presence: undefined });
    expect((await fetch(`${off.base}/presence?room=chat`)).status).toBe(404);
    const errors: string[] = [];
    const { base } = await site({
      presence: {
        member: (_request, room, transport) => {
          if (transport === 'polling') throw new Error('no cookie');
          return transport === 'sse' ? undefined : { id: `${transport}@${room}` };
        },
      },
      onError: (error) => errors.push(error.message),
    });
    const pages = await Promise.all((['websocket', 'sse', 'polling'] as const).map(async (transport) => openRoom(base, client(base, transport), 'chat')));
    await waitFor(() => pages[1].members.size === 1 && errors.length === 1, 'the one member, and the error');
    expect(idsOf(pages[1].members)).toEqual(['websocket@chat']);
    expect(errors).toEqual(['no cookie']);
  });
});

describe('presence through two mounts on one Redis', () => {
  let pair: RedisPair;
  beforeAll(async () => {
    pair = await connectPair();
  });
  afterAll(async () => {
    await pair.close();
  });

  it('a client on each process sees the other', async () => {
    const keyPrefix = uniquePrefix('mount-presence');
    cleanups.push(() => deleteKeys(pair.client, keyPrefix));
    const one = await site({}, redisHub(pair, { keyPrefix }));
    const two = await site({}, redisHub(pair, { keyPrefix }));
    const ws = await openRoom(one.base, client(one.base, 'websocket'), 'chat');
    const sse = await openRoom(two.base, client(two.base, 'sse'), 'chat');
    for (const page of [ws, sse]) await waitFor(() => page.members.size === 2, 'both members on both processes');
    expect(idsOf(ws.members)).toEqual(['sse', 'websocket']);
    expect(idsOf(sse.members)).toEqual(['sse', 'websocket']);
  });
});
