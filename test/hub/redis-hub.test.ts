import { createServer } from 'node:http';
import { Redis as IoRedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HubClosedError,
  HubInputError,
  HubUnavailableError,
  RedisHub,
  ioredisCommander,
  ioredisSubscriber,
  nodeRedisCommander,
  nodeRedisSubscriber,
  type SubscriptionEvent,
} from '../../src/hub/index.js';
import { SUBSCRIBE_SCRIPT, luaScript } from '../../src/hub/redis-scripts.js';
import { EventSource, createSseHandler } from '../../src/sse/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';
import { REDIS_URL, connectPair, deleteKeys, redisHub, redisSubscriberCount, uniquePrefix, type RedisPair } from '../support/redis.js';

function recorder(): { events: SubscriptionEvent[]; listener: (event: SubscriptionEvent) => void } {
  const events: SubscriptionEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

const ids = (events: SubscriptionEvent[]): string[] => events.flatMap((event) => (event.type === 'message' ? [event.message.id] : []));
const types = (events: SubscriptionEvent[]): string[] => events.map((event) => event.type);
const epochOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));

let pair: RedisPair;
let other: RedisPair;
const hubs: RedisHub[] = [];
const prefixes: string[] = [];

/** A hub on a fresh prefix (or a given one: another process sharing the same Redis data). */
function hub(options: ConstructorParameters<typeof RedisHub>[0] extends infer O ? Partial<O> : never = {}, on: RedisPair = pair): RedisHub {
  const keyPrefix = options.keyPrefix ?? uniquePrefix('hub');
  prefixes.push(keyPrefix);
  const created = redisHub(on, { ...options, keyPrefix });
  hubs.push(created);
  return created;
}

beforeAll(async () => {
  pair = await connectPair();
  other = await connectPair();
});

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((created) => created.close()));
  for (const prefix of prefixes.splice(0)) await deleteKeys(pair.client, prefix);
});

afterAll(async () => {
  await pair.close();
  await other.close();
});

