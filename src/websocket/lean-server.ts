import type { ConnectionEvents } from './connection-events.js';
import { LeanWebSocket, type WebSocketHandlers, handlerEvents } from './lean-connection.js';
import { WebSocketServerBase, type WebSocketServerOptions } from './server.js';

export interface LeanWebSocketServerOptions<Data = unknown> extends WebSocketServerOptions {
  handlers: WebSocketHandlers<Data>;
}

/**
 * The lean face of a server (issue 15 §1): handlers given once for all
 * connections, as uWebSockets and Bun have them, and `ws.data` for the
 * application's state. Its connections are the same as `WebSocketServer`'s in
 * everything but their events (lean-connection.ts), which cost them no
 * listeners or closures. Options, the handshake, `clients`, `handleUpgrade`,
 * the 'connection' event and `close` are `WebSocketServer`'s.
 */
export class LeanWebSocketServer<Data = unknown> extends WebSocketServerBase<LeanWebSocket<Data>> {
  constructor(options: LeanWebSocketServerOptions<Data>, callback?: () => void) {
    const { handlers } = options;
    super(options, callback, {
      create: () => new LeanWebSocket<Data>(),
      events: handlerEvents(handlers) as ConnectionEvents,
      open: handlers.open && ((connection, request) => handlers.open!(connection, request)),
    });
  }
}
