// The app `npm start` serves: every part of the mission on one page (docs/app.md).
//   /                      the page: chat, cursors, build log, notifications, controls
//   /inspector             the protocol inspector
//   /app/<file>            its scripts and styles (public/)
//   /switchboard/…         the mount: client.js and the three transports
//   /build/events          the build log, plain SSE (Last-Event-ID, or ?lastEventId=)
//   GET  /app/history?channel=…&count=N   the id to subscribe `since` for the last N messages
//   POST /app/cut?tab=…    drops this tab's connection without a close frame
//   POST /app/restart-hub  closes the mount and its hub and starts new ones
//   GET  /app/build        the id to read the current build from its first line
//   GET  /app/wire?tab=…    bytes this tab's session socket carried (measured by Node)
//   GET  /app/transport-bytes  the same messages over every transport, bytes measured
//   GET  /app/info         which hub, and how many sessions
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { Duplex } from 'node:stream';
import { createSseHandler, createSwitchboard, type Hub, type SseHandler, type Switchboard, type SwitchboardRequest } from 'switchboard';
import { formatMessageId, parseMessageId } from 'switchboard/protocol';
import { randomBytes } from 'node:crypto';
import { startBuildSimulator } from './build-simulator.js';
import { startNotifier } from './notifier.js';
import { serveStatic } from './static-files.js';
import { TabRegistry } from './tab-registry.js';
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
const SUBSCRIBABLE = /^(chat|cursors|presence|tab|notifications|build-log):[\w-]{1,64}$/;
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
      case '/app/history':
        historyStart(hub, url.searchParams.get('channel') ?? '', Number(url.searchParams.get('count') ?? 50)).then(
          (since) => json(response, since === undefined ? 400 : 200, since === undefined ? { error: 'bad channel or count' } : { since }),
          (error: Error) => json(response, 503, { error: error.message }),
        );
        return true;
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

/** The chat member behind a request: the `sb_member` cookie, shown as `sb_name`; none without the cookie. */
function memberOf(request: SwitchboardRequest, _room: string, transport: string): { id: string; info: { name: string; transport: string } } | undefined {
  const cookies = parseCookies(request.headers.cookie);
  const id = cookies.get('sb_member');
  if (id === undefined || !/^[\w-]{1,64}$/.test(id)) return undefined;
  return { id, info: { name: (cookies.get('sb_name') ?? id).slice(0, 40), transport } };
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    try {
      cookies.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
    } catch {
      // A cookie that is not percent-encoded text is not one of ours.
    }
  }
  return cookies;
}

/**
 * The id to subscribe `since` so that the last `count` messages of `channel` are
 * replayed (history on join): the channel's head id from a subscription's `live`
 * marker, `count` back. Undefined for a channel a page may not read.
 */
async function historyStart(hub: Hub, channel: string, count: number): Promise<string | undefined> {
  if (!SUBSCRIBABLE.test(channel) || !Number.isInteger(count) || count < 0 || count > MAX_HISTORY) return undefined;
  let head: string | undefined;
  const subscription = await hub.subscribe(channel, (event) => {
    if (event.type === 'live') head = event.headId;
  });
  await subscription.unsubscribe();
  const position = head === undefined ? null : parseMessageId(head);
  if (position === null) throw new Error('the hub gave no head id');
  return formatMessageId(position.epoch, Math.max(0, position.offset - count));
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) }).end(text);
}

function methodNotAllowed(response: ServerResponse): true {
  response.writeHead(405, { allow: 'POST' }).end();
  return true;
}