describe('RedisHub publish', () => {
  it('gives ids that increase by one within a channel, independently per channel, under one epoch', async () => {
    const h = hub();
    const first = await h.publish('a', { data: 'x' });
    const epoch = epochOf(first);
    expect(epoch).toMatch(/^[0-9a-f]{12}$/);
    expect(first).toBe(`${epoch}-1`);
    expect(await h.publish('a', { data: 'y' })).toBe(`${epoch}-2`);
    expect(await h.publish('b', { data: 'z', event: 'note' })).toBe(`${epoch}-1`);
    expect(await pair.client.sendCommand(['GET', `${h.keyPrefix}epoch`])).toBe(epoch);
  });

  it('rejects bad input with clear errors and sends nothing to Redis', async () => {
    const h = hub({ maxDataLength: 4, maxChannels: 1 });
    await expect(h.publish('', { data: 'x' })).rejects.toThrow(HubInputError);
    await expect(h.publish('c'.repeat(257), { data: 'x' })).rejects.toThrow(/channel must be a string/);
    await expect(h.publish('a', { data: 1 as unknown as string })).rejects.toThrow(/data must be a string/);
    await expect(h.publish('a', { data: '12345' })).rejects.toThrow(/maxDataLength/);
    await expect(h.publish('a', { data: 'x', event: 3 as unknown as string })).rejects.toThrow(/event must be a string/);
    await expect(h.subscribe('a', 'nope' as unknown as () => void)).rejects.toThrow(/listener must be a function/);
    await h.subscribe('a', () => {});
    await expect(h.subscribe('b', () => {})).rejects.toThrow(/maxChannels/);
    expect(await pair.client.sendCommand(['EXISTS', `${h.keyPrefix}offset:a`])).toBe(0);
  });

  it('rejects bad options', () => {
    const commander = { sendCommand: async () => null };
    const subscriber = { subscribe: async () => {}, unsubscribe: async () => {}, onConnectionLost: () => () => {} };
    expect(() => new RedisHub({ commander: {} as typeof commander, subscriber })).toThrow(/commander/);
    expect(() => new RedisHub({ commander, subscriber: {} as typeof subscriber })).toThrow(/subscriber/);
    expect(() => new RedisHub({ commander, subscriber, maxHistory: -1 })).toThrow(/maxHistory/);
    expect(() => new RedisHub({ commander, subscriber, maxHistoryAgeMs: 0 })).toThrow(/maxHistoryAgeMs/);
    expect(() => new RedisHub({ commander, subscriber, commandTimeoutMs: 1.5 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisHub({ commander, subscriber, maxPendingLive: 0 })).toThrow(/maxPendingLive/);
    expect(() => new RedisHub({ commander, subscriber, keyPrefix: 7 as unknown as string })).toThrow(/keyPrefix/);
  });

  it('caps the stream at maxHistory entries (XADD MAXLEN) and expires idle history', async () => {
    const h = hub({ maxHistory: 3, maxHistoryAgeMs: 60_000 });
    for (let i = 0; i < 10; i++) await h.publish('c', { data: String(i) });
    expect(await pair.client.sendCommand(['XLEN', `${h.keyPrefix}stream:c`])).toBe(3);
    const ttl = Number(await pair.client.sendCommand(['PTTL', `${h.keyPrefix}stream:c`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The counter has no TTL: losing it would reuse ids within the epoch.
    expect(await pair.client.sendCommand(['PTTL', `${h.keyPrefix}offset:c`])).toBe(-1);
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH: EVALSHA then EVAL)', async () => {
    const h = hub();
    const first = await h.publish('c', { data: 'a' });
    await pair.client.sendCommand(['SCRIPT', 'FLUSH']);
    expect(await h.publish('c', { data: 'b' })).toBe(`${epochOf(first)}-2`);
  });
});

describe('RedisHub subscribe', () => {
  it('without since: only live messages, after a live marker with the head id', async () => {
    const h = hub();
    const old = await h.publish('c', { data: 'old' });
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    const next = await h.publish('c', { data: 'new', event: 'note' });
    await waitFor(() => events.length === 2, 'the live message');
    expect(events).toEqual([
      { type: 'live', channel: 'c', headId: old },
      {
        type: 'message',
        message: { channel: 'c', id: next, epoch: epochOf(next), offset: 2, event: 'note', data: 'new', publishedAt: expect.any(Number) },
      },
    ]);
  });

  it('on an empty channel the head is offset 0 of the epoch', async () => {
    const h = hub();
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    const epoch = String(await pair.client.sendCommand(['GET', `${h.keyPrefix}epoch`]));
    expect(events).toEqual([{ type: 'live', channel: 'c', headId: `${epoch}-0` }]);
  });

  it('with since: replays what came after it, then goes live, each message once', async () => {
    const h = hub();
    const published: string[] = [];
    for (let i = 1; i <= 5; i++) published.push(await h.publish('c', { data: String(i) }));
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: published[1] });
    expect(types(events)).toEqual(['message', 'message', 'message', 'live']);
    expect(ids(events)).toEqual(published.slice(2));
    published.push(await h.publish('c', { data: '6' }));
    await waitFor(() => events.length === 5, 'the live message');
    expect(ids(events)).toEqual(published.slice(2));
  });

  it('with since at the head: nothing to replay, just live', async () => {
    const h = hub();
    const head = await h.publish('c', { data: '1' });
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: head });
    expect(events).toEqual([{ type: 'live', channel: 'c', headId: head }]);
  });

  it('reports an expired gap when since fell out of the history, then replays what is held', async () => {
    const h = hub({ maxHistory: 3 });
    const published: string[] = [];
    for (let i = 1; i <= 6; i++) published.push(await h.publish('c', { data: String(i) }));
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: published[0] });
    expect(events[0]).toEqual({ type: 'gap', channel: 'c', since: published[0], reason: 'expired', firstAvailableId: published[3] });
    expect(ids(events)).toEqual(published.slice(3));
    expect(events.at(-1)).toEqual({ type: 'live', channel: 'c', headId: published[5] });
  });

  it('since just before the oldest held message is not a gap', async () => {
    const h = hub({ maxHistory: 3 });
    const published: string[] = [];
    for (let i = 1; i <= 6; i++) published.push(await h.publish('c', { data: String(i) }));
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: published[2] });
    expect(types(events)).toEqual(['message', 'message', 'message', 'live']);
  });

  it('with no history kept (maxHistory 0) an old id is an expired gap with nothing available', async () => {
    const h = hub({ maxHistory: 0 });
    const first = await h.publish('c', { data: '1' });
    await h.publish('c', { data: '2' });
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: first });
    expect(events[0]).toEqual({ type: 'gap', channel: 'c', since: first, reason: 'expired', firstAvailableId: null });
    expect(await pair.client.sendCommand(['EXISTS', `${h.keyPrefix}stream:c`])).toBe(0);
  });

  it('drops messages older than maxHistoryAgeMs (by the hub clock)', async () => {
    let now = 1_000_000;
    const h = hub({ maxHistoryAgeMs: 1000, now: () => now });
    const first = await h.publish('c', { data: 'old' });
    now += 600;
    const second = await h.publish('c', { data: 'newer' });
    now += 600;
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: first });
    // `first` itself is too old now, but since = first means nothing before `second` is wanted.
    expect(ids(events)).toEqual([second]);
    now += 600;
    const late = recorder();
    await h.subscribe('c', late.listener, { since: first });
    expect(late.events[0]).toEqual({ type: 'gap', channel: 'c', since: first, reason: 'expired', firstAvailableId: null });
    expect(late.events[1]).toEqual({ type: 'live', channel: 'c', headId: second });
  });

  it('reports ids it could not have issued as unknown-id, and other epochs as epoch-changed', async () => {
    const h = hub();
    const head = await h.publish('c', { data: '1' });
    const epoch = epochOf(head);
    for (const [since, reason] of [
      ['garbage', 'unknown-id'],
      [`${epoch}-9`, 'unknown-id'],
      ['otherepoch-1', 'epoch-changed'],
    ] as const) {
      const { events, listener } = recorder();
      await h.subscribe('c', listener, { since });
      expect(events).toEqual([
        { type: 'gap', channel: 'c', since, reason, firstAvailableId: head },
        { type: 'message', message: expect.objectContaining({ id: head, data: '1' }) },
        { type: 'live', channel: 'c', headId: head },
      ]);
    }
  });

  it('holds one Redis SUBSCRIBE per channel for all local subscribers, and drops it with the last', async () => {
    const h = hub();
    const subs = await Promise.all([1, 2, 3].map(() => h.subscribe('c', () => {})));
    expect(h.subscriberCount('c')).toBe(3);
    expect(h.channelCount).toBe(1);
    expect(await redisSubscriberCount(pair.client, h.keyPrefix, 'c')).toBe(1);
    await subs[0].unsubscribe();
    await subs[0].unsubscribe();
    expect(await redisSubscriberCount(pair.client, h.keyPrefix, 'c')).toBe(1);
    await subs[1].unsubscribe();
    await subs[2].unsubscribe();
    expect(h.channelCount).toBe(0);
    expect(await redisSubscriberCount(pair.client, h.keyPrefix, 'c')).toBe(0);
    // And the channel can be subscribed to again.
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    await h.publish('c', { data: 'again' });
    await waitFor(() => events.length === 2, 'delivery after resubscribing');
  });

  it('never loses or repeats a message published while the replay is being read', async () => {
    const h = hub();
    const since = await h.publish('c', { data: '0' });
    let publishing = true;
    let count = 1;
    const publisher = (async () => {
      while (publishing && count < 400) {
        await h.publish('c', { data: String(count) });
        count++;
      }
    })();
    const subscribers = [];
    for (let i = 0; i < 8; i++) {
      const r = recorder();
      subscribers.push(r);
      await h.subscribe('c', r.listener, { since });
    }
    publishing = false;
    await publisher;
    const last = count;
    for (const { events } of subscribers) {
      await waitFor(() => ids(events).length === last - 1, 'every message');
      expect(ids(events).map((id) => Number(id.slice(id.lastIndexOf('-') + 1)))).toEqual(Array.from({ length: last - 1 }, (_, i) => i + 2));
      expect(types(events).filter((type) => type === 'live')).toHaveLength(1);
    }
  });

  /**
   * A hub whose subscribe-script replies, once armed, wait for `release()`: the replay read
   * has run in Redis but its answer is late, so live messages arrive in between.
   */
  function gatedHub(options: { maxPendingLive?: number } = {}): { hub: RedisHub; arm: () => void; release: () => void; held: () => number } {
    const sha = luaScript(SUBSCRIBE_SCRIPT).sha1;
    let armed = false;
    let held = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const real = nodeRedisCommander(pair.client);
    const keyPrefix = uniquePrefix('gated');
    prefixes.push(keyPrefix);
    const gated = new RedisHub({
      commander: {
        sendCommand: async (args) => {
          const reply = await real.sendCommand(args);
          if (armed && args[1] === sha) {
            held++;
            await gate;
          }
          return reply;
        },
      },
      subscriber: nodeRedisSubscriber(pair.subscriber),
      keyPrefix,
      ...options,
    });
    hubs.push(gated);
    return { hub: gated, arm: () => (armed = true), release, held: () => held };
  }

  it('holds live messages that arrive while the replay is read, then delivers them after it, once', async () => {
    const { hub: h, arm, release, held } = gatedHub();
    const publisher = hub({ keyPrefix: h.keyPrefix }, other);
    const early = [await publisher.publish('c', { data: '1' }), await publisher.publish('c', { data: '2' })];
    // Already live on the same Redis SUBSCRIBE: it shows when the held ones got a message too.
    const observer = recorder();
    await h.subscribe('c', observer.listener);
    arm();
    const { events, listener } = recorder();
    const subscribing = h.subscribe('c', listener, { since: early[0] });
    const fresh = recorder();
    const freshSubscribing = h.subscribe('c', fresh.listener);
    await waitFor(() => held() === 2, 'both replay reads to run');
    const late = [await publisher.publish('c', { data: '3' }), await publisher.publish('c', { data: '4' })];
    await waitFor(() => ids(observer.events).length === 2, 'the live messages');
    expect(events).toEqual([]);
    release();
    await subscribing;
    await freshSubscribing;
    const summary = (list: SubscriptionEvent[]): string[] => list.map((event) => (event.type === 'message' ? event.message.id : event.type));
    expect(summary(events)).toEqual([early[1], 'live', ...late]);
    expect(summary(fresh.events)).toEqual(['live', ...late]);
  });

  it('fails a subscribe that would have to hold more than maxPendingLive live messages', async () => {
    const { hub: h, arm, release, held } = gatedHub({ maxPendingLive: 2 });
    const publisher = hub({ keyPrefix: h.keyPrefix }, other);
    const observer = recorder();
    await h.subscribe('c', observer.listener);
    arm();
    const outcome = h.subscribe('c', () => {}).then(
      () => null,
      (error: unknown) => error,
    );
    await waitFor(() => held() === 1, 'the replay read to run');
    for (let i = 0; i < 3; i++) await publisher.publish('c', { data: String(i) });
    await waitFor(() => ids(observer.events).length === 3, 'the live messages');
    release();
    const error = await outcome;
    expect(error).toBeInstanceOf(HubUnavailableError);
    expect(String(error)).toMatch(/maxPendingLive \(2\)/);
    expect(h.subscriberCount('c')).toBe(1);
  });

  it('unsubscribes a listener that throws; the others keep receiving', async () => {
    const h = hub();
    const good = recorder();
    await h.subscribe('c', () => {
      throw new Error('boom');
    });
    await h.subscribe('c', good.listener);
    expect(h.subscriberCount('c')).toBe(1);
    await h.publish('c', { data: 'x' });
    await waitFor(() => good.events.length === 2, 'the message');
  });
});

