// Thin adapters from the two common Node Redis clients to the hub's RedisCommander and
// RedisSubscriber. Written against duck types, so neither package is imported here and
// the hub keeps zero runtime dependencies.
import type { EventEmitter } from 'node:events';
import { asError } from '../protocol/errors.js';
import type { RedisCommander, RedisMessageListener, RedisSubscriber } from './redis-client.js';

type EventListener = Parameters<EventEmitter['on']>[1];

/** The part of a node-redis (`redis` v4 to v6) client the adapters use. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A node-redis client used for Pub/Sub: `client.duplicate()` after `connect()`. */
export interface NodeRedisSubscriberLike {
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: 'error' | 'end', listener: EventListener): unknown;
  off(event: 'error' | 'end', listener: EventListener): unknown;
}

/** The part of an ioredis client the adapters use. */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** An ioredis client dedicated to Pub/Sub (`redis.duplicate()`). */
export interface IoRedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'close' | 'end', listener: () => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
  off(event: 'close' | 'end', listener: () => void): unknown;
}

export function nodeRedisCommander(client: NodeRedisClientLike): RedisCommander {
  return { sendCommand: (args) => client.sendCommand([...args]) };
}

export function nodeRedisSubscriber(client: NodeRedisSubscriberLike): RedisSubscriber {
  // node-redis tracks listeners per channel itself, so each hub listener maps to one wrapper.
  const wrappers = new Map<RedisMessageListener, (message: string) => void>();
  const wrapperFor = (listener: RedisMessageListener): ((message: string) => void) => {
    let wrapper = wrappers.get(listener);
    if (wrapper === undefined) {
      wrapper = (message: string) => listener(message);
      wrappers.set(listener, wrapper);
    }
    return wrapper;
  };
  return {
    subscribe: async (channel, listener) => {
      await client.subscribe(channel, wrapperFor(listener));
    },
    unsubscribe: async (channel, listener) => {
      const wrapper = wrappers.get(listener);
      if (wrapper === undefined) return;
      wrappers.delete(listener);
      await client.unsubscribe(channel, wrapper);
    },
    onConnectionLost: (listener) => {
      // node-redis emits 'error' when the socket fails (then reconnects and resubscribes on
      // its own) and 'end' when it is closed for good.
      const onError = (error: unknown): void => listener(asError(error));
      const onEnd = (): void => listener(new Error('Redis subscriber connection ended'));
      client.on('error', onError);
      client.on('end', onEnd);
      return () => {
        client.off('error', onError);
        client.off('end', onEnd);
      };
    },
  };
}

export function ioredisCommander(client: IoRedisClientLike): RedisCommander {
  return { sendCommand: ([command, ...args]) => client.call(command, ...args) };
}

export function ioredisSubscriber(client: IoRedisSubscriberLike): RedisSubscriber {
  // ioredis has one 'message' event for all channels: dispatch here, and SUBSCRIBE or
  // UNSUBSCRIBE only when a channel gains its first or loses its last listener.
  const channels = new Map<string, { readonly listeners: Set<RedisMessageListener>; readonly subscribed: Promise<unknown> }>();
  client.on('message', (channel, message) => {
    for (const listener of channels.get(channel)?.listeners ?? []) listener(message);
  });
  return {
    subscribe: async (channel, listener) => {
      let entry = channels.get(channel);
      if (entry === undefined) {
        entry = { listeners: new Set(), subscribed: client.subscribe(channel) };
        channels.set(channel, entry);
      }
      entry.listeners.add(listener);
      try {
        await entry.subscribed;
      } catch (error) {
        entry.listeners.delete(listener);
        if (channels.get(channel) === entry && entry.listeners.size === 0) channels.delete(channel);
        throw error;
      }
    },
    unsubscribe: async (channel, listener) => {
      const entry = channels.get(channel);
      if (entry === undefined || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
      channels.delete(channel);
      await client.unsubscribe(channel);
    },
    onConnectionLost: (listener) => {
      const onClose = (): void => listener(new Error('Redis subscriber connection closed'));
      client.on('close', onClose);
      client.on('end', onClose);
      return () => {
        client.off('close', onClose);
        client.off('end', onClose);
      };
    },
  };
}
