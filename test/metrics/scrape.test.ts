// The example cluster's `/metrics`, scraped before and after real traffic on every
// transport: the numbers must move by what the traffic did, and only by that.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterApp, type ClusterApp } from '../../examples/cluster/cluster-app.js';
import { MemoryHub } from '../../src/hub/index.js';
import { WebSocket } from '../../src/websocket/index.js';
import { parsePrometheus, valueOf, type ParsedScrape } from '../support/prometheus-text.js';
import { rawExchange, upgradeRequest, waitFor } from '../support/raw-peer.js';

let app: ClusterApp;
let hub: MemoryHub;
let port: number;

beforeAll(async () => {
  // Two messages of history: a resume from further back is told of a gap.
  hub = new MemoryHub({ maxHistory: 2 });
  app = createClusterApp({ hub, nodeId: 'metrics-test', pollHoldMs: 5000, websocketHeartbeat: { interval: 150, timeout: 150 } });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  port = (app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app?.close();
  await hub?.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function text(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response) body += chunk;
  return body;
}

async function scrape(): Promise<ParsedScrape> {
  const response = await get('/metrics');
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await text(response));
}

async function publish(data: string): Promise<string> {
  const body = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/publish?channel=news', method: 'POST' }, (response) => void text(response).then(resolve, reject));
    req.on('error', reject);
    req.end(data);
  });
  return (JSON.parse(body) as { id: string }).id;
}

/** How much each of `names` (with labels) moved from `before` to `after`. */
function moved(before: ParsedScrape, after: ParsedScrape, name: string, labels: Record<string, string> = {}): number {
  return valueOf(after, name, labels) - valueOf(before, name, labels);
}

