import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as IoRedis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HubUnavailableError,
  RedisHub,
  ioredisCommander,
  ioredisSubscriber,
  type RedisMessageListener,
  type SubscriptionEvent,
} from '../../src/hub/index.js';
import { waitFor } from '../support/sse/net.js';
import { IN_CI } from '../support/ci.js';
import { connectPair, redisHub, redisSubscriberCount, uniquePrefix, type RedisPair } from '../support/redis.js';
import { RedisServerProcess, freePort, redisServerOnPath } from '../support/redis-server.js';

function recorder(): { events: SubscriptionEvent[]; listener: (event: SubscriptionEvent) => void } {
  const events: SubscriptionEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

const ids = (events: SubscriptionEvent[]): string[] => events.flatMap((event) => (event.type === 'message' ? [event.message.id] : []));
const offsetOf = (id: string): number => Number(id.slice(id.lastIndexOf('-') + 1));
const epochOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));

/** Retries `attempt` until it succeeds; every failure on the way must be a clear HubUnavailableError. */
async function onceBack<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      expect(error).toBeInstanceOf(HubUnavailableError);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Polls an asynchronous condition, such as a question to Redis, until it holds. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function publishOnceBack(hub: RedisHub, channel: string, data: string): Promise<string> {
  return onceBack(() => hub.publish(channel, { data }));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ownRedis(
  extraArgs?: readonly string[],
  commandTimeoutMs = 1000,
): Promise<{ server: RedisServerProcess; pair: RedisPair; hub: RedisHub; keyPrefix: string }> {
  const server = new RedisServerProcess(await freePort(), extraArgs);
  await server.start();
  cleanups.push(() => server.kill());
  const pair = await connectPair(server.url, 25);
  cleanups.push(() => pair.close());
  const keyPrefix = uniquePrefix('faults');
  const hub = redisHub(pair, { keyPrefix, commandTimeoutMs });
  cleanups.push(() => hub.close());
  return { server, pair, hub, keyPrefix };
}

/** These tests need a redis-server of their own: skipped on a machine without one, but never in CI. */
const describeOwnRedis = describe.skipIf(!redisServerOnPath && !IN_CI);

function requireRedisServer(): void {
  beforeAll(() => {
    if (!redisServerOnPath) throw new Error('redis-server is not on PATH: the Redis fault tests cannot run (CI must install it, see .ci/run)');
  });
}

describeOwnRedis('RedisHub when Redis fails (own redis-server)', () => {
  requireRedisServer();

  it('Redis killed mid-stream: errors, not hangs; after the restart publishing works and clients resume with an epoch-changed gap', async () => {
    const { server, hub } = await ownRedis();
    const live = recorder();
    await hub.subscribe('c', live.listener);
    const published: string[] = [];
    let publishError: unknown = null;
    const publisher = (async () => {
      for (let i = 0; publishError === null; i++) {
        try {
          published.push(await hub.publish('c', { data: String(i) }));
        } catch (error) {
          publishError = error;
        }
      }
    })();
    await waitFor(() => ids(live.events).length >= 20, 'messages before the crash');
    await server.kill();
    await publisher;
    expect(publishError).toBeInstanceOf(HubUnavailableError);
    expect(String(publishError)).toMatch(/Redis/);
    await waitFor(() => live.events.at(-1)?.type === 'error', 'the subscriber error');
    const end = live.events.at(-1);
    expect(end?.type === 'error' && end.error).toBeInstanceOf(HubUnavailableError);
    expect(end?.type === 'error' && end.error.message).toMatch(/Redis subscriber connection lost/);
    // Up to the crash, each message once and in order. The one publish in flight may
    // have reached the subscriber even though its reply was lost with the connection.
    const seen = ids(live.events);
    expect(seen.map(offsetOf)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.length).toBeLessThanOrEqual(published.length + 1);
    expect(seen.slice(0, published.length)).toEqual(published.slice(0, seen.length));
    expect(hub.subscriberCount('c')).toBe(0);

    // While Redis is down, calls fail promptly with a clear error.
    await expect(hub.subscribe('c', () => {})).rejects.toThrow(HubUnavailableError);
    await expect(hub.publish('c', { data: 'x' })).rejects.toThrow(/Redis/);

    await server.start();
    const fresh = await publishOnceBack(hub, 'c', 'after restart');
    expect(epochOf(fresh)).not.toBe(epochOf(seen[0]));
    expect(offsetOf(fresh)).toBe(1);
    const resumed = recorder();
    // The Pub/Sub connection may still be reconnecting.
    await onceBack(() => hub.subscribe('c', resumed.listener, { since: seen.at(-1) }));
    expect(resumed.events).toEqual([
      { type: 'gap', channel: 'c', since: seen.at(-1), reason: 'epoch-changed', firstAvailableId: fresh },
      { type: 'message', message: expect.objectContaining({ id: fresh, data: 'after restart' }) },
      { type: 'live', channel: 'c', headId: fresh },
    ]);
    const next = await hub.publish('c', { data: 'live again' });
    await waitFor(() => ids(resumed.events).length === 2, 'live delivery after recovery');
    expect(ids(resumed.events)).toEqual([fresh, next]);
  });

  it('Redis restarted with its data (AOF): same epoch, and a resumed client misses nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-redis-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { server, hub } = await ownRedis(['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
    const live = recorder();
    await hub.subscribe('c', live.listener);
    const before = [await hub.publish('c', { data: '1' }), await hub.publish('c', { data: '2' })];
    await waitFor(() => ids(live.events).length === 2, 'live messages');
    await server.kill();
    await waitFor(() => live.events.at(-1)?.type === 'error', 'the subscriber error');
    await server.start();
    const after = [await publishOnceBack(hub, 'c', '3'), await hub.publish('c', { data: '4' })];
    expect(after.map(epochOf)).toEqual(before.map(epochOf));
    const resumed = recorder();
    await onceBack(() => hub.subscribe('c', resumed.listener, { since: ids(live.events).at(-1) }));
    expect(resumed.events.map((event) => event.type)).toEqual(['message', 'message', 'live']);
    expect(ids(resumed.events)).toEqual(after);
  });

  /** Kills the hub's Pub/Sub connection only; the hub must end its subscriptions and let them resume. */
  async function pubSubConnectionKilled(hub: RedisHub, killPubSub: () => Promise<unknown>): Promise<void> {
    const live = recorder();
    await hub.subscribe('c', live.listener);
    const first = await hub.publish('c', { data: '1' });
    await waitFor(() => ids(live.events).length === 1, 'the first message');
    await killPubSub();
    await waitFor(() => live.events.at(-1)?.type === 'error', 'the subscriber error');
    const end = live.events.at(-1);
    expect(end?.type === 'error' && end.error).toBeInstanceOf(HubUnavailableError);
    // Published while nobody listened live: only the stream has these.
    const missed = [await hub.publish('c', { data: '2' }), await hub.publish('c', { data: '3' })];
    const resumed = recorder();
    // The client may still be reconnecting its subscriber connection.
    await onceBack(() => hub.subscribe('c', resumed.listener, { since: first }));
    expect(ids(resumed.events)).toEqual(missed);
    const next = await hub.publish('c', { data: '4' });
    await waitFor(() => ids(resumed.events).length === 3, 'live delivery on the new connection');
    expect(ids(resumed.events)).toEqual([...missed, next]);
  }

  it('only the Pub/Sub connection dropped (node-redis): subscribers get an error and resume from the stream without loss', async () => {
    const { pair, hub } = await ownRedis();
    await pubSubConnectionKilled(hub, () => pair.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']));
  });

  it('only the Pub/Sub connection dropped (ioredis): the same', async () => {
    const { server, pair } = await ownRedis();
    const options = { lazyConnect: true, retryStrategy: () => 25 };
    const client = new IoRedis(server.url, { ...options, enableOfflineQueue: false });
    const subscriber = new IoRedis(server.url, options);
    cleanups.push(async () => {
      client.disconnect();
      subscriber.disconnect();
    });
    await client.connect();
    await subscriber.connect();
    const hub = new RedisHub({ commander: ioredisCommander(client), subscriber: ioredisSubscriber(subscriber), keyPrefix: uniquePrefix('io-faults'), commandTimeoutMs: 1000 });
    cleanups.push(() => hub.close());
    await pubSubConnectionKilled(hub, () => pair.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']));
  });
});

describeOwnRedis('RedisHub when Redis does not answer (own redis-server, stopped or paused)', () => {
  requireRedisServer();
  const TIMEOUT_MS = 200;

  it('stopped (SIGSTOP): publish, SUBSCRIBE and close each give up after commandTimeoutMs; a SUBSCRIBE answered late is undone', async () => {
    const { server, pair, hub, keyPrefix } = await ownRedis(undefined, TIMEOUT_MS);
    server.stop();
    await expect(hub.publish('c', { data: 'x' })).rejects.toThrow(new RegExp(`Redis did not answer publish within ${TIMEOUT_MS} ms`));
    const late = recorder();
    const refused = await hub.subscribe('c', late.listener).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HubUnavailableError);
    expect(String(refused)).toMatch(new RegExp(`Redis did not answer SUBSCRIBE within ${TIMEOUT_MS} ms`));
    expect(hub.channelCount).toBe(0);

    // Redis now answers the SUBSCRIBE it held: the hub unsubscribes, nothing is left behind.
    server.resume();
    await eventually(async () => (await redisSubscriberCount(pair.client, keyPrefix, 'c')) === 0, 'the late SUBSCRIBE undone');
    const live = recorder();
    await onceBack(() => hub.subscribe('c', live.listener));
    const id = await hub.publish('c', { data: 'after' });
    await waitFor(() => ids(live.events).length === 1, 'live delivery after Redis answers again');
    expect(ids(live.events)).toEqual([id]);
    expect(late.events).toEqual([]);

    // close() does not wait for a Redis that does not answer its UNSUBSCRIBE.
    server.stop();
    await hub.close();
    const end = live.events.at(-1);
    expect(end?.type === 'error' && end.error.message).toBe('hub closed');
    server.resume();
  });

  it('paused (CLIENT PAUSE WRITE): SUBSCRIBE is answered but the replay script is not, and subscribe gives up after commandTimeoutMs', async () => {
    const { server, hub, keyPrefix } = await ownRedis(undefined, TIMEOUT_MS);
    // Another connection pauses writes and scripts (EVALSHA) for everyone; SUBSCRIBE still runs.
    const admin = await connectPair(server.url, 25);
    cleanups.push(() => admin.close());
    await admin.client.sendCommand(['CLIENT', 'PAUSE', '10000', 'WRITE']);
    cleanups.push(async () => void (await admin.client.sendCommand(['CLIENT', 'UNPAUSE'])));
    const refused = await hub.subscribe('c', () => {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HubUnavailableError);
    expect(String(refused)).toMatch(new RegExp(`Redis did not answer subscribe within ${TIMEOUT_MS} ms`));
    expect(hub.channelCount).toBe(0);
    await expect(hub.publish('c', { data: 'x' })).rejects.toThrow(new RegExp(`Redis did not answer publish within ${TIMEOUT_MS} ms`));

    await admin.client.sendCommand(['CLIENT', 'UNPAUSE']);
    await eventually(async () => (await redisSubscriberCount(admin.client, keyPrefix, 'c')) === 0, 'the abandoned subscription undone');
    const live = recorder();
    await onceBack(() => hub.subscribe('c', live.listener));
    const id = await hub.publish('c', { data: 'after' });
    await waitFor(() => ids(live.events).length === 1, 'live delivery after the pause');
    expect(ids(live.events)).toEqual([id]);
  });
});

describe('RedisHub with a client that fails (fake clients)', () => {
  it('errors from the client become HubUnavailableError with the cause kept', async () => {
    const cause = new Error('connection refused');
    const hub = new RedisHub({
      commander: { sendCommand: async () => Promise.reject(cause) },
      subscriber: { subscribe: async () => {}, unsubscribe: async () => {}, onConnectionLost: () => () => {} },
    });
    const error = await hub.publish('c', { data: 'x' }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(HubUnavailableError);
    expect(error).toMatchObject({ message: 'Redis publish failed: connection refused', cause });
    await hub.close();
  });

  it('a subscribe under way when the Pub/Sub connection drops rejects instead of going live', async () => {
    let lost: ((error: Error) => void) | null = null;
    let answer: (reply: unknown) => void = () => {};
    const hub = new RedisHub({
      commander: { sendCommand: () => new Promise((resolve) => (answer = resolve)) },
      subscriber: {
        subscribe: async () => {},
        unsubscribe: async () => {},
        onConnectionLost: (listener) => {
          lost = listener;
          return () => {};
        },
      },
    });
    const events: SubscriptionEvent[] = [];
    const pending = hub.subscribe('c', (event) => events.push(event));
    await waitFor(() => hub.channelCount === 1, 'the subscribe to start');
    await new Promise((resolve) => setTimeout(resolve, 10));
    (lost as unknown as (error: Error) => void)(new Error('socket closed'));
    answer(['e', '0', '', []]);
    await expect(pending).rejects.toThrow(/Redis subscriber connection lost \(socket closed\)/);
    expect(events).toEqual([]);
    await hub.close();
  });
});
