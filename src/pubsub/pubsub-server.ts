// `switchboard.v1` on a WebSocketServer: a thin layer over a Hub. Every connection that
// negotiated the subprotocol gets a session; live messages go through one shared hub
// subscription per channel (see channel-fanout.ts).
import type { IncomingMessage } from 'node:http';
import { HUB_STREAM_MAX_BUFFERED_AMOUNT, type Hub } from '../protocol/hub/contract.js';
import { nonNegativeInteger, positiveInteger } from '../protocol/integer-option.js';
import { PUBSUB_PROTOCOL, resolvePubSubLimits, type PubSubLimits } from '../protocol/pubsub/index.js';
import { CloseCode } from '../protocol/websocket/index.js';
// From the modules themselves, not websocket/index.js: that would load the WebSocket client too.
import type { WebSocketConnection } from '../websocket/connection.js';
import { LeanWebSocket } from '../websocket/lean-connection.js';
import { LeanWebSocketServer } from '../websocket/lean-server.js';
import { WebSocketServer, type WebSocketServerBase, type WebSocketServerOptions } from '../websocket/server.js';
import type { SocketConnection } from '../websocket/socket-connection.js';
import { ClientSet } from '../websocket/client-set.js';
import { FanoutRegistry } from './channel-fanout.js';
import { sendRestart, startDrain, type Drain, type DrainOptions } from './drain.js';
import { resolveRecovery, type PubSubRecoveryOptions } from './hub-recovery.js';
import type { PubSubAuthorize, SessionSettings } from './pubsub-session.js';
import type { PubSubSession } from './pubsub-session.js';
import { openWebSocketSession, receiveFrame } from './websocket-session.js';

export interface PubSubOptions {
  readonly hub: Hub;
  /** May the client subscribe to / publish on the channel? Default: everything is allowed. Errors count as no. */
  readonly authorize?: PubSubAuthorize;
  /** Channels one connection may subscribe to at once. Default 100. */
  readonly maxSubscriptions?: number;
  /** Largest client frame in bytes; larger ones get a `bad-request` error. Default 1 MiB + 4 KiB. */
  readonly maxMessageBytes?: number;
  /** Malformed requests tolerated per connection; the next one closes it with 1008. Default 10. */
  readonly maxInvalidMessages?: number;
  /** Requests of one connection waiting to be handled before reading from it pauses. Default 32. */
  readonly maxPendingRequests?: number;
  /** Field limits of client messages (channel, event, ref and id lengths). */
  readonly limits?: Partial<PubSubLimits>;
  /**
   * Riding out hub outages: the backoff of a channel's re-subscribe, and how long a
   * subscribe may wait for the hub (default 60 s). See docs/scaling.md.
   */
  readonly recovery?: PubSubRecoveryOptions;
  /**
   * Interval of the `ping` message (docs/sessions.md) in ms: sent first on every connection
   * and then every `heartbeatInterval`, so a browser can tell a dead connection from a quiet
   * one. Default: none (the Switchboard mount turns it on, 25 000).
   */
  readonly heartbeatInterval?: number;
  /** Errors that are nobody's reply: `authorize` throwing, a hub failing unexpectedly. */
  readonly onError?: (error: Error, request: IncomingMessage) => void;
}

export interface PubSubServer {
  /**
   * The WebSocket server: the one given, or one created here, which is a
   * `LeanWebSocketServer` (no listeners or closures per connection; its sessions start
   * in its `open` handler, so its 'connection' event needs no listener).
   */
  readonly wss: WebSocketServerBase<SocketConnection>;
  /** Serves a connection that negotiated `switchboard.v1` (done for every 'connection' of a given `wss`). */
  handle(connection: SocketConnection, request: IncomingMessage): void;
  /** Open pub/sub connections. */
  readonly sessionCount: number;
  /** Channels with a shared hub subscription in this process. */
  readonly sharedSubscriptionCount: number;
  /**
   * Graceful restart: closes the pub/sub connections with 1012 (Service Restart), spread
   * over `windowMs`, each told by a `restart` message to come back after `retryAfterMs`;
   * connections made meanwhile are sent away at once, told to come back after the window.
   * Settles when all have closed. Stop the listener (or the load balancer's traffic) first
   * so that new clients go elsewhere. See docs/scaling.md, "Graceful restart".
   */
  drain(options?: DrainOptions): Promise<void>;
  /** Stops serving: closes the pub/sub connections with 1001 (and the server, if it was created here). */
  close(): Promise<void>;
}

