import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import {
  type OutgoingHeaders,
  buildConnectRejection,
  buildConnectResponse,
  validateExtendedConnect,
} from '../protocol/websocket/index.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { SocketAdapter } from './socket-adapter.js';
import { decideHandshake } from './handshake-decision.js';
import { type Http2ConnectRequest, connectRequest } from './handshake-request.js';
import { prepareStream } from './http2-carrier.js';
import { agreeDeflate, openConnection } from './server-agreement.js';
import { countHandshakeRejected } from '../metrics/library-metrics.js';
import type { WebSocketServerOptions } from './server.js';

/** What a `WebSocketServer` lends the handling of one extended CONNECT stream. */
export interface StreamHost<Connection extends SocketAdapter> {
  readonly options: WebSocketServerOptions;
  readonly settings: ConnectionSettings;
  readonly handshakeTimeout: number;
  isClosed(): boolean;
  matchesPath(url: string): boolean;
  /** The 'headers' event: the application may add response headers. */
  emitHeaders(headers: Record<string, string | string[]>, request: Http2ConnectRequest): void;
  /** A new connection of the server's face, told it is open once attached (`open`). */
  newConnection(): Connection;
  opened(connection: Connection, request: Http2ConnectRequest): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Answers an extended CONNECT stream (RFC 8441): refused with its status
 * (400, 403, 404, 501, 503…) and a body saying why, or accepted with a 200, after
 * which the stream carries the WebSocket's frames through the same adapter as a
 * socket. A stream that stalls in the handshake is reset, never the session.
 */
export function serveStream<Connection extends SocketAdapter>(
  host: StreamHost<Connection>,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  callback: (connection: Connection, request: Http2ConnectRequest) => void,
): void {
  stream.on('error', destroyOnError);
  const carrier = prepareStream(stream);
  const timer = setTimeout(() => carrier.destroy(), host.handshakeTimeout);
  timer.unref();
  const refuse = (status: number, reason: string, extra?: OutgoingHeaders): void => {
    clearTimeout(timer);
    if (stream.destroyed || stream.headersSent) return;
    countHandshakeRejected('websocket', status);
    const answer = buildConnectRejection(status, reason, extra);
    stream.respond(answer.headers);
    stream.end(answer.body);
  };
  try {
    if (host.isClosed()) return refuse(503, 'Server is shutting down');
    const check = validateExtendedConnect(headers);
    if (!check.ok) return refuse(check.status, check.reason, check.headers);
    if (!host.matchesPath(check.path)) return refuse(404, 'No WebSocket endpoint at this path');
    const request = connectRequest(stream, headers, check);
    decideHandshake(host.options, check, request, refuse, (protocol) => {
      clearTimeout(timer);
      // The client may have reset the stream while `verify` was thinking.
      if (stream.destroyed || stream.closed) return;
      if (host.isClosed()) return refuse(503, 'Server is shutting down');
      const extra: Record<string, string | string[]> = {};
      host.emitHeaders(extra, request);
      const agreed = agreeDeflate(host.settings, check.extensions);
      stream.respond(buildConnectResponse({ protocol, headers: extra, extensions: agreed && [agreed.extension] }));
      stream.off('error', destroyOnError);
      const connection = openConnection(host.newConnection(), carrier, EMPTY, host.settings, protocol, agreed);
      host.opened(connection, request);
      callback(connection, request);
    });
  } catch (error) {
    refuse(500, `Handshake failed: ${(error as Error).message}`);
  }
}

function destroyOnError(this: ServerHttp2Stream): void {
  this.destroy();
}