describe('RedisHub across processes', () => {
  it('shares ids, history and live messages between two hubs on the same Redis', async () => {
    const a = hub();
    const b = hub({ keyPrefix: a.keyPrefix }, other);
    const published = [await a.publish('c', { data: '1' }), await a.publish('c', { data: '2' })];
    const seenOnB = recorder();
    await b.subscribe('c', seenOnB.listener, { since: published[0] });
    expect(ids(seenOnB.events)).toEqual([published[1]]);
    const seenOnA = recorder();
    await a.subscribe('c', seenOnA.listener);
    published.push(await b.publish('c', { data: '3' }));
    published.push(await a.publish('c', { data: '4' }));
    expect(new Set(published.map(epochOf)).size).toBe(1);
    await waitFor(() => ids(seenOnB.events).length === 3 && ids(seenOnA.events).length === 2, 'fan-out to both hubs');
    expect(ids(seenOnB.events)).toEqual(published.slice(1));
    expect(ids(seenOnA.events)).toEqual(published.slice(2));
  });

  it('concurrent publishers on two hubs get distinct consecutive offsets, seen in one order everywhere', async () => {
    const a = hub();
    const b = hub({ keyPrefix: a.keyPrefix }, other);
    const onA = recorder();
    const onB = recorder();
    await a.subscribe('c', onA.listener);
    await b.subscribe('c', onB.listener);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).publish('c', { data: String(i) })));
    const offsets = results.map((id) => Number(id.slice(id.lastIndexOf('-') + 1))).sort((x, y) => x - y);
    expect(offsets).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    await waitFor(() => ids(onA.events).length === 60 && ids(onB.events).length === 60, 'all messages on both hubs');
    expect(ids(onA.events)).toEqual(ids(onB.events));
    const data = (events: SubscriptionEvent[]): string[] => events.flatMap((event) => (event.type === 'message' ? [event.message.data] : []));
    expect(data(onA.events)).toEqual(data(onB.events));
  });
});

