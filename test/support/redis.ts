// Real Redis connections for the hub tests: REDIS_URL (default the local server), a fresh
// key prefix per hub so concurrent runs never share keys, and cleanup of those keys.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { RedisHub, nodeRedisCommander, nodeRedisSubscriber, type RedisHubOptions } from '../../src/hub/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function createTestClient(url: string, reconnectDelayMs: number) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => reconnectDelayMs, connectTimeout: 1000 },
  });
  // Connection errors are part of the fault tests; the hub hears them through the adapter.
  client.on('error', () => {});
  return client;
}

export type NodeRedisClient = ReturnType<typeof createTestClient>;

export function uniquePrefix(label: string): string {
  return `switchboard-test:${label}:${randomBytes(6).toString('hex')}:`;
}

export interface RedisPair {
  /** Runs commands; its offline queue is off, so calls fail fast while Redis is down. */
  readonly client: NodeRedisClient;
  /** The Pub/Sub connection. */
  readonly subscriber: NodeRedisClient;
  close(): Promise<void>;
}

/** Two connections, as one server process would hold them. */
export async function connectPair(url: string = REDIS_URL, reconnectDelayMs = 50): Promise<RedisPair> {
  const client = createTestClient(url, reconnectDelayMs);
  const subscriber = createTestClient(url, reconnectDelayMs);
  await client.connect();
  await subscriber.connect();
  return {
    client,
    subscriber,
    close: async () => {
      await Promise.allSettled([client.destroy(), subscriber.destroy()]);
    },
  };
}

export function redisHub(pair: RedisPair, options: Omit<RedisHubOptions, 'commander' | 'subscriber'> = {}): RedisHub {
  return new RedisHub({ commander: nodeRedisCommander(pair.client), subscriber: nodeRedisSubscriber(pair.subscriber), ...options });
}

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deleteKeys(client: NodeRedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const reply = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [string, string[]];
    cursor = reply[0];
    if (reply[1].length > 0) await client.sendCommand(['DEL', ...reply[1]]);
  } while (cursor !== '0');
}

/** How many connections are subscribed to the hub's Pub/Sub channel for `channel`. */
export async function redisSubscriberCount(client: NodeRedisClient, prefix: string, channel: string): Promise<number> {
  const reply = (await client.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}live:${channel}`])) as [string, number];
  return Number(reply[1]);
}
