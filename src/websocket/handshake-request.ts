import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { AcceptedConnect } from '../protocol/websocket/index.js';

/**
 * An extended CONNECT (RFC 8441) as the server's hooks see it (`verify`,
 * `origins`, `handleProtocols`, 'headers', 'connection'): shaped like an
 * `IncomingMessage` for what hooks read (`url`, `headers`, `socket`), with the
 * HTTP/2 stream besides. `headers.host` is filled in from `:authority`.
 */
export interface Http2ConnectRequest {
  readonly httpVersion: '2.0';
  readonly method: 'CONNECT';
  /** `:path`, as `IncomingMessage.url`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The HTTP/2 connection's socket (a TLSSocket over TLS). */
  readonly socket: Socket;
  readonly stream: ServerHttp2Stream;
}

/** What a server's hooks get: an HTTP/1.1 upgrade request or an HTTP/2 extended CONNECT. */
export type HandshakeRequest = IncomingMessage | Http2ConnectRequest;

export function connectRequest(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, check: AcceptedConnect): Http2ConnectRequest {
  return {
    httpVersion: '2.0',
    method: 'CONNECT',
    url: check.path,
    headers: { host: check.authority, ...headers },
    socket: stream.session?.socket as Socket,
    stream,
  };
}
