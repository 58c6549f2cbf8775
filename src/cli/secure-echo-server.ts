import { type Http2SecureServer, type ServerHttp2Session, createSecureServer } from 'node:http2';
import type { PerMessageDeflateOption } from '../websocket/index.js';
import { LeanWebSocketServer } from '../websocket/index.js';
import { ECHO_HANDLERS } from './echo-handler.js';

/**
 * An echo server on one TLS port that speaks both HTTP/1.1 upgrades
 * and WebSockets over HTTP/2 streams (RFC 8441): ALPN picks h2 or http/1.1 per
 * connection (`allowHTTP1`). Its `close` also ends the HTTP/2 sessions still
 * open, which an HTTP/2 server otherwise waits for.
 */
export function secureEchoServer(
  tls: { cert: Buffer; key: Buffer },
  perMessageDeflate: PerMessageDeflateOption,
): { http2Server: Http2SecureServer; server: LeanWebSocketServer; close(): Promise<void> } {
  const http2Server = createSecureServer({ ...tls, allowHTTP1: true });
  const sessions = new Set<ServerHttp2Session>();
  http2Server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const server = new LeanWebSocketServer({ http2Server, perMessageDeflate, handlers: ECHO_HANDLERS });
  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const closed = new Promise<void>((resolve) => http2Server.close(() => resolve()));
    for (const session of sessions) session.close();
    await closed;
  };
  return { http2Server, server, close };
}