describe('RedisHub behind SSE', () => {
  it('a client that loses server A resumes on server B with its last id and misses nothing', async () => {
    const a = hub();
    const b = hub({ keyPrefix: a.keyPrefix }, other);
    const servers = [createServer(createSseHandler({ hub: a })), createServer(createSseHandler({ hub: b }))];
    const [urlA, urlB] = await Promise.all(servers.map(async (server) => `${await listen(server)}/events?channel=news`));
    const seen: string[] = [];
    let lastId = '';
    const onMessage = (event: MessageEvent): void => {
      seen.push(String(event.data));
      lastId = event.lastEventId;
    };
    const first = new EventSource(urlA);
    const second = { source: null as EventSource | null };
    try {
      first.onmessage = onMessage;
      await waitFor(() => a.subscriberCount('news') === 1, 'the stream on server A');
      await a.publish('news', { data: '1' });
      await b.publish('news', { data: '2' });
      await waitFor(() => seen.length === 2, 'two messages from A');
      first.close();
      await waitFor(() => a.subscriberCount('news') === 0, 'server A to let go');
      await a.publish('news', { data: '3' });
      await b.publish('news', { data: '4' });
      second.source = new EventSource(urlB, { lastEventId: lastId });
      second.source.onmessage = onMessage;
      await waitFor(() => seen.length === 4, 'the replay from B');
      await a.publish('news', { data: '5' });
      await waitFor(() => seen.length === 5, 'live on B');
      expect(seen).toEqual(['1', '2', '3', '4', '5']);
    } finally {
      first.close();
      second.source?.close();
      await Promise.all(servers.map((server) => shut(server)));
    }
  });
});

