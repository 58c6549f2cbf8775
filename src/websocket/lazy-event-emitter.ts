import { EventEmitter } from 'node:events';

/**
 * An `EventEmitter` whose constructor sets no fields: `EventEmitter`'s own sets five
 * (and makes a listener store) on every instance. A connection of a server with
 * handlers (lean-connection.ts) is never listened to, so it carries none of them;
 * a Node-style connection sets up its store itself (connection.ts). Instances are
 * still `instanceof EventEmitter`, and `on()` makes the store when it finds none.
 */
export const LazyEventEmitter = function LazyEventEmitter(): void {} as unknown as typeof EventEmitter;
LazyEventEmitter.prototype = Object.create(EventEmitter.prototype, {
  constructor: { value: LazyEventEmitter, writable: true, configurable: true },
}) as EventEmitter;
