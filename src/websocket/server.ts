import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server as HttpServer, createServer } from 'node:http';
import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  CloseCode,
  type OutgoingHeaders,
  buildAcceptResponse,
  type ExtensionOffer,
  buildRejectResponse,
  reasonPhrase,
  validateUpgradeRequest,
} from '../protocol/websocket/index.js';
import { decideHandshake } from './handshake-decision.js';
import type { HandshakeRequest, Http2ConnectRequest } from './handshake-request.js';
import { serveStream } from './http2-server.js';
import { agreeDeflate, openConnection } from './server-agreement.js';
import { type ConnectionOptions, type ConnectionSettings, resolveSettings } from './connection-settings.js';
import { WebSocketConnection } from './connection.js';
import { ClientSet } from './client-set.js';
import { type ConnectionEvents, EMITTED } from './connection-events.js';
import type { SocketConnection } from './socket-connection.js';
import { type Heartbeat, type HeartbeatOptions, createWatch } from './heartbeat.js';
import { type TraceOption, traceUpgrade } from './wire-trace.js';
import { countHandshakeRejected } from '../metrics/library-metrics.js';

/** A refusal from the `verify` hook: any HTTP status, a reason for the body, extra headers. */
export interface Rejection {
  status: number;
  reason?: string;
  headers?: Record<string, string>;
}

/** `true` or nothing accepts; `false` refuses with 401; a `Rejection` says how. */
export type VerifyResult = boolean | Rejection | undefined | void;

export interface WebSocketServerOptions extends ConnectionOptions {
  /** Listen on this port with a server of our own. */
  port?: number;
  host?: string;
  backlog?: number;
  /** Or attach to an existing `http.Server` / `https.Server`. */
  server?: HttpServer | HttpsServer;
  /** Or route upgrades yourself and call `handleUpgrade` (Express, Fastify, several paths on one server). */
  noServer?: boolean;
  /**
   * Serve WebSockets over HTTP/2 streams (RFC 8441) on this `node:http2` server:
   * its new sessions advertise SETTINGS_ENABLE_CONNECT_PROTOCOL and its extended
   * CONNECT streams are answered here. Alone, it is also the server whose HTTP/1.1
   * upgrades are served (`allowHTTP1`); beside `server` or `noServer`, those say where
   * upgrades come from. To route streams yourself, leave it out and call `handleStream`.
   */
  http2Server?: Http2Server | Http2SecureServer;
  /** Accept upgrades only for this path; others get 404. */
  path?: string;
  /**
   * Allowed `Origin` values, or a function deciding. Browsers send the page's
   * origin and let any page open a socket to any server, so a server that
   * trusts cookies must check it (cross-site WebSocket hijacking). Others get 403.
   */
  origins?: readonly string[] | ((origin: string | undefined, request: HandshakeRequest) => boolean);
  /** Picks the subprotocol from those the client offered; default: the first offered, as `ws` does. */
  handleProtocols?: (protocols: string[], request: HandshakeRequest) => string | false | undefined;
  /**
   * Decides whether to accept, asynchronously if need be (authentication, rate limits).
   * `request` is an `IncomingMessage`, or an `Http2ConnectRequest` for a WebSocket over HTTP/2.
   */
  verify?: (request: HandshakeRequest) => VerifyResult | Promise<VerifyResult>;
  /** Longest time from the connection to the 101 response (ms), verify included. Default 10 s. */
  handshakeTimeout?: number;
  /** Largest request head our own server reads; larger gets 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Ping silent peers and drop dead ones; `false` turns it off. Default 30 s / 10 s. */
  heartbeat?: HeartbeatOptions | false;
  /** Keep open connections in `clients`. Default true. */
  clientTracking?: boolean;
  /** Record a wire trace of all, none (default) or some connections (wire-trace.ts, docs/inspector.md). */
  trace?: TraceOption;
}

type UpgradeCallback<Connection> = (connection: Connection, request: IncomingMessage) => void;

