// The Presence contract, run against MemoryPresence and RedisPresence (real Redis at
// REDIS_URL) alike: join/leave events only on a member's first connection in and last one
// out, reconnects that do not flap the member (overlapping, or within leaveDelayMs), the
// snapshot agreeing with the event stream, limits, and for Redis: two processes sharing
// members, and a crashed process's members leaving after the TTL, announced exactly once
// however many processes sweep.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HubInputError,
  MemoryHub,
  MemoryPresence,
  RedisPresence,
  parsePresenceEvent,
  type Hub,
  type Presence,
  type PresenceEvent,
  type PresenceTimers,
  type RedisPresenceOptions,
  type SubscriptionEvent,
} from '../../src/hub/index.js';
import { connectPair, deleteKeys, redisHub, uniquePrefix, type RedisPair } from '../support/redis.js';
import { RedisHub, nodeRedisCommander, nodeRedisSubscriber } from '../../src/hub/index.js';
import { waitFor } from '../support/sse/net.js';

type Options = RedisPresenceOptions;

/** One server process: its hub and its presence store. */
interface Proc {
  readonly hub: Hub;
  readonly presence: Presence;
}

interface Backend {
  readonly name: string;
  readonly multiProcess: boolean;
  /** A process on a fresh store, or (`sharing`) on the same store as another one. */
  process(options?: Options, sharing?: Proc): Proc;
}

let pair: RedisPair;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pair = await connectPair();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(async () => {
  await pair?.close();
});

const memory: Backend = {
  name: 'MemoryPresence',
  multiProcess: false,
  process(options = {}) {
    const hub = new MemoryHub();
    const presence = new MemoryPresence(hub, options);
    cleanups.push(async () => {
      await presence.close();
      await hub.close();
    });
    return { hub, presence };
  },
};

const prefixOf = new WeakMap<Proc, string>();
const redis: Backend = {
  name: 'RedisPresence',
  multiProcess: true,
  process(options = {}, sharing) {
    const keyPrefix = sharing === undefined ? uniquePrefix('presence') : prefixOf.get(sharing)!;
    const hub = redisHub(pair, { keyPrefix });
    const presence = new RedisPresence(hub, options);
    const proc = { hub, presence };
    prefixOf.set(proc, keyPrefix);
    cleanups.push(async () => {
      await presence.close();
      await hub.close();
      if (sharing === undefined) await deleteKeys(pair.client, keyPrefix);
    });
    return proc;
  },
};

/** Every presence event of `room` as `proc`'s hub delivers it, with the message ids. */
async function watch(proc: Proc, room: string, since?: string): Promise<{ events: PresenceEvent[]; ids: string[]; text: () => string[] }> {
  const events: PresenceEvent[] = [];
  const ids: string[] = [];
  const subscription = await proc.hub.subscribe(
    proc.presence.channelOf(room),
    (event: SubscriptionEvent) => {
      if (event.type !== 'message') return;
      const parsed = parsePresenceEvent(event.message.data);
      if (parsed === null) throw new Error(`not a presence event: ${event.message.data}`);
      events.push(parsed);
      ids.push(event.message.id);
    },
    since === undefined ? {} : { since },
  );
  cleanups.push(() => subscription.unsubscribe());
  return { events, ids, text: () => events.map((event) => `${event.type} ${event.member.id}`) };
}

/** Waits until exactly `expected` has arrived, then makes sure nothing more is on its way by joining a sentinel. */
async function expectEvents(proc: Proc, room: string, watched: { text: () => string[] }, expected: string[]): Promise<void> {
  await proc.presence.join(room, `sentinel-${expected.length}-${Math.random()}`, { id: '~sentinel' });
  const withSentinel = [...expected, 'join ~sentinel'];
  await waitFor(() => watched.text().length >= withSentinel.length, `events ${withSentinel.join(', ')}`, 3000);
  expect(watched.text()).toEqual(withSentinel);
}

const sortedIds = (members: readonly { id: string }[]): string[] => members.map((member) => member.id).sort();

