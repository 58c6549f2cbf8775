// The smallest slice of a Redis client the Redis hub needs. The package has no runtime
// dependencies, so the hub takes the application's own client through these interfaces;
// redis-adapters.ts wraps node-redis and ioredis into them.

/** Runs one Redis command on an ordinary (non-subscriber) connection. */
export interface RedisCommander {
  /**
   * Sends `args` (command name first) and resolves with the reply: strings, integers,
   * null and nested arrays of those, as RESP2 clients return them. Rejects on error replies
   * and on connection failures.
   */
  sendCommand(args: readonly string[]): Promise<unknown>;
}

/** Called once per Pub/Sub message with its payload. */
export type RedisMessageListener = (message: string) => void;

/**
 * A connection in subscriber mode. It must be a different connection from the commander's,
 * since Redis allows only (UN)SUBSCRIBE and PING on a subscribed connection.
 */
export interface RedisSubscriber {
  /** Resolves once Redis confirmed the SUBSCRIBE; `listener` then gets every message on `channel`. */
  subscribe(channel: string, listener: RedisMessageListener): Promise<void>;
  /** Stops `listener`; the adapter sends UNSUBSCRIBE once a channel has no listener left. */
  unsubscribe(channel: string, listener: RedisMessageListener): Promise<void>;
  /**
   * Registers `listener` to be told when the connection dropped or failed: Pub/Sub does not
   * replay what it sent meanwhile, so the hub must know. Returns a function removing it.
   */
  onConnectionLost(listener: (error: Error) => void): () => void;
}