/** How a server's connections are made and where their events go: the `ws`-style face or handlers. */
export interface ServerFace<Connection> {
  create(): Connection;
  events: ConnectionEvents;
  open?(connection: Connection, request: HandshakeRequest): void;
}

const EMITTING: ServerFace<WebSocketConnection> = { create: () => new WebSocketConnection(), events: EMITTED };

/**
 * What both server faces share (`WebSocketServer`, `LeanWebSocketServer`):
 * `{ port }`, `{ server }` or `{ noServer: true }` with `handleUpgrade`, the
 * handshake, `clients`, `close`. Events: 'connection' (socket, request),
 * 'headers' (headers, request) to add response headers, 'listening', 'error',
 * 'close'.
 *
 * A bad handshake gets its HTTP answer (400, 403, 404, 405, 426, 431, 503…)
 * and the socket is closed; nothing about it is thrown into the application.
 */
export class WebSocketServerBase<Connection extends SocketConnection> extends EventEmitter {
  readonly clients = new ClientSet<Connection>();
  readonly options: Readonly<WebSocketServerOptions>;
  private readonly settings: ConnectionSettings;
  private readonly face: ServerFace<Connection>;
  private readonly heartbeat: Heartbeat | undefined;
  private readonly handshakeTimeout: number;
  private httpServer: HttpServer | HttpsServer | Http2Server | Http2SecureServer | undefined;
  private ownsServer = false;
  private detach: (() => void) | undefined;
  private detachHttp2: (() => void) | undefined;
  private closed = false;

  /** `face`: how connections are made and where their events go (`WebSocketServer`, `LeanWebSocketServer`). */
  protected constructor(options: WebSocketServerOptions, callback: (() => void) | undefined, face: ServerFace<Connection>) {
    super();
    this.face = face;
    const modes = [options.port !== undefined, options.server !== undefined, options.noServer === true];
    const count = modes.filter(Boolean).length;
    if (count > 1 || (count === 0 && !options.http2Server)) {
      throw new TypeError('Give exactly one of the "port", "server" or "noServer" options, or "http2Server"');
    }
    this.options = options;
    this.handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.heartbeat = createWatch(options.heartbeat, options);
    this.settings = {
      ...resolveSettings('server', options, undefined, face.events),
      heartbeat: this.heartbeat,
      tracker: options.clientTracking === false ? undefined : this.clients,
    };

    if (options.port !== undefined) {
      this.httpServer = createServer(
        {
          maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
          headersTimeout: this.handshakeTimeout,
          requestTimeout: this.handshakeTimeout,
          connectionsCheckingInterval: Math.min(this.handshakeTimeout, 1000),
        },
        (_request, response) => {
          const body = 'This is a WebSocket endpoint: connect with Upgrade: websocket\n';
          response.writeHead(426, reasonPhrase(426), { Upgrade: 'websocket', Connection: 'Upgrade', 'Content-Type': 'text/plain' });
          response.end(body);
        },
      );
      // Requests node:http itself refuses (a stalled or oversized head, bytes that
      // are not HTTP) get the same kind of answer as ours: status and a reason.
      this.httpServer.on('clientError', answerClientError);
      this.ownsServer = true;
      this.httpServer.listen(options.port, options.host, options.backlog, callback);
    } else if (options.server) {
      this.httpServer = options.server;
    }
    if (this.httpServer) {
      const server = this.httpServer;
      const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.handleUpgrade(request, socket, head, (connection) => this.emit('connection', connection, request));
      const onListening = () => this.emit('listening');
      const onError = (error: Error) => this.emit('error', error);
      server.on('upgrade', onUpgrade);
      server.on('listening', onListening);
      server.on('error', onError);
      this.detach = () => {
        server.off('upgrade', onUpgrade);
        server.off('listening', onListening);
        server.off('error', onError);
      };
    }
    if (options.http2Server) this.detachHttp2 = this.serveHttp2(options.http2Server, count === 0);
  }

