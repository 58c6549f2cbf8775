// `mountSwitchboard(server)`: the mount on a server the application already made. The
// server's request listeners (the application) are wrapped, so requests under the prefix
// are answered here and every other one goes to them; upgrades likewise, and on an HTTP/2
// server the extended CONNECT streams of WebSockets over HTTP/2 (RFC 8441).
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { sendJson } from './http-reply.js';
import type { SwitchboardOptions, SwitchboardRequest } from './options.js';
import { createSwitchboard, type Switchboard, type SwitchboardResponse } from './switchboard.js';

export type MountableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

type Listener = (...args: unknown[]) => void;

/**
 * Serves Switchboard on `server` under `options.prefix`. Mount after the application's
 * request listener is attached (`http.createServer(app)` then mount): listeners added
 * later see every request, Switchboard's too. Call `close()` on the result before
 * `server.close()`: open streams would otherwise hold the server open.
 */
export function mountSwitchboard(server: MountableServer, options: SwitchboardOptions = {}): Switchboard {
  const switchboard = createSwitchboard(options);
  const emitter: NodeJS.EventEmitter = server;
  wrap(
    emitter,
    'request',
    (args) => switchboard.handleRequest(args[0] as SwitchboardRequest, args[1] as SwitchboardResponse),
    // No application: what is not ours is not found.
    (args) => notFound(args[1] as SwitchboardResponse),
  );
  if (isHttp2(server)) serveStreams(server, switchboard);
  wrap(
    emitter,
    'upgrade',
    (args) => switchboard.handleUpgrade(args[0] as IncomingMessage, args[1] as Duplex, args[2] as Buffer),
    // What node:http does with an upgrade nobody listens for.
    (args) => void (args[1] as Duplex).destroy(),
  );
  return switchboard;
}

/**
 * Replaces the listeners of `event` by one that offers it to `handled` first, then to
 * them, or to `unheard` when there were none.
 */
function wrap(emitter: NodeJS.EventEmitter, event: string, handled: (args: unknown[]) => boolean, unheard: (args: unknown[]) => void): void {
  const listeners = emitter.listeners(event) as Listener[];
  emitter.removeAllListeners(event);
  emitter.on(event, (...args: unknown[]) => {
    if (handled(args)) return;
    if (listeners.length === 0) unheard(args);
    for (const listener of listeners) listener.apply(emitter, args);
  });
}

function isHttp2(server: MountableServer): server is Http2Server | Http2SecureServer {
  return typeof (server as Partial<Http2Server>).updateSettings === 'function';
}

/**
 * WebSockets over HTTP/2 (RFC 8441): advertise extended CONNECT, take the mount's
 * `/ws` streams, and refuse other CONNECTs (404) unless the application listens for
 * them. Node's compatibility layer answers an unheard 'connect' with 405 before any
 * 'stream' listener could, so the mount listens to it too.
 */
function serveStreams(server: Http2Server | Http2SecureServer, switchboard: Switchboard): void {
  server.updateSettings({ enableConnectProtocol: true });
  const applicationConnect = server.listenerCount('connect') > 0;
  server.on('connect', () => {});
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    if (headers[':method'] !== 'CONNECT' || switchboard.handleStream(stream, headers) || applicationConnect) return;
    stream.respond({ ':status': 404 }, { endStream: true });
  });
}

function notFound(response: SwitchboardResponse): void {
  sendJson(response, 404, { error: 'not found' });
}
