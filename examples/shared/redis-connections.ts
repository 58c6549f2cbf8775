// Two node-redis connections for a RedisHub (Pub/Sub needs a connection of its own).
// `redis` is a dependency of the examples, not of the switchboard package.
import { createClient } from 'redis';
import { RedisHub, nodeRedisCommander, nodeRedisSubscriber, type RedisHubOptions } from 'switchboard';

export interface RedisConnections {
  /** A new RedisHub on these connections (the app may make another after closing one). */
  hub(options?: Omit<RedisHubOptions, 'commander' | 'subscriber'>): RedisHub;
  quit(): Promise<void>;
}

export async function connectRedis(url: string, log: (line: string) => void): Promise<RedisConnections> {
  // Offline queue off: while Redis is down, publishes fail at once instead of piling up.
  const client = createClient({ url, disableOfflineQueue: true, pingInterval: 10_000 });
  client.on('error', (error: Error) => log(`redis: ${error.message}`));
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on('error', (error: Error) => log(`redis subscriber: ${error.message}`));
  await subscriber.connect();
  const commander = nodeRedisCommander(client);
  return {
    hub: (options = {}) => new RedisHub({ ...options, commander, subscriber: nodeRedisSubscriber(subscriber) }),
    quit: async () => void (await Promise.all([client.quit(), subscriber.quit()])),
  };
}