describe.each([memory, redis])('$name', (backend) => {
  const quick: Options = { leaveDelayMs: 0 };

  it('announces a member on its first connection in and its last one out, never in between', async () => {
    const proc = backend.process(quick);
    const watched = await watch(proc, 'lobby');
    await proc.presence.join('lobby', 'c1', { id: 'ann', info: { name: 'Ann' } });
    await proc.presence.join('lobby', 'c1', { id: 'ann', info: { name: 'Ann' } }); // idempotent
    await proc.presence.join('lobby', 'c2', { id: 'ann', info: { name: 'Ann' } });
    await proc.presence.join('lobby', 'c3', { id: 'bob' });
    expect(sortedIds((await proc.presence.members('lobby')).members)).toEqual(['ann', 'bob']);
    await proc.presence.leave('lobby', 'c1');
    await proc.presence.leave('lobby', 'c1'); // idempotent
    await proc.presence.leave('lobby', 'nobody');
    expect(sortedIds((await proc.presence.members('lobby')).members)).toEqual(['ann', 'bob']);
    await proc.presence.leave('lobby', 'c2');
    await waitFor(() => watched.text().length >= 3, 'three events');
    expect(watched.events.slice(0, 3)).toEqual([
      { type: 'join', member: { id: 'ann', info: { name: 'Ann' } } },
      { type: 'join', member: { id: 'bob' } },
      { type: 'leave', member: { id: 'ann' } },
    ]);
    expect((await proc.presence.members('lobby')).members).toEqual([{ id: 'bob' }]);
    await expectEvents(proc, 'lobby', watched, ['join ann', 'join bob', 'leave ann']);
  });

  it('keeps rooms apart', async () => {
    const proc = backend.process(quick);
    await proc.presence.join('a', 'c1', { id: 'ann' });
    await proc.presence.join('b', 'c1', { id: 'bob' });
    expect((await proc.presence.members('a')).members).toEqual([{ id: 'ann' }]);
    expect((await proc.presence.members('b')).members).toEqual([{ id: 'bob' }]);
    expect((await proc.presence.members('c')).members).toEqual([]);
  });

  it('does not flap a member whose new session joins before the old one leaves (overlap)', async () => {
    const proc = backend.process(quick);
    const watched = await watch(proc, 'room');
    await proc.presence.join('room', 'old', { id: 'ann' });
    await proc.presence.join('room', 'new', { id: 'ann' });
    await proc.presence.leave('room', 'old');
    expect((await proc.presence.members('room')).members).toEqual([{ id: 'ann' }]);
    await expectEvents(proc, 'room', watched, ['join ann']);
  });

  it('does not flap a member whose new session joins after the old one left, within leaveDelayMs', async () => {
    const proc = backend.process({ leaveDelayMs: 300, refreshIntervalMs: 50, ttlMs: 1000 });
    const watched = await watch(proc, 'room');
    await proc.presence.join('room', 'old', { id: 'ann' });
    await proc.presence.leave('room', 'old');
    // Still listed while it lingers: the snapshot agrees with the events (no leave yet).
    expect((await proc.presence.members('room')).members).toEqual([{ id: 'ann' }]);
    await proc.presence.join('room', 'new', { id: 'ann' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await proc.presence.members('room')).members).toEqual([{ id: 'ann' }]);
    await proc.presence.leave('room', 'new');
    await waitFor(() => watched.text().includes('leave ann'), 'the leave after the delay', 3000);
    expect(watched.text()).toEqual(['join ann', 'leave ann']);
    expect((await proc.presence.members('room')).members).toEqual([]);
  });

  it('announces an info change of a present member as an update', async () => {
    const proc = backend.process(quick);
    const watched = await watch(proc, 'room');
    await proc.presence.join('room', 'c1', { id: 'ann', info: { transport: 'websocket' } });
    await proc.presence.join('room', 'c2', { id: 'ann', info: { transport: 'sse' } });
    expect((await proc.presence.members('room')).members).toEqual([{ id: 'ann', info: { transport: 'sse' } }]);
    await waitFor(() => watched.events.length >= 2, 'join and update');
    expect(watched.events[1]).toEqual({ type: 'update', member: { id: 'ann', info: { transport: 'sse' } } });
  });

  it('gives a snapshot whose headId resumes the event stream with nothing missed or repeated', async () => {
    const proc = backend.process(quick);
    await proc.presence.join('room', 'c1', { id: 'ann' });
    await proc.presence.join('room', 'c2', { id: 'bob' });
    const snapshot = await proc.presence.members('room');
    expect(snapshot.channel).toBe('$presence:room');
    expect(snapshot.room).toBe('room');
    const watched = await watch(proc, 'room', snapshot.headId);
    await proc.presence.leave('room', 'c1');
    await proc.presence.join('room', 'c3', { id: 'cat' });
    await expectEvents(proc, 'room', watched, ['leave ann', 'join cat']);
    // Applying the events to the snapshot gives the members now.
    const state = new Map(snapshot.members.map((member) => [member.id, member]));
    for (const event of watched.events) {
      if (event.type === 'leave') state.delete(event.member.id);
      else state.set(event.member.id, event.member);
    }
    expect([...state.keys()].sort()).toEqual(sortedIds((await proc.presence.members('room')).members));
  });

  it('enforces its limits with clear errors and changes nothing when refusing', async () => {
    const proc = backend.process({ ...quick, maxMembersPerRoom: 2, maxConnectionsPerMember: 2, maxMemberIdLength: 5, maxInfoLength: 10 });
    const { presence } = proc;
    await presence.join('r', 'c1', { id: 'ann' });
    await presence.join('r', 'c2', { id: 'bob' });
    await expect(presence.join('r', 'c3', { id: 'cat' })).rejects.toThrow(/maxMembersPerRoom 2/);
    await presence.join('r', 'c3', { id: 'ann' });
    await expect(presence.join('r', 'c4', { id: 'ann' })).rejects.toThrow(/maxConnectionsPerMember 2/);
    await expect(presence.join('r', 'c1', { id: 'bob' })).rejects.toThrow(/another member \("ann"\)/);
    await expect(presence.join('r', 'c9', { id: 'toolong' })).rejects.toThrow(HubInputError);
    await expect(presence.join('r', 'c9', { id: '' })).rejects.toThrow(/member.id must be a string of 1 to 5/);
    await expect(presence.join('r', 'c9', { id: 'ann', info: 'x'.repeat(20) })).rejects.toThrow(/maxInfoLength \(10\)/);
    await expect(presence.join('r', 'c9', { id: 'ann', info: Number.NaN })).rejects.toThrow(/member.info must be JSON/);
    await expect(presence.join('r', '', { id: 'ann' })).rejects.toThrow(/connection must be/);
    await expect(presence.join('', 'c9', { id: 'ann' })).rejects.toThrow(/channel must be/);
    await expect(presence.join('r'.repeat(250), 'c9', { id: 'ann' })).rejects.toThrow(/room must be at most 246 characters/);
    expect(sortedIds((await presence.members('r')).members)).toEqual(['ann', 'bob']);
    // The refused reuse of c1 left it as ann's: leaving it leaves ann with c3 only.
    await presence.leave('r', 'c1');
    await presence.leave('r', 'c3');
    expect(sortedIds((await presence.members('r')).members)).toEqual(['bob']);
    expect(() => backend.process({ maxMembersPerRoom: 0 })).toThrow(/maxMembersPerRoom must be a positive integer/);
    expect(() => backend.process({ leaveDelayMs: -1 })).toThrow(/leaveDelayMs must be a non-negative integer/);
    expect(() => backend.process({ channelPrefix: '' })).toThrow(/channelPrefix/);
  });

  it('takes a custom channel prefix', async () => {
    const proc = backend.process({ ...quick, channelPrefix: 'who@' });
    expect(proc.presence.channelOf('lobby')).toBe('who@lobby');
    const watched = await watch(proc, 'lobby');
    await proc.presence.join('lobby', 'c1', { id: 'ann' });
    await waitFor(() => watched.events.length === 1, 'the join');
  });

  it('announces every member leaving when closed, and refuses calls after', async () => {
    const proc = backend.process(quick);
    const other = backend.multiProcess ? backend.process(quick, proc) : proc;
    const watched = await watch(other, 'room');
    await proc.presence.join('room', 'c1', { id: 'ann' });
    await proc.presence.join('room', 'c2', { id: 'ann' });
    await proc.presence.close();
    await waitFor(() => watched.text().includes('leave ann'), 'the leave');
    expect(watched.text()).toEqual(['join ann', 'leave ann']);
    await expect(proc.presence.join('room', 'c3', { id: 'bob' })).rejects.toThrow(/presence closed/);
  });
});

