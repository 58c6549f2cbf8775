// One Switchboard process of a cluster: every transport on one node:http server, all on
// the Hub it is given (a RedisHub in a cluster, so any process can serve any client).
//   GET  /ws (upgrade, subprotocol switchboard.v1)  pub/sub over WebSocket
//   GET  /sse?channel=…                             Server-Sent Events
//   GET  /poll?channel=…  POST /poll?channel=…      long polling
//   POST /publish?channel=…  (body = data)          publish; answers {"id": …}
//   GET  /whoami                                    this process's id (load-balancer checks)
//   GET  /stats                                     open connections and clients seen, per transport
//   GET  /metrics                                   the library's metrics, Prometheus text format (docs/scaling.md)
//   /switchboard/…                                  the browser client's mount (docs/sessions.md):
//                                                   client.js, ws, sse, poll, session/<id>
// Every response carries `x-switchboard-node`, so a client behind the load balancer can
// tell which process served it. Clients that send `x-switchboard-client` are tracked by
// that name in /stats (the integration test uses it to see where each client landed).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HubInputError, createLongPollHandler, createPubSubServer, createSseHandler, createSwitchboard, readRequestBody, type DrainOptions, type HeartbeatOptions, type Hub } from 'switchboard';
import { reasonPhrase, statusLine } from 'switchboard/protocol';
import { serveMetrics } from '../shared/metrics-endpoint.js';

export interface ClusterAppOptions {
  readonly hub: Hub;
  /** This process's name in `x-switchboard-node` and /stats. */
  readonly nodeId: string;
  /** Largest POST /publish body, in bytes. Default 64 KiB. */
  readonly maxPublishBytes?: number;
  /** Client names remembered per transport for /stats; the oldest go first. Default 1 000. */
  readonly maxTrackedClients?: number;
  /** Longest a long poll is held, in ms. Default 25 000 (under nginx's proxy_read_timeout). */
  readonly pollHoldMs?: number;
  /** The browser client's heartbeat (`ping`) interval, in ms. Default 25 000. */
  readonly heartbeatMs?: number;
  /** The WebSocket heartbeat of `/ws` (RFC 6455 pings; silent peers are dropped). Default 30 s / 10 s. */
  readonly websocketHeartbeat?: HeartbeatOptions;
  readonly log?: (line: string) => void;
}

export type Transport = 'ws' | 'sse' | 'poll';

export interface ClusterStats {
  readonly node: string;
  /** Open now: pub/sub WebSocket sessions, SSE streams, held long polls. */
  readonly open: Readonly<Record<Transport, number>>;
  /** Sessions of the browser client's mount open now, all transports. */
  readonly mountSessions: number;
  /** True once `drain()` was called. */
  readonly draining: boolean;
  /** Requests that opened a browser-client session, per transport, since the start. */
  readonly streams: Readonly<Record<Transport, number>>;
  /** Names (`x-switchboard-client`) of the clients served so far, per transport, oldest first. */
  readonly clients: Readonly<Record<Transport, readonly string[]>>;
}

export interface ClusterApp {
  readonly server: Server;
  stats(): ClusterStats;
  /**
   * Graceful restart (docs/scaling.md, "Graceful restarts with nginx"): stops listening,
   * so that the load balancer's new connections are refused and go to the other
   * processes, answers every request from now on with `Connection: close` (no new request
   * rides a kept-alive connection in), and drains the mount's sessions and the pub/sub
   * WebSockets over `windowMs`, each told to come back after `retryAfterMs` (0: at once,
   * to another process). Settles once they have all gone; then `close()`.
   */
  drain(options?: DrainOptions): Promise<void>;
  /** Closes every client connection (1001 for WebSockets) and the server. The hub stays the caller's. */
  close(): Promise<void>;
}

export const NODE_HEADER = 'x-switchboard-node';
export const CLIENT_HEADER = 'x-switchboard-client';

