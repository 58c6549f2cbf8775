// One in-process "server process" on a Redis backplane, for the outage chaos tests: its
// own Redis connections and RedisHub, and an http server with every transport (SSE at
// /sse, long polling at /poll, switchboard.v1 WebSockets on upgrade). Subscribers of each
// transport record what they get, in order, as `id:data` for messages and `gap` entries.
// A node can be started again on the port of one stopped, as a restarted process would
// be, so that clients which reconnect by themselves find it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RedisHub } from '../../../src/hub/index.js';
import { LongPollClient, createLongPollHandler } from '../../../src/long-polling/index.js';
import { createPubSubServer, type PubSubRecoveryOptions, type PubSubServer } from '../../../src/pubsub/index.js';
import { ReconnectingWebSocket, type ReconnectingCloseEvent, type ResumeEvent } from '../../../src/reconnect/index.js';
import { EventSource, createSseHandler } from '../../../src/sse/index.js';
import { connectPair, redisHub } from '../redis.js';
import { shut, waitFor } from '../sse/net.js';
import { JsonClient } from './json-client.js';

export interface BackplaneNode {
  readonly hub: RedisHub;
  readonly pubsub: PubSubServer;
  /** http://127.0.0.1:port */
  readonly base: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** `port` 0 (the default) takes a free one; another reuses a stopped node's, as a restarted process would. */
export async function startBackplaneNode(redisUrl: string, keyPrefix: string, recovery: PubSubRecoveryOptions, port = 0): Promise<BackplaneNode> {
  const pair = await connectPair(redisUrl, 25);
  const hub = redisHub(pair, { keyPrefix, commandTimeoutMs: 500 });
  const sse = createSseHandler({ hub });
  const poll = createLongPollHandler({ hub, holdMs: 2000 });
  const pubsub = createPubSubServer({ hub, recovery });
  const server = createServer((request, response) => (request.url?.startsWith('/sse') ? sse(request, response) : poll(request, response)));
  server.on('upgrade', (request, socket, head) => pubsub.wss.handleUpgrade(request, socket, head, (c) => pubsub.wss.emit('connection', c, request)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    hub,
    pubsub,
    base: `http://127.0.0.1:${bound}`,
    port: bound,
    stop: async () => {
      poll.close();
      await pubsub.close();
      await shut(server);
      await hub.close();
      await pair.close();
    },
  };
}

export type Received = { readonly kind: 'message'; readonly id: string; readonly data: string } | { readonly kind: 'gap'; readonly since: string; readonly reason: string; readonly firstAvailableId: string | null };

export interface RecordingSubscriber {
  readonly name: string;
  readonly received: Received[];
  close(): Promise<void> | void;
}

const SHORT_BACKOFF = { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.2 };

/** A raw switchboard.v1 WebSocket client: subscribes once, never resubscribes, reconnects never. */
export async function webSocketSubscriber(node: BackplaneNode, channel: string, name: string): Promise<RecordingSubscriber & { readonly client: JsonClient }> {
  const client = await JsonClient.connect(node.base.replace('http', 'ws'));
  const received: Received[] = [];
  client.ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    if (m.channel !== channel) return;
    if (m.type === 'message') received.push({ kind: 'message', id: String(m.id), data: String(m.data) });
    else if (m.type === 'gap') received.push({ kind: 'gap', since: String(m.since), reason: String(m.reason), firstAvailableId: (m.firstAvailableId as string | null) ?? null });
  });
  client.send({ type: 'subscribe', channel });
  await client.next((m) => m.type === 'subscribed', `${name} subscribed`);
  return { name, received, client, close: () => client.close() };
}

function gapOf(data: string): Received {
  const gap = JSON.parse(data) as { since: string; reason: string; firstAvailableId: string | null };
  return { kind: 'gap', since: gap.since, reason: gap.reason, firstAvailableId: gap.firstAvailableId };
}

/** An EventSource: it reconnects by itself with Last-Event-ID. */
export function sseSubscriber(node: BackplaneNode, channel: string, name: string): RecordingSubscriber & { readonly source: EventSource } {
  const received: Received[] = [];
  const source = new EventSource(`${node.base}/sse?channel=${channel}`, { backoff: SHORT_BACKOFF, honorServerRetry: false });
  source.onmessage = (event) => received.push({ kind: 'message', id: event.lastEventId, data: String(event.data) });
  source.addEventListener('gap', (event) => received.push(gapOf(String((event as MessageEvent).data))));
  return { name, received, source, close: () => source.close() };
}

