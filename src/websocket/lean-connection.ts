import type { ConnectionEvents } from './connection-events.js';
import type { HandshakeRequest } from './handshake-request.js';
import { SocketConnection } from './socket-connection.js';

/**
 * The handlers of a `LeanWebSocketServer`, given once for all its connections, as
 * uWebSockets and Bun have them: each gets the connection first. None is required.
 */
export interface WebSocketHandlers<Data = unknown> {
  /** The handshake is done; `ws.data` may be set here (`request` is not kept after). */
  open?(ws: LeanWebSocket<Data>, request: HandshakeRequest): void;
  message?(ws: LeanWebSocket<Data>, data: Buffer, isBinary: boolean): void;
  /** What was queued has gone out, after a send answered 'queued'. */
  drain?(ws: LeanWebSocket<Data>): void;
  close?(ws: LeanWebSocket<Data>, code: number, reason: string, wasClean: boolean): void;
  /** A ping arrived; the pong has been queued already (§5.5.3). */
  ping?(ws: LeanWebSocket<Data>, data: Buffer): void;
  pong?(ws: LeanWebSocket<Data>, data: Buffer): void;
  /** Why the connection is being closed, when it is an error (a protocol violation, a socket error). */
  error?(ws: LeanWebSocket<Data>, error: Error): void;
}

/**
 * A connection of a `LeanWebSocketServer`: the same connection as `ws`-style ones
 * (send, ping, pong, close, terminate, pause, resume, bufferedAmount, readyState)
 * with a slot for the application's own data, and no listeners of its own: its
 * events go to the server's handlers, so a connection costs no closures and no
 * listener store. Listening on it (`on`, `once`…) throws, since nothing would be emitted.
 */
export class LeanWebSocket<Data = unknown> extends SocketConnection {
  /** The application's per-connection data (a user, a session), `undefined` until set. */
  data = undefined as Data;
}

const EVENTS_GO_TO_HANDLERS = (): never => {
  throw new TypeError("A LeanWebSocket emits no events: give the server's handlers instead (open, message, drain, close, ping, pong, error)");
};
for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
  Object.defineProperty(LeanWebSocket.prototype, method, { value: EVENTS_GO_TO_HANDLERS, writable: true, configurable: true });
}

const ignore = (): void => {};

/**
 * A handler called with `this` set to the handlers object. An arrow with `call`, not
 * `bind`: JavaScriptCore (Bun) runs a bound function through a native thunk
 * (measured: ~90 ns a call against ~30 ns, 3 % of a 32-byte echo's profile).
 */
function withThis<A extends unknown[]>(handlers: object, handler: ((...args: A) => void) | undefined): (...args: A) => void {
  return handler === undefined ? ignore : (...args: A) => handler.apply(handlers, args);
}

/** The handlers as the adapter calls them (connection-events.ts): one object per server. */
export function handlerEvents<Data>(handlers: WebSocketHandlers<Data>): ConnectionEvents<LeanWebSocket<Data>> {
  const { message, ping, pong, drain, close, error } = handlers;
  return {
    message: message ? (connection, data, isBinary) => message.call(handlers, connection, data, isBinary) : ignore,
    ping: withThis(handlers, ping),
    pong: withThis(handlers, pong),
    drain: withThis(handlers, drain),
    close: withThis(handlers, close),
    error: withThis(handlers, error),
  };
}