export function createClusterApp(options: ClusterAppOptions): ClusterApp {
  const { hub, nodeId } = options;
  const maxPublishBytes = options.maxPublishBytes ?? 64 * 1024;
  const maxTracked = options.maxTrackedClients ?? 1000;
  const log = options.log ?? (() => {});
  const onError = (error: Error, request: { readonly method?: string; readonly url?: string }): void => log(`${request.method} ${request.url}: ${error.message}`);

  const pubsub = createPubSubServer({ hub, onError, server: { noServer: true, heartbeat: options.websocketHeartbeat } });
  const sse = createSseHandler({ hub, onError });
  const poll = createLongPollHandler({ hub, holdMs: options.pollHoldMs ?? 25_000, onError });
  const switchboard = createSwitchboard({ hub, heartbeatInterval: options.heartbeatMs, onError });
  const streams: Record<Transport, number> = { ws: 0, sse: 0, poll: 0 };
  const seen: Record<Transport, Set<string>> = { ws: new Set(), sse: new Set(), poll: new Set() };
  let openSse = 0;
  let draining = false;

  const track = (transport: Transport, request: IncomingMessage): void => {
    const name = request.headers[CLIENT_HEADER];
    if (typeof name !== 'string' || name === '' || name.length > 128) return;
    const names = seen[transport];
    names.delete(name); // re-inserted last: the Set stays in order of last visit
    names.add(name);
    if (names.size > maxTracked) names.delete(names.values().next().value as string);
  };

  pubsub.wss.on('headers', (headers: Record<string, string | string[]>) => {
    headers[NODE_HEADER] = nodeId;
  });

  const server = createServer((request, response) => {
    response.setHeader(NODE_HEADER, nodeId);
    if (draining) response.setHeader('connection', 'close');
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === `${switchboard.prefix}/sse` || (url.pathname === `${switchboard.prefix}/poll` && !url.searchParams.has('session'))) {
      streams[url.pathname.endsWith('/sse') ? 'sse' : 'poll']++;
    }
    if (switchboard.handleRequest(request, response)) return;
    switch (url.pathname) {
      case '/sse':
        track('sse', request);
        openSse++;
        response.once('close', () => openSse--);
        sse(request, response);
        return;
      case '/poll':
        if (request.method === 'GET') track('poll', request);
        poll(request, response);
        return;
      case '/publish':
        publish(request, response, url);
        return;
      case '/whoami':
        sendJson(response, 200, { node: nodeId });
        return;
      case '/stats':
        sendJson(response, 200, stats());
        return;
      case '/metrics':
        serveMetrics(request, response);
        return;
      default:
        sendJson(response, 404, { error: 'not found' });
    }
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (switchboard.handleUpgrade(request, socket, head)) {
      streams.ws++;
      return;
    }
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/ws') {
      socket.end(`${statusLine(404)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    track('ws', request);
    pubsub.wss.handleUpgrade(request, socket, head, (connection) => pubsub.wss.emit('connection', connection, request));
  });

  const publish = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    if (request.method !== 'POST') {
      sendJson(response, 405, { error: 'use POST' }, { allow: 'POST' });
      return;
    }
    const channel = url.searchParams.get('channel');
    if (channel === null) {
      sendJson(response, 400, { error: 'missing channel' });
      return;
    }
    void readRequestBody(request, { maxBytes: maxPublishBytes, timeoutMs: 10_000 }).then((read) => {
      // Answer now and drop the rest: `connection: close` ends the socket after the answer.
      if (!read.ok) return sendJson(response, read.status, { error: read.error }, { connection: 'close' });
      const event = url.searchParams.get('event') ?? undefined;
      hub.publish(channel, { data: read.body.toString('utf8'), event }).then(
        (id) => sendJson(response, 200, { id }),
        (error: Error) => {
          if (!(error instanceof HubInputError)) onError(error, request);
          sendJson(response, error instanceof HubInputError ? 400 : 503, { error: error.message });
        },
      );
    });
  };

  const stats = (): ClusterStats => ({
    node: nodeId,
    open: { ws: pubsub.sessionCount, sse: openSse, poll: poll.heldPolls },
    mountSessions: switchboard.sessionCount,
    draining,
    streams: { ...streams },
    clients: { ws: [...seen.ws], sse: [...seen.sse], poll: [...seen.poll] },
  });

  return {
    server,
    stats,
    drain: async (drainOptions = {}) => {
      draining = true;
      // Stop listening now; `close()` waits for the connections.
      if (server.listening) server.close();
      await Promise.all([switchboard.drain(drainOptions), pubsub.drain(drainOptions)]);
    },
    close: async () => {
      poll.close();
      await switchboard.close();
      await pubsub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, reasonPhrase(status), { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}