describe('/metrics of the example cluster', () => {
  it('moves as WebSocket, SSE and long-poll traffic flows', async () => {
    const before = await scrape();
    const ids = [await publish('m1'), await publish('m2'), await publish('m3'), await publish('m4')];

    // --- WebSocket: subscribe and publish over switchboard.v1 ---
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'switchboard.v1');
    const received: { type: string }[] = [];
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString('utf8')) as { type: string }));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'news' }));
    ws.send(JSON.stringify({ type: 'publish', channel: 'news', data: 'from-ws', ref: 'r1' }));
    await waitFor(() => received.some((m) => m.type === 'published') && received.some((m) => m.type === 'message'), 'the published reply and the message');
    const whileOpen = await scrape();
    expect(moved(before, whileOpen, 'switchboard_connections_open', { transport: 'websocket' })).toBe(1);
    expect(moved(before, whileOpen, 'switchboard_handshakes_accepted_total', { transport: 'websocket' })).toBe(1);
    expect(moved(before, whileOpen, 'switchboard_messages_received_total', { transport: 'websocket' })).toBe(2);
    // subscribed, published, the message: what the client got, and nothing it did not.
    expect(moved(before, whileOpen, 'switchboard_messages_sent_total', { transport: 'websocket' })).toBe(received.length);
    expect(received.length).toBeGreaterThanOrEqual(3);
    // Wire bytes: at least the frames' payloads, both ways (plus the 101 not counted: it is HTTP).
    expect(moved(before, whileOpen, 'switchboard_bytes_received_total', { transport: 'websocket' })).toBeGreaterThan(100);
    expect(moved(before, whileOpen, 'switchboard_bytes_sent_total', { transport: 'websocket' })).toBeGreaterThan(100);
    ws.close(1000);
    await new Promise((resolve) => ws.once('close', resolve));
    await waitFor(() => app.stats().open.ws === 0, 'the server side closed');

    // --- SSE resumed with Last-Event-ID from m1: the hub keeps two (m4, from-ws), so a gap, then those two ---
    const sse = await get('/sse?channel=news', { 'last-event-id': ids[0] });
    expect(sse.statusCode).toBe(200);
    let stream = '';
    sse.setEncoding('utf8');
    sse.on('data', (chunk: string) => (stream += chunk));
    await waitFor(() => stream.includes('data: from-ws'), 'the replay to reach the last message');
    const sseOpen = await scrape();
    expect(stream).toContain('event: gap');
    expect(moved(before, sseOpen, 'switchboard_connections_open', { transport: 'sse' })).toBe(1);
    expect(moved(before, sseOpen, 'switchboard_resumes_total', { kind: 'sse' })).toBe(1);
    expect(moved(before, sseOpen, 'switchboard_gaps_total', { kind: 'sse' })).toBe(1);
    // The gap notice and two messages; the `retry:` line is not a message.
    expect(stream.match(/^data: /gm)).toHaveLength(3);
    expect(moved(before, sseOpen, 'switchboard_messages_sent_total', { transport: 'sse' })).toBe(3);
    expect(moved(before, sseOpen, 'switchboard_bytes_sent_total', { transport: 'sse' })).toBe(Buffer.byteLength(stream));
    sse.destroy();

    // --- A long poll held until a message comes ---
    const lastId = await publish('m5');
    const held = get(`/poll?channel=news&cursor=${encodeURIComponent(lastId)}`);
    await waitFor(() => app.stats().open.poll === 1, 'the poll to be held');
    const pollHeld = await scrape();
    expect(moved(before, pollHeld, 'switchboard_connections_open', { transport: 'long-polling' })).toBe(1);
    expect(moved(before, pollHeld, 'switchboard_connections_open', { transport: 'sse' })).toBe(0);
    await publish('m6');
    const answer = await text(await held);
    expect(JSON.parse(answer)).toMatchObject({ messages: [{ data: 'm6' }] });

    // --- A refused handshake: a version this server does not speak ---
    const refused = await rawExchange(port, upgradeRequest({ path: '/ws', headers: { 'Sec-WebSocket-Version': '8' } }));
    expect(refused.status).toBe(426);

    const after = await scrape();
    expect(moved(before, after, 'switchboard_connections_open', { transport: 'long-polling' })).toBe(0);
    expect(moved(before, after, 'switchboard_connections_opened_total', { transport: 'long-polling' })).toBe(1);
    expect(moved(before, after, 'switchboard_messages_sent_total', { transport: 'long-polling' })).toBe(1);
    expect(moved(before, after, 'switchboard_bytes_sent_total', { transport: 'long-polling' })).toBe(Buffer.byteLength(answer));
    expect(moved(before, after, 'switchboard_handshakes_rejected_total', { transport: 'websocket', status: '426' })).toBe(1);
    expect(moved(before, after, 'switchboard_websocket_closes_total', { code: '1000' })).toBe(1);
    expect(moved(before, after, 'switchboard_connections_open', { transport: 'websocket' })).toBe(0);
    expect(moved(before, after, 'switchboard_connections_open', { transport: 'sse' })).toBe(0);
    // Seven publishes (m1…m6 and the WebSocket's), each timed once.
    expect(moved(before, after, 'switchboard_hub_publish_duration_seconds_count', { hub: 'memory' })).toBe(7);
    expect(moved(before, after, 'switchboard_hub_publish_duration_seconds_bucket', { hub: 'memory', le: '+Inf' })).toBe(7);
  });

  it('counts a heartbeat termination: a peer that never answers pings', async () => {
    const before = await scrape();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(upgradeRequest({ path: '/ws', headers: { 'Sec-WebSocket-Protocol': 'switchboard.v1' } }));
    let head = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (head += chunk));
    let closed = false;
    socket.on('close', () => (closed = true));
    await waitFor(() => head.startsWith('HTTP/1.1 101'), 'the 101');
    // Reading, never writing: the server's pings (every 150 ms of silence) go unanswered.
    await waitFor(() => closed, 'the heartbeat to drop the peer', 5000);
    const after = await scrape();
    expect(moved(before, after, 'switchboard_heartbeat_terminations_total', { reason: 'pong-timeout' })).toBe(1);
    expect(moved(before, after, 'switchboard_websocket_closes_total', { code: '1006' })).toBe(1);
    expect(moved(before, after, 'switchboard_connections_open', { transport: 'websocket' })).toBe(0);
  });

  it('counts a pub/sub resume with since, and the gap it was told of', async () => {
    const before = await scrape();
    const ids = [await publish('p1'), await publish('p2'), await publish('p3'), await publish('p4')];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'switchboard.v1');
    const received: { type: string; data?: string }[] = [];
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString('utf8')) as { type: string }));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    // The hub keeps two: after p1, p2 is gone (a gap), then p3 and p4.
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'news', since: ids[0] }));
    await waitFor(() => received.some((m) => m.type === 'message' && m.data === 'p4'), 'the replay');
    expect(received.map((m) => m.type)).toContain('gap');
    const after = await scrape();
    expect(moved(before, after, 'switchboard_resumes_total', { kind: 'pubsub' })).toBe(1);
    expect(moved(before, after, 'switchboard_gaps_total', { kind: 'pubsub' })).toBe(1);
    ws.close(1000);
    await new Promise((resolve) => ws.once('close', resolve));
  });
});
