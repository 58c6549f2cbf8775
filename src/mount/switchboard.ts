// The Switchboard mount: every transport of docs/sessions.md under one path prefix, for
// any node:http or node:http2 server, Express or Fastify. `handleRequest` and
// `handleUpgrade` answer what is under the prefix and say false for the rest, so an
// application chains them before its own routes.
import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { MemoryHub } from '../hub/index.js';
import { asError } from '../protocol/errors.js';
import type { Hub } from '../protocol/hub/contract.js';
import { resolveDrainOptions, startDrain, type Drain, type DrainOptions } from '../pubsub/drain.js';
import { createPubSubServerWith, resolveSessionSettings, type PubSubServer } from '../pubsub/pubsub-server.js';
import type { SseRequest, SseResponse } from '../sse/index.js';
import { ClientScript } from './client-script.js';
import { MountPresence, type SwitchboardTransport } from './mount-presence.js';
import { servePresence } from './presence-route.js';
import { sendJson } from './http-reply.js';
import type { MountContext } from './mount-context.js';
import { resolveMountOptions, type SwitchboardOptions, type SwitchboardRequest } from './options.js';
import { PollSession, UNKNOWN_SESSION } from './poll-session.js';
import { handleSessionPost } from './session-post.js';
import { SessionRegistry } from './session-registry.js';
import { openSseSession } from './sse-session.js';
import { traceExchange } from '../trace/index.js';
import { countHandshakeRejected } from '../metrics/library-metrics.js';

export type SwitchboardResponse = SseResponse;

export interface Switchboard {
  /** The path everything is served under. */
  readonly prefix: string;
  /** The hub the sessions read and publish through (publish here to reach every client). */
  readonly hub: Hub;
  /** Open sessions, all transports together. */
  readonly sessionCount: number;
  /** Answers a request under the prefix and returns true; false (untouched) for any other. */
  handleRequest(request: SwitchboardRequest, response: SwitchboardResponse): boolean;
  /** Takes a WebSocket upgrade to `<prefix>/ws` and returns true; false (untouched) for any other. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Takes an HTTP/2 extended CONNECT (RFC 8441) for `<prefix>/ws` from a server's
   * 'stream' event and returns true; false (untouched) for any other stream. The
   * server must advertise the setting (`mountSwitchboard` does).
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean;
  /**
   * Graceful restart of every transport, spread over `windowMs`: WebSockets get a
   * `restart` message and 1012 (as `PubSubServer.drain`), event streams a `retry:` field
   * before they end, both at their turn in the window. Polling sessions are answered at
   * once, `503` with `Retry-After` (whole seconds, rounded up) on their held poll (or the
   * next), the wait being `retryAfterMs` plus their turn's offset in the window. New
   * sessions meanwhile are sent away with the rest of the window as their hint.
   * Settles once every session has ended; then `close()`. See docs/scaling.md.
   */
  drain(options?: DrainOptions): Promise<void>;
  /** Ends every session (WebSockets close with 1001, held polls are answered, streams end) and a hub it created. */
  close(): Promise<void>;
}

/** Not public: what tests change. */
export interface SwitchboardInternals {
  /** Where the browser client bundle is read from. */
  readonly clientScriptPath?: URL | string;
}

export function createSwitchboard(options: SwitchboardOptions = {}): Switchboard {
  return createSwitchboardWith(options, {});
}