/**
 * Serves `switchboard.v1` on an existing WebSocketServer. Connections that negotiated
 * another subprotocol (or none) are left to the application. The server must select
 * `switchboard.v1` when offered: its default `handleProtocols` picks the first offered.
 */
export function attachPubSub(wss: WebSocketServer, options: PubSubOptions): PubSubServer {
  return serve(wss, new PubSubConnections(resolveSessionSettings(options)), false);
}

export interface CreatePubSubServerOptions extends PubSubOptions {
  /**
   * A WebSocketServer to attach to, or the options of one to create. Default `{ noServer:
   * true }` (route upgrades with `wss.handleUpgrade`). A created server selects
   * `switchboard.v1`, closes connections that did not offer it with 1002, takes frames of
   * at most `maxMessageBytes` (larger: 1009), and defaults to `onBufferLimit: 'drop'`, so
   * that a slow subscriber is closed with 1013 (come back and resume) rather than 1008 (do
   * not come back).
   */
  readonly server?: WebSocketServer | WebSocketServerOptions;
  /**
   * Most bytes a subscriber may leave unsent on a created server before it is closed with
   * 1013; it resumes from its last id. Default 8 MiB, as SSE (docs/limits.md). Also read
   * from `server.maxBufferedAmount`; ignored when `server` is an existing WebSocketServer.
   */
  readonly maxBufferedAmount?: number;
}

export function createPubSubServer(options: CreatePubSubServerOptions): PubSubServer {
  return createPubSubServerWith(options, resolveSessionSettings(options));
}

/**
 * `createPubSubServer` whose sessions use `settings`, shared with other transports (the
 * mount's SSE and poll sessions join the same fan-outs). Internal.
 */
export function createPubSubServerWith(options: CreatePubSubServerOptions, settings: SessionSettings): PubSubServer {
  const given = options.server;
  if (given instanceof WebSocketServer) return serve(given, new PubSubConnections(settings), false);
  const serverOptions = given ?? { noServer: true };
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const chooser = serverOptions.handleProtocols;
  const state = new PubSubConnections(settings);
  const wss = new LeanWebSocketServer<PubSubSession | undefined>({
    maxPayload: maxMessageBytes,
    onBufferLimit: 'drop',
    ...serverOptions,
    maxBufferedAmount: positiveInteger(options.maxBufferedAmount ?? serverOptions.maxBufferedAmount ?? HUB_STREAM_MAX_BUFFERED_AMOUNT, 'maxBufferedAmount'),
    handleProtocols: (protocols, request) => (protocols.includes(PUBSUB_PROTOCOL) ? PUBSUB_PROTOCOL : chooser?.(protocols, request)),
    handlers: {
      open: (connection, request) => {
        if (connection.protocol === PUBSUB_PROTOCOL) connection.data = state.open(connection, request as IncomingMessage);
        else connection.close(CloseCode.ProtocolError, `Use the ${PUBSUB_PROTOCOL} subprotocol`);
      },
      message: (connection, data, isBinary) => {
        if (connection.data) receiveFrame(connection.data, connection, data, isBinary, settings);
      },
      close: (connection) => state.closed(connection, connection.data),
    },
  });
  return serve(wss, state, true);
}

const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 4096;

/** `PubSubOptions` whose `authorize` and `onError` see another request type (the mount's, HTTP/2 included). Internal. */
export type SessionOptions<Request> = Omit<PubSubOptions, 'authorize' | 'onError'> & {
  readonly authorize?: PubSubAuthorize<Request>;
  readonly onError?: (error: Error, request: Request) => void;
};

