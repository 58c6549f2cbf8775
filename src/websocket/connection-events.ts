import type { EventEmitter } from 'node:events';

/**
 * Where a connection's events go, one object for all connections of a server (in
 * its `ConnectionSettings`), so no connection holds listeners of its own: either
 * the connection's own Node-style events (`EMITTED`, the `ws`-style face), or the
 * handlers given once to a server (lean-connection.ts). The adapter calls these;
 * nothing else about a connection differs between the two faces. (Methods, so a
 * server's handlers for its own connection class fit where any connection goes.)
 */
export interface ConnectionEvents<C = object> {
  message(connection: C, data: Buffer, isBinary: boolean): void;
  ping(connection: C, data: Buffer): void;
  pong(connection: C, data: Buffer): void;
  drain(connection: C): void;
  close(connection: C, code: number, reason: string, wasClean: boolean): void;
  /** An error the connection is closed for; it has been reported to nobody else. */
  error(connection: C, error: Error): void;
}

/** The `ws`-style face: each event emitted on the connection. */
export const EMITTED: ConnectionEvents<EventEmitter> = {
  message: (connection, data, isBinary) => void connection.emit('message', data, isBinary),
  ping: (connection, data) => void connection.emit('ping', data),
  pong: (connection, data) => void connection.emit('pong', data),
  drain: (connection) => void connection.emit('drain'),
  close: (connection, code, reason, wasClean) => void connection.emit('close', code, reason, wasClean),
  // As `ws`: with no 'error' listener, the error is not thrown; the 'close' that follows tells.
  error: (connection, error) => {
    if (connection.listenerCount('error') > 0) connection.emit('error', error);
  },
};