export function createSwitchboardWith(options: SwitchboardOptions, internals: SwitchboardInternals): Switchboard {
  const mount = resolveMountOptions(options);
  const ownHub = options.hub === undefined;
  const hub = options.hub ?? new MemoryHub();
  const presence = options.presence === undefined ? undefined : new MountPresence(options.presence, hub, (request) => transportOf(request, mount.prefix), options.onError);
  const authorize = presence === undefined ? options.authorize : presence.authorize(options.authorize);
  const resolved = resolveSessionSettings<SwitchboardRequest>({ ...options, authorize, hub, heartbeatInterval: mount.heartbeatInterval });
  const settings = presence === undefined ? resolved : { ...resolved, presence };
  const registry = new SessionRegistry();
  const context: MountContext = { settings, registry, heartbeatInterval: mount.heartbeatInterval, maxQueuedBytes: mount.maxQueuedBytes, sessionTimeout: mount.sessionTimeout };
  const bodyLimits = { maxBytes: mount.maxBodyBytes, timeoutMs: mount.bodyTimeout };
  const clientScript = new ClientScript(internals.clientScriptPath);
  let closed = false;
  /** The drain of the HTTP sessions, and of everything together. */
  let draining: { http: Drain; done: Promise<void> } | undefined;

  // WebSocket sessions share the settings, and so the channels' fan-outs.
  const pubsub: PubSubServer = createPubSubServerWith(
    {
      ...options,
      hub,
      maxBufferedAmount: mount.maxQueuedBytes,
      server: {
        noServer: true,
        trace: options.trace,
        perMessageDeflate: options.perMessageDeflate,
        verify: () => (closed ? { status: 503, reason: 'Server is shutting down' } : full() ? { status: 503, reason: 'Too many sessions' } : true),
      },
    },
    settings,
  );
  const sessionCount = (): number => registry.size + pubsub.sessionCount;
  const full = (): boolean => sessionCount() >= mount.maxSessions;
  const refuseNew = (response: SseResponse, transport: 'sse' | 'long-polling'): boolean => {
    if (!closed && draining !== undefined) {
      // Like a WebSocket arriving during the drain: come back once it is over (RFC 9110 §10.2.3).
      countHandshakeRejected(transport, 503);
      const seconds = Math.ceil(draining.http.retryForLateComer(Date.now()) / 1000);
      sendJson(response, 503, { error: 'server is restarting' }, { 'retry-after': String(seconds) });
      return true;
    }
    if (!closed && !full()) return false;
    countHandshakeRejected(transport, 503);
    sendJson(response, 503, { error: closed ? 'server is shutting down' : 'too many sessions' }, { 'retry-after': '1' });
    return true;
  };

  const failed = (error: unknown, request: SseRequest, response: SseResponse): void => {
    settings.onError?.(asError(error), request);
    if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
    else response.end();
  };

  const route = (request: SseRequest, response: SseResponse, path: string, url: URL): void => {
    const method = request.method ?? 'GET';
    const allow = (methods: string): boolean => {
      if (methods.split(', ').includes(method)) return true;
      sendJson(response, 405, { error: `use ${methods}` }, { allow: methods });
      return false;
    };
    // Traced exchanges: the SSE stream, each poll and each POST (an untraced one pays one test).
    const trace = options.trace;
    if (trace && (path === '/sse' || path === '/poll' || path.startsWith('/session/'))) {
      const transport = path === '/sse' || (path !== '/poll' && !(registry.get(path.slice(9)) instanceof PollSession)) ? 'sse' : 'long-polling';
      traceExchange(trace, request, response, transport);
    }
    if (path === '/sse') {
      if (allow('GET') && !refuseNew(response, 'sse')) openSseSession(request, response, context);
    } else if (path === '/poll') {
      if (!allow('GET')) return;
      const id = url.searchParams.get('session');
      if (id === null) {
        if (!refuseNew(response, 'long-polling')) new PollSession(request, context).open(response);
        return;
      }
      const session = registry.get(id);
      if (session instanceof PollSession) session.poll(response);
      else sendJson(response, 404, UNKNOWN_SESSION);
    } else if (path.startsWith('/session/') && path.indexOf('/', 9) === -1 && path.length > 9) {
      // Ids are base64url: no percent-decoding, and any other text is simply unknown.
      if (allow('POST')) {
        handleSessionPost(request, response, path.slice(9), registry, bodyLimits).catch((error: unknown) => failed(error, request, response));
      }
    } else if (path === '/presence') {
      if (allow('GET')) servePresence(request, response, url, presence, settings.authorize, settings.onError).catch((error: unknown) => failed(error, request, response));
    } else if (path === '/client.js') {
      if (allow('GET, HEAD')) clientScript.serve(request, response).catch((error: unknown) => failed(error, request, response));
    } else if (path === '/ws') {
      // Reached only without an upgrade (or an HTTP/2 request, which has none).
      sendJson(response, 426, { error: 'connect with Upgrade: websocket and Sec-WebSocket-Protocol: switchboard.v1' }, { upgrade: 'websocket' });
    } else {
      sendJson(response, 404, { error: 'not found' });
    }
  };

  return {
    prefix: mount.prefix,
    hub,
    get sessionCount() {
      return sessionCount();
    },
    handleRequest: (request, response) => {
      const target = underPrefix(request.url, mount.prefix);
      if (target === undefined) return false;
      route(request, response, target.path, target.url);
      return true;
    },
    handleUpgrade: (request, socket, head) => {
      const target = underPrefix(request.url, mount.prefix);
      if (target?.path !== '/ws') return false;
      pubsub.wss.handleUpgrade(request, socket, head, (connection) => pubsub.wss.emit('connection', connection, request));
      return true;
    },
    handleStream: (stream, headers) => {
      if (headers[':method'] !== 'CONNECT' || underPrefix(headers[':path'], mount.prefix)?.path !== '/ws') return false;
      pubsub.wss.handleStream(stream, headers, (connection, request) => pubsub.wss.emit('connection', connection, request));
      return true;
    },
    drain: (options = {}) => {
      if (closed) return Promise.resolve();
      if (draining === undefined) {
        const { windowMs, retryAfterMs } = resolveDrainOptions(options);
        const websockets = pubsub.drain(options);
        const sessions = registry.list();
        const streams = sessions.filter((session) => !(session instanceof PollSession));
        const polls = sessions.filter((session) => session instanceof PollSession);
        const http = startDrain(streams, (session, retryMs) => session.restart(retryMs), options, Date.now(), registry.whenEmpty());
        // Polls are told at once, on the poll they hold: the next one may never reach a
        // process that stopped listening (behind a load balancer it lands elsewhere, 404).
        // Each is told the wait it would have had at its turn, so their returns still spread.
        polls.forEach((session, i) => session.restart(retryAfterMs + Math.round((windowMs * i) / polls.length)));
        draining = { http, done: Promise.all([websockets, http.done]).then(() => undefined) };
      }
      return draining.done;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      draining?.http.cancel();
      registry.closeAll();
      await pubsub.close();
      // Sessions leave their rooms before the hub that announces it goes.
      await presence?.close();
      if (ownHub) await hub.close();
    },
  };
}

/** The transport of the request that opened a session, from its path (`/ws`, `/sse`, `/poll`). */
function transportOf(request: SwitchboardRequest, prefix: string): SwitchboardTransport {
  const path = underPrefix(request.url, prefix)?.path;
  return path === '/ws' ? 'websocket' : path === '/sse' ? 'sse' : 'polling';
}

/** The path after the prefix (`''` for the prefix itself) and the parsed URL; undefined when not under it. */
function underPrefix(rawUrl: string | undefined, prefix: string): { path: string; url: URL } | undefined {
  const raw = rawUrl ?? '/';
  const query = raw.indexOf('?');
  const pathname = query === -1 ? raw : raw.slice(0, query);
  if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return undefined;
  let url: URL;
  try {
    url = new URL(raw, 'http://localhost');
  } catch {
    url = new URL('http://localhost');
  }
  return { path: pathname.slice(prefix.length), url };
}