/** A LongPollClient: it polls again by itself with its cursor. */
export function longPollSubscriber(node: BackplaneNode, channel: string, name: string): RecordingSubscriber & { readonly poller: LongPollClient } {
  const received: Received[] = [];
  const poller = new LongPollClient(`${node.base}/poll?channel=${channel}`, { backoff: SHORT_BACKOFF, pollTimeoutMs: 5000 });
  poller.onmessage = (event) => received.push({ kind: 'message', id: event.lastEventId, data: String(event.data) });
  poller.addEventListener('gap', (event) => received.push(gapOf(String((event as MessageEvent).data))));
  return { name, received, poller, close: () => poller.close() };
}

/** What a ReconnectingWebSocket's channel handler and events reported besides messages and gaps. */
export interface ReconnectingRecord {
  /** `subscribed` replies on the channel: one per connection that went live. */
  readonly subscribed: string[];
  /** `error` replies on the channel (e.g. subscription-ended): none expected. */
  readonly errors: string[];
  /** 'resume' events: one per resubscription after a reconnection. */
  readonly resumes: ResumeEvent[];
  /** 'reconnect' events: attempts scheduled after a drop. */
  reconnects: number;
  /** The close code of each connection (or attempt) that ended. */
  readonly closeCodes: number[];
}

/**
 * A ReconnectingWebSocket subscribed to the channel: it reconnects by itself and
 * subscribes again with `since` = its last id. Gaps reach it through its channel handler,
 * as `gap` events, and are recorded like the other transports' gaps. Resolves once the
 * first subscription is live.
 */
export async function reconnectingWebSocketSubscriber(
  base: string,
  channel: string,
  name: string,
): Promise<RecordingSubscriber & { readonly socket: ReconnectingWebSocket; readonly record: ReconnectingRecord }> {
  const received: Received[] = [];
  const record: ReconnectingRecord = { subscribed: [], errors: [], resumes: [], reconnects: 0, closeCodes: [] };
  const socket = new ReconnectingWebSocket(base.replace('http', 'ws'), { backoff: SHORT_BACKOFF, websocket: { handshakeTimeout: 2000 } });
  socket.addEventListener('reconnect', () => record.reconnects++);
  socket.addEventListener('resume', (event) => record.resumes.push(event as ResumeEvent));
  socket.addEventListener('close', (event) => record.closeCodes.push((event as ReconnectingCloseEvent).code));
  socket.subscribe(channel, (event) => {
    switch (event.type) {
      case 'message':
        received.push({ kind: 'message', id: event.id, data: event.data });
        return;
      case 'gap':
        received.push({ kind: 'gap', since: event.since, reason: event.reason, firstAvailableId: event.firstAvailableId });
        return;
      case 'subscribed':
        record.subscribed.push(event.headId);
        return;
      case 'error':
        record.errors.push(`${event.code}: ${event.message}`);
        return;
    }
  });
  await waitFor(() => record.subscribed.length > 0, `${name} subscribed`);
  return { name, received, socket, record, close: () => socket.close(1000) };
}

/**
 * Checks one subscriber against the acknowledged publishes (in id order): from its first
 * message on, every acknowledged message arrives exactly once and in order, unless a gap
 * before it names it as missing (`since` = the last id delivered, `firstAvailableId` past
 * it). Messages never acknowledged (a publish cut by the outage may still have been stored)
 * may appear, once. Returns a description of the first violation, or null.
 */
export function violation(received: readonly Received[], acknowledged: readonly string[]): string | null {
  const index = new Map(acknowledged.map((id, i) => [id, i]));
  const seen = new Set<string>();
  let next = -1;
  let lastId: string | null = null;
  let gap: Extract<Received, { kind: 'gap' }> | null = null;
  for (const item of received) {
    if (item.kind === 'gap') {
      if (lastId !== null && item.since !== lastId) return `gap since ${item.since}, but the last id delivered was ${lastId}`;
      gap = item;
      continue;
    }
    if (seen.has(item.id)) return `${item.id} delivered twice`;
    seen.add(item.id);
    const at = index.get(item.id);
    if (at !== undefined) {
      if (next === -1) next = at;
      if (at < next) return `${item.id} out of order`;
      if (at > next) {
        const missing = acknowledged.slice(next, at);
        if (gap === null) return `missed ${missing.join(', ')} with no gap before ${item.id}`;
        const first = gap.firstAvailableId === null ? null : index.get(gap.firstAvailableId);
        // The gap covers everything up to its firstAvailableId (or, with none held, up to the next message).
        if (first !== null && first !== undefined && first < at) return `missed ${acknowledged.slice(next, at).join(', ')}; the gap only covered up to ${gap.firstAvailableId}`;
      }
      next = at + 1;
    }
    lastId = item.id;
    gap = null;
  }
  if (next === -1) return 'received no acknowledged message';
  if (next < acknowledged.length) return `missing the tail from ${acknowledged[next]}`;
  return null;
}