  /** Takes the extended CONNECT streams of an HTTP/2 server, and its HTTP/1.1 upgrades when it is the only server. */
  private serveHttp2(server: Http2Server | Http2SecureServer, only: boolean): () => void {
    const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      if (headers[':method'] === 'CONNECT') this.handleStream(stream, headers);
    };
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.handleUpgrade(request, socket, head, (connection) => this.emit('connection', connection, request));
    const onListening = () => this.emit('listening');
    const onError = (error: Error) => this.emit('error', error);
    // With a request handler (the compatibility API), Node answers a CONNECT nobody
    // listens for with 405 before our 'stream' listener can: listening is enough, since
    // onStream answers every CONNECT (a WebSocket, or a refusal).
    const onConnect = () => {};
    // RFC 8441 §3: clients may send extended CONNECT only once the server said so.
    server.updateSettings({ enableConnectProtocol: true });
    server.on('stream', onStream);
    server.on('connect', onConnect);
    if (only) {
      server.on('upgrade', onUpgrade);
      server.on('listening', onListening);
      server.on('error', onError);
      this.httpServer = server;
    }
    return () => {
      server.updateSettings({ enableConnectProtocol: false });
      server.off('stream', onStream);
      server.off('connect', onConnect);
      server.off('upgrade', onUpgrade);
      server.off('listening', onListening);
      server.off('error', onError);
    };
  }

  /**
   * Completes (or refuses) the handshake of an extended CONNECT stream (RFC 8441)
   * from an HTTP/2 server's 'stream' event, and calls `callback` (by default, the
   * 'connection' event) with the open connection, whose `carrier` is 'http2-stream'.
   */
  handleStream(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    callback: (connection: Connection, request: Http2ConnectRequest) => void = (connection, request) =>
      this.emit('connection', connection, request),
  ): void {
    serveStream(
      {
        options: this.options,
        settings: this.settings,
        handshakeTimeout: this.handshakeTimeout,
        isClosed: () => this.closed,
        matchesPath: (url) => this.matchesPath(url),
        emitHeaders: (extra, request) => this.emit('headers', extra, request),
        newConnection: () => this.face.create(),
        opened: (connection, request) => this.face.open?.(connection, request),
      },
      stream,
      headers,
      callback,
    );
  }

  address(): AddressInfo | string | null {
    if (!this.httpServer) throw new Error('A server in noServer mode has no address');
    return this.httpServer.address();
  }

  /** Whether `request` is for this server's path. */
  shouldHandle(request: IncomingMessage): boolean {
    return this.matchesPath(request.url ?? '/');
  }

  private matchesPath(url: string): boolean {
    const path = this.options.path;
    if (path === undefined) return true;
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === path;
  }

  /**
   * Completes (or refuses) the opening handshake of an upgrade request routed
   * here, and calls `callback` with the open connection.
   */
  handleUpgrade(request: IncomingMessage, duplex: Duplex, head: Buffer, callback: UpgradeCallback<Connection>): void {
    const socket = duplex as Socket;
    socket.on('error', destroyOnError);
    const timer = setTimeout(abandon, this.handshakeTimeout, socket);
    timer.unref();
    try {
      this.upgrade(request, socket, head, callback, timer);
    } catch (error) {
      clearTimeout(timer);
      reject(socket, 500, `Handshake failed: ${(error as Error).message}`);
    }
  }

  private upgrade(request: IncomingMessage, socket: Socket, head: Buffer, callback: UpgradeCallback<Connection>, timer: NodeJS.Timeout): void {
    const refuse = (status: number, reason: string, headers?: OutgoingHeaders): void => {
      clearTimeout(timer);
      reject(socket, status, reason, headers);
    };
    if (this.closed) return refuse(503, 'Server is shutting down');
    if (!this.shouldHandle(request)) return refuse(404, 'No WebSocket endpoint at this path');
    const check = validateUpgradeRequest({
      method: request.method ?? '',
      httpVersion: request.httpVersion,
      headers: request.headers,
    });
    if (!check.ok) return refuse(check.status, check.reason, check.headers);
    decideHandshake(this.options, check, request, refuse, (protocol) => {
      clearTimeout(timer);
      this.accept(request, socket, head, check.key, protocol, check.extensions, callback);
    });
  }

  private accept(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    key: string,
    protocol: string | undefined,
    offers: ExtensionOffer[],
    callback: UpgradeCallback<Connection>,
  ): void {
    // The client may have left while `verify` was thinking (a FIN leaves the
    // socket half-open, still writable, but no longer readable).
    if (socket.destroyed || !socket.writable || !socket.readable) {
      socket.destroy();
      return;
    }
    if (this.closed) return reject(socket, 503, 'Server is shutting down');
    const headers: Record<string, string | string[]> = {};
    this.emit('headers', headers, request);
    if (this.options.trace) traceUpgrade(this.options.trace, request, socket);
    const agreed = agreeDeflate(this.settings, offers);
    socket.write(buildAcceptResponse({ key, protocol, headers, extensions: agreed && [agreed.extension] }));
    socket.off('error', destroyOnError);
    const connection = openConnection(this.face.create(), socket, head, this.settings, protocol, agreed);
    this.face.open?.(connection, request);
    callback(connection, request);
  }

  /**
   * Stops accepting, and closes every client with 1001 (Going Away). The
   * callback runs once every connection is closed (and our own server, if any).
   */
  close(callback?: (error?: Error) => void): void {
    if (this.closed) {
      if (callback) process.nextTick(callback);
      return;
    }
    this.closed = true;
    this.detach?.();
    this.detachHttp2?.();
    let pending = 1;
    const done = (): void => {
      if (--pending > 0) return;
      this.heartbeat?.stop();
      this.emit('close');
      callback?.();
    };
    pending++;
    this.clients.whenEmpty(done);
    for (const client of this.clients) client.close(CloseCode.GoingAway, 'Server shutting down');
    if (this.ownsServer && this.httpServer) {
      pending++;
      this.httpServer.close(() => done());
    }
    process.nextTick(done);
  }
}