describe('RedisPresence across processes', () => {
  it('two processes see the same members, and one member on both is announced once', async () => {
    const a = redis.process({ leaveDelayMs: 0 });
    const b = redis.process({ leaveDelayMs: 0 }, a);
    const watched = await watch(b, 'room');
    await a.presence.join('room', 'a1', { id: 'ann', info: { on: 'a' } });
    await b.presence.join('room', 'b1', { id: 'bob', info: { on: 'b' } });
    await b.presence.join('room', 'b2', { id: 'ann', info: { on: 'a' } });
    for (const proc of [a, b]) {
      expect((await proc.presence.members('room')).members.slice().sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'ann', info: { on: 'a' } },
        { id: 'bob', info: { on: 'b' } },
      ]);
    }
    await a.presence.leave('room', 'a1');
    expect(sortedIds((await b.presence.members('room')).members)).toEqual(['ann', 'bob']);
    await b.presence.leave('room', 'b2');
    await expectEvents(a, 'room', watched, ['join ann', 'join bob', 'leave ann']);
  });

  it("a crashed process's members leave after the TTL, announced exactly once with several processes sweeping", async () => {
    const crashing = stoppableTimers();
    const ttl = { ttlMs: 400, refreshIntervalMs: 100, leaveDelayMs: 0 };
    const doomed = redis.process({ ...ttl, timers: crashing });
    const sweepers = [redis.process(ttl, doomed), redis.process(ttl, doomed), redis.process(ttl, doomed)];
    const watched = await watch(sweepers[0], 'room');
    await doomed.presence.join('room', 'd1', { id: 'ann' });
    await doomed.presence.join('room', 'd2', { id: 'ann' });
    await sweepers[1].presence.join('room', 's1', { id: 'bob' });
    // Refreshes keep it in well past the TTL while the process lives.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(sortedIds((await sweepers[2].presence.members('room')).members)).toEqual(['ann', 'bob']);
    crashing.stop(); // SIGKILL: no more refreshes, no leave.
    const crashedAt = Date.now();
    await waitFor(() => watched.text().includes('leave ann'), 'the leave of the crashed member', 3000);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(250);
    // Every sweeper ran several times since; the leave is still there once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watched.text()).toEqual(['join ann', 'join bob', 'leave ann']);
    expect(sortedIds((await sweepers[0].presence.members('room')).members)).toEqual(['bob']);
  });

  it('a process that stalled past the TTL joins its live connections again on its next refresh', async () => {
    const stalling = stoppableTimers();
    const ttl = { ttlMs: 300, refreshIntervalMs: 100, leaveDelayMs: 0 };
    const stalled = redis.process({ ...ttl, timers: stalling });
    const sweeper = redis.process(ttl, stalled);
    const watched = await watch(sweeper, 'room');
    await stalled.presence.join('room', 'c1', { id: 'ann' });
    stalling.stop();
    await waitFor(() => watched.text().includes('leave ann'), 'the sweep', 3000);
    await (stalled.presence as RedisPresence).tick();
    await waitFor(() => watched.text().length === 3, 'the join again');
    expect(watched.text()).toEqual(['join ann', 'leave ann', 'join ann']);
    expect((await sweeper.presence.members('room')).members).toEqual([{ id: 'ann' }]);
  });

  it('a join that failed on Redis is retried by the next refresh', async () => {
    const keyPrefix = uniquePrefix('presence-flaky');
    cleanups.push(() => deleteKeys(pair.client, keyPrefix));
    let failing = true;
    const real = nodeRedisCommander(pair.client);
    const commander = { sendCommand: (args: readonly string[]) => (failing ? Promise.reject(new Error('connection refused')) : real.sendCommand(args)) };
    const hub = new RedisHub({ commander, subscriber: nodeRedisSubscriber(pair.subscriber), keyPrefix });
    const presence = new RedisPresence(hub, { ttlMs: 1000, refreshIntervalMs: 100, leaveDelayMs: 0 });
    cleanups.push(async () => {
      await presence.close();
      await hub.close();
    });
    await expect(presence.join('room', 'c1', { id: 'ann' })).rejects.toThrow(/Redis presence join failed: connection refused/);
    failing = false;
    await presence.tick();
    expect((await presence.members('room')).members).toEqual([{ id: 'ann' }]);
  });

  it('refuses a hub that is not a RedisHub and a refresh interval not below the TTL', () => {
    expect(() => new RedisPresence(new MemoryHub() as never)).toThrow(/needs a RedisHub/);
    expect(() => redis.process({ ttlMs: 100, refreshIntervalMs: 100 })).toThrow(/must be below ttlMs/);
  });
});

/** Global timers that can all be stopped at once, as a killed process's would be. */
function stoppableTimers(): PresenceTimers & { stop(): void } {
  const handles = new Set<NodeJS.Timeout>();
  let stopped = false;
  const track = (handle: NodeJS.Timeout): NodeJS.Timeout => {
    handles.add(handle.unref());
    return handle;
  };
  return {
    setInterval: (callback, ms) => track(setInterval(() => !stopped && callback(), ms)),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
    setTimeout: (callback, ms) => track(setTimeout(() => !stopped && callback(), ms)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    stop: () => {
      stopped = true;
      for (const handle of handles) clearTimeout(handle);
    },
  };
}
