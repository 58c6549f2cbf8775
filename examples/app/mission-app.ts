// The app `npm start` serves: every part of the mission on one page (docs/app.md).
//   /                      the page: chat, cursors, build log, notifications, controls
//   /inspector             the protocol inspector
//   /app/<file>            its scripts and styles (public/)
//   (who is behind a request: viewer-cookies.ts)
//   /switchboard/…         the mount: client.js and the three transports
//   /build/events          the build log, plain SSE (Last-Event-ID, or ?lastEventId=)
//   GET  /app/history?channel=…&count=N   the id to subscribe `since` for the last N messages
//   POST /app/cut?tab=…    drops this tab's connection without a close frame
//   POST /app/restart-hub  closes the mount and its hub and starts new ones
//   GET  /app/build        the id to read the current build from its first line
//   GET  /app/wire?tab=…    bytes this tab's session socket carried (measured by Node)
//   GET  /app/transport-bytes  the same messages over every transport, bytes measured
//   GET  /app/trace/events  this browser's traced connections, live (SSE)
//   GET  /app/inspector-core.js  the frame annotator, bundled for the page
//   GET  /app/info         which hub, and how many sessions
//   GET  /metrics          the library's metrics, Prometheus text format (docs/scaling.md)
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createSseHandler, createSwitchboard, type Hub, type SseHandler, type Switchboard, type SwitchboardRequest } from 'switchboard';
import { serveMetrics } from '../shared/metrics-endpoint.js';
import { startBuildSimulator } from './build-simulator.js';
import { historyStart } from './history-start.js';
import { startNotifier } from './notifier.js';
import { serveStatic } from './static-files.js';
import { inspectorCoreBundle } from './inspector-core.js';
import { TabRegistry } from './tab-registry.js';
import { serveTraceStream } from './trace-stream.js';
import { inspecting, memberOf, viewerOf } from './viewer-cookies.js';
import { summarizeTransportBytes, type TransportBytesSummary } from './transport-bytes-summary.js';

export interface MissionAppOptions {
  /** Makes the hub, at the start and again on each restart. */
  readonly makeHub: () => Hub;
  /** 'memory' or 'redis', shown on the page. */
  readonly hubKind: string;
  /** The browser client's heartbeat interval (ms). Default 25 000. */
  readonly heartbeatInterval?: number;
  /** Ms between build-log lines. Default 500 (a build of 120 lines lasts a minute). */
  readonly buildLineMs?: number;
  readonly notificationMs?: number;
  /** Names this process's build and notification channels (`build-log:<instance>`). Default random. */
  readonly instance?: string;
  readonly log?: (line: string) => void;
}

export interface MissionApp {
  readonly server: Server;
  readonly switchboard: Switchboard;
  /** Closes the mount and the hub, and starts new ones (the page's "restart the server's hub"). */
  restartHub(): Promise<void>;
  close(): Promise<void>;
}

/** Channels a page may publish on; everything else is the server's to write. */
const PUBLISHABLE = /^(chat|cursors):[\w-]{1,64}$/;
const SUBSCRIBABLE = /^(chat|cursors|tab|notifications|build-log):[\w-]{1,64}$/;
const MAX_HISTORY = 200;