describe('RedisHub epoch and live sequence', () => {
  it('a Redis that lost its data starts a new epoch; old ids get an epoch-changed gap', async () => {
    const h = hub();
    const old = await h.publish('c', { data: 'before' });
    await deleteKeys(pair.client, h.keyPrefix);
    const fresh = await h.publish('c', { data: 'after' });
    expect(epochOf(fresh)).not.toBe(epochOf(old));
    expect(fresh).toMatch(/-1$/);
    const { events, listener } = recorder();
    await h.subscribe('c', listener, { since: old });
    expect(events[0]).toEqual({ type: 'gap', channel: 'c', since: old, reason: 'epoch-changed', firstAvailableId: fresh });
    expect(ids(events)).toEqual([fresh]);
  });

  it('ends a live subscription with an error when a message of another epoch arrives', async () => {
    const h = hub();
    await h.publish('c', { data: 'before' });
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    await deleteKeys(pair.client, h.keyPrefix);
    await h.publish('c', { data: 'after' });
    await waitFor(() => events.length === 2, 'the error');
    const last = events[1];
    expect(last.type === 'error' && last.error).toBeInstanceOf(HubUnavailableError);
    expect(last.type === 'error' && last.error.message).toMatch(/new epoch/);
    expect(h.subscriberCount('c')).toBe(0);
  });

  it('ends a live subscription with an error when an offset is missing from the live stream', async () => {
    const h = hub();
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    await h.publish('c', { data: '1' });
    // Take offset 2 without publishing it, as if Pub/Sub had lost that message.
    await pair.client.sendCommand(['INCR', `${h.keyPrefix}offset:c`]);
    await h.publish('c', { data: '3' });
    await waitFor(() => events.length === 3, 'the error');
    expect(types(events)).toEqual(['live', 'message', 'error']);
    const last = events[2];
    expect(last.type === 'error' && last.error.message).toMatch(/missed live messages \(expected offset 2, got 3\)/);
  });

  it('rejects a subscribe whose replay meets a stream entry it did not write', async () => {
    const h = hub();
    const first = await h.publish('c', { data: '1' });
    await pair.client.sendCommand(['XADD', `${h.keyPrefix}stream:c`, '2-0', 'x', 'y']);
    await pair.client.sendCommand(['INCR', `${h.keyPrefix}offset:c`]);
    await expect(h.subscribe('c', () => {}, { since: first })).rejects.toThrow(/malformed entry/);
    expect(h.subscriberCount('c')).toBe(0);
  });

  it('ignores Pub/Sub payloads the publish script did not write', async () => {
    const h = hub();
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    for (const junk of ['', 'x', 'abc 1 2 not-json', 'abc 1 2 {"d":5}', 'bad-epoch 1 2 {"d":"x"}']) {
      await pair.client.sendCommand(['PUBLISH', `${h.keyPrefix}live:c`, junk]);
    }
    const id = await h.publish('c', { data: 'real' });
    await waitFor(() => events.length === 2, 'the real message');
    expect(ids(events)).toEqual([id]);
  });
});