/** The options resolved once per server, with their defaults. Internal. */
export function resolveSessionSettings<Request = IncomingMessage>(options: SessionOptions<Request>): SessionSettings<Request> {
  if (options === null || typeof options !== 'object' || options.hub === undefined) throw new TypeError('pub/sub needs a hub');
  const recovery = resolveRecovery(options.recovery);
  return {
    hub: options.hub,
    registry: new FanoutRegistry(options.hub, recovery),
    recovery,
    limits: resolvePubSubLimits(options.limits),
    maxSubscriptions: positiveInteger(options.maxSubscriptions ?? 100, 'maxSubscriptions'),
    maxMessageBytes: positiveInteger(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes'),
    maxInvalidMessages: nonNegativeInteger(options.maxInvalidMessages ?? 10, 'maxInvalidMessages'),
    maxPendingRequests: positiveInteger(options.maxPendingRequests ?? 32, 'maxPendingRequests'),
    heartbeatInterval: options.heartbeatInterval === undefined ? undefined : timerInterval(options.heartbeatInterval, 'heartbeatInterval'),
    authorize: options.authorize,
    onError: options.onError,
  };
}

/** A positive whole number of ms that a timer can take (at most 2^31 - 1). */
export function timerInterval(value: number, name: string): number {
  positiveInteger(value, name);
  if (value > 2 ** 31 - 1) throw new RangeError(`${name} must be at most 2^31 - 1 ms, got ${value}`);
  return value;
}

/** The pub/sub connections of one server, whichever face its connections have. */
class PubSubConnections {
  readonly connections = new ClientSet<SocketConnection>();
  isClosed = false;
  draining: Drain | undefined;

  constructor(readonly settings: SessionSettings) {}

  /** A connection that negotiated `switchboard.v1`: its session, unless it is sent away. */
  open(connection: SocketConnection, request: IncomingMessage): PubSubSession | undefined {
    if (this.isClosed) {
      connection.close(CloseCode.GoingAway, 'Server shutting down');
      return undefined;
    }
    if (this.draining !== undefined) {
      sendRestart(connection, this.draining.retryForLateComer(Date.now()));
      return undefined;
    }
    this.connections.add(connection);
    return openWebSocketSession(connection, request, this.settings);
  }

  closed(connection: SocketConnection, session: PubSubSession | undefined): void {
    session?.close();
    this.connections.delete(connection);
  }

  /** Settles once no pub/sub connection is open. */
  allClosed(): Promise<void> {
    return new Promise((resolve) => this.connections.whenEmpty(resolve));
  }
}

function serve(wss: WebSocketServerBase<SocketConnection>, state: PubSubConnections, owned: boolean): PubSubServer {
  const { connections, settings } = state;
  // A connection of the ws-style face gets its frames and close through listeners.
  const handle = (connection: SocketConnection, request: IncomingMessage): void => {
    if (connection instanceof LeanWebSocket) {
      if (connection.data === undefined && !connections.has(connection)) connection.data = state.open(connection, request);
      return;
    }
    const emitter = connection as WebSocketConnection;
    const session = state.open(emitter, request);
    if (!session) return;
    emitter.on('message', (data: Buffer, isBinary: boolean) => receiveFrame(session, emitter, data, isBinary, settings));
    emitter.once('close', () => state.closed(emitter, session));
  };
  const onConnection = (connection: SocketConnection, request: IncomingMessage): void => {
    if (connection.protocol === PUBSUB_PROTOCOL) handle(connection, request);
  };
  // A created (lean) server starts its sessions in its `open` handler.
  if (!owned) wss.on('connection', onConnection);

  return {
    wss,
    handle,
    get sessionCount() {
      return connections.size;
    },
    get sharedSubscriptionCount() {
      return settings.registry.size;
    },
    drain: (options = {}) => {
      if (state.isClosed) return Promise.resolve();
      state.draining ??= startDrain([...connections], sendRestart, options, Date.now(), state.allClosed());
      return state.draining.done;
    },
    close: async () => {
      if (state.isClosed) return;
      state.isClosed = true;
      state.draining?.cancel();
      wss.off('connection', onConnection);
      if (owned) {
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        return;
      }
      const closed = state.allClosed();
      for (const connection of connections) connection.close(CloseCode.GoingAway, 'Server shutting down');
      await closed;
    },
  };
}