export function createMissionApp(options: MissionAppOptions): MissionApp {
  const log = options.log ?? (() => {});
  const instance = options.instance ?? randomBytes(4).toString('hex');
  const buildChannel = `build-log:${instance}`;
  const notificationChannel = `notifications:${instance}`;
  const tabs = new TabRegistry();
  const authorize = (request: SwitchboardRequest, channel: string, action: 'subscribe' | 'publish'): boolean => {
    if (action === 'publish') return PUBLISHABLE.test(channel);
    if (!SUBSCRIBABLE.test(channel)) return false;
    // A page subscribes to `tab:<its id>`: that is how "cut my connection" finds its transport.
    if (channel.startsWith('tab:')) tabs.remember(channel.slice(4), request);
    return true;
  };

  let hub: Hub;
  let switchboard: Switchboard;
  let buildEvents: SseHandler;
  const start = (): void => {
    hub = options.makeHub();
    switchboard = createSwitchboard({
      hub,
      authorize,
      heartbeatInterval: options.heartbeatInterval,
      // Chat rooms have presence: the member is the browser (a cookie the page sets), its info the name and transport.
      presence: { rooms: (channel) => channel.startsWith('chat:'), member: memberOf },
      // A browser that opened the inspector (cookie sb_inspect) has its sessions traced under its member id.
      trace: (request) => (inspecting(request) ? viewerOf(request) : false),
      onError: (error) => log(`switchboard: ${error.message}`),
    });
    buildEvents = createSseHandler({ hub, channel: () => buildChannel, onError: (error) => log(`build log: ${error.message}`) });
  };
  start();
  const builds = startBuildSimulator({ hub: () => hub, channel: buildChannel, lineMs: options.buildLineMs, log });
  const notifier = startNotifier(() => hub, notificationChannel, options.notificationMs, log);

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://app');
    if (switchboard.handleRequest(request, response)) return;
    if (url.pathname === '/build/events') return buildEvents(request, response);
    if (url.pathname === '/metrics') return serveMetrics(request, response);
    if (url.pathname === '/app/trace/events') return serveTraceStream(request, response, viewerOf(request));
    if (url.pathname === '/app/inspector-core.js') return serveInspectorCore(response);
    if (url.pathname.startsWith('/app/') && api(request, response, url)) return;
    if (serveStatic(request, response, url.pathname)) return;
    json(response, 404, { error: 'not found' });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!switchboard.handleUpgrade(request, socket, head)) socket.destroy();
  });

  const restartHub = async (): Promise<void> => {
    const [oldSwitchboard, oldHub] = [switchboard, hub];
    start();
    await oldSwitchboard.close();
    await oldHub.close();
    log(`hub restarted (${options.hubKind})`);
  };

  // Measured once on first request (about half a second), again on `?fresh=1`.
  let transportBytes: Promise<TransportBytesSummary> | undefined;

  /** The app's own small API; false when the path is not one of it (static files then). */
  const api = (request: IncomingMessage, response: ServerResponse, url: URL): boolean => {
    const post = request.method === 'POST';
    switch (url.pathname) {
      case '/app/info':
        json(response, 200, { hub: options.hubKind, instance, notifications: notificationChannel, sessions: switchboard.sessionCount });
        return true;
      case '/app/history': {
        const channel = url.searchParams.get('channel') ?? '';
        const count = Number(url.searchParams.get('count') ?? 50);
        if (!SUBSCRIBABLE.test(channel) || !Number.isInteger(count) || count < 0 || count > MAX_HISTORY) {
          json(response, 400, { error: `channel must be one a page may read, count 0 to ${MAX_HISTORY}` });
          return true;
        }
        historyStart(hub, channel, count).then(
          (since) => json(response, 200, { since }),
          (error: Error) => json(response, 503, { error: error.message }),
        );
        return true;
      }
      case '/app/transport-bytes':
        if (transportBytes === undefined || url.searchParams.has('fresh')) transportBytes = summarizeTransportBytes();
        transportBytes.then(
          (summary) => json(response, 200, summary),
          (error: Error) => {
            transportBytes = undefined;
            json(response, 500, { error: error.message });
          },
        );
        return true;
      case '/app/build':
        json(response, 200, { since: builds.since ?? null });
        return true;
      case '/app/wire': {
        const wire = tabs.wire(url.searchParams.get('tab') ?? '');
        json(response, wire === undefined ? 404 : 200, wire ?? { error: 'unknown tab' });
        return true;
      }
      case '/app/cut':
        if (!post) return methodNotAllowed(response);
        json(response, 200, { cut: tabs.cut(url.searchParams.get('tab') ?? '') });
        return true;
      case '/app/restart-hub':
        if (!post) return methodNotAllowed(response);
        restartHub().then(
          () => json(response, 200, { restarted: true }),
          (error: Error) => json(response, 500, { error: error.message }),
        );
        return true;
      default:
        return false;
    }
  };

  return {
    server,
    get switchboard() {
      return switchboard;
    },
    restartHub,
    close: async () => {
      builds.stop();
      notifier.stop();
      await switchboard.close();
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveInspectorCore(response: ServerResponse): void {
  inspectorCoreBundle().then(
    (body) => response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'content-length': body.length }).end(body),
    (error: Error) => json(response, 500, { error: `bundling the inspector core: ${error.message}` }),
  );
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) }).end(text);
}

function methodNotAllowed(response: ServerResponse): true {
  response.writeHead(405, { allow: 'POST' }).end();
  return true;
}