describe('RedisHub close', () => {
  it('ends subscriptions with an error event, unsubscribes from Redis and rejects later calls', async () => {
    const h = hub();
    const { events, listener } = recorder();
    await h.subscribe('c', listener);
    await h.close();
    await h.close();
    expect(events.at(-1)).toMatchObject({ type: 'error', channel: 'c', error: expect.any(HubClosedError) });
    expect(await redisSubscriberCount(pair.client, h.keyPrefix, 'c')).toBe(0);
    await expect(h.publish('c', { data: 'x' })).rejects.toThrow(HubClosedError);
    await expect(h.subscribe('c', listener)).rejects.toThrow(HubClosedError);
  });
});

describe('ioredis adapters', () => {
  it('run the same hub over ioredis clients, sharing history with a node-redis hub', async () => {
    const client = new IoRedis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
    const subscriber = new IoRedis(REDIS_URL, { lazyConnect: true });
    await client.connect();
    await subscriber.connect();
    try {
      const viaNodeRedis = hub();
      const viaIoredis = new RedisHub({ commander: ioredisCommander(client), subscriber: ioredisSubscriber(subscriber), keyPrefix: viaNodeRedis.keyPrefix });
      hubs.push(viaIoredis);
      const first = await viaNodeRedis.publish('c', { data: '1' });
      const { events, listener } = recorder();
      const subs = [await viaIoredis.subscribe('c', listener, { since: first }), await viaIoredis.subscribe('c', () => {})];
      const second = await viaIoredis.publish('c', { data: '2', event: 'e' });
      const third = await viaNodeRedis.publish('c', { data: '3' });
      await waitFor(() => ids(events).length === 2, 'live messages over ioredis');
      expect(ids(events)).toEqual([second, third]);
      expect(await redisSubscriberCount(pair.client, viaNodeRedis.keyPrefix, 'c')).toBe(1);
      for (const sub of subs) await sub.unsubscribe();
      expect(await redisSubscriberCount(pair.client, viaNodeRedis.keyPrefix, 'c')).toBe(0);
      await viaIoredis.close();
    } finally {
      client.disconnect();
      subscriber.disconnect();
    }
  });
});