/**
 * A WebSocket server in the manner of `ws`: `{ port }`, `{ server }` or
 * `{ noServer: true }` with `handleUpgrade`; its connections emit Node-style
 * events and have the WHATWG face too (`WebSocketConnection`).
 */
export class WebSocketServer extends WebSocketServerBase<WebSocketConnection> {
  constructor(options: WebSocketServerOptions, callback?: () => void) {
    super(options, callback, EMITTING);
  }
}

function reject(socket: Socket, status: number, reason: string, headers?: OutgoingHeaders): void {
  countHandshakeRejected('websocket', status);
  if (socket.writable) socket.end(buildRejectResponse(status, reason, headers));
  // Give the answer a moment to reach a peer that does not close its end.
  setTimeout(abandon, 1000, socket).unref();
}

function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request header fields too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request head did not arrive in time']
        : [400, `Malformed HTTP request (${error.code ?? error.message})`];
  // The peer may already be gone (ECONNRESET): then there is no one to answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Nothing more from this peer is HTTP to us: what it still sends (an h2c client's
  // GOAWAY after its preface was refused) is dropped here, not fed to the request
  // parser. Deno's node:http has already put that parser back in the pool its HTTP
  // client shares, so the next request in the process took it and failed on these
  // bytes ("Expected HTTP/"; docs/runtimes.md). Reading on sees the peer's FIN.
  socket.removeAllListeners('data');
  socket.on('data', discard);
  reject(socket as Socket, status, reason);
}

function discard(): void {}

function abandon(socket: Socket): void {
  socket.destroy();
}

function destroyOnError(this: Socket): void {
  this.destroy();
}

