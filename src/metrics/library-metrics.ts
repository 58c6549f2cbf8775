// The library's own metrics (docs/scaling.md, "Metrics") and the hooks the transports call.
// What happens per message or per read (messages, bytes, connections) is added to a
// Float64Array of plain numbers, which costs an add and no allocation, and is only read
// when the registry is collected; the rarer events (a refused handshake, a heartbeat
// termination, a gap) go to labelled counters and to node:diagnostics_channel.
import {
  backplaneErrorChannel,
  backpressureChannel,
  connectionChannel,
  handshakeChannel,
  heartbeatChannel,
  publishChannel,
  resumeChannel,
} from './channels.js';
import { MetricsRegistry, type Sample } from './registry.js';

export type MetricsTransport = 'websocket' | 'sse' | 'long-polling';
const TRANSPORTS: readonly MetricsTransport[] = ['websocket', 'sse', 'long-polling'];

// Slots of one transport in `traffic`; transport i uses traffic[i * SLOTS + slot].
const OPENED = 0;
const CLOSED = 1;
const MESSAGES_IN = 2;
const MESSAGES_OUT = 3;
const BYTES_IN = 4;
const BYTES_OUT = 5;
const SLOTS = 6;
const WS = 0;
const SSE = SLOTS;
const POLL = 2 * SLOTS;

/** Doubles: exact integers up to 2^53, and never a number object of their own. */
const traffic = new Float64Array(TRANSPORTS.length * SLOTS);

/** The registry the library counts into; an application may add its own metrics to it. */
export const metrics = new MetricsRegistry();

function perTransport(slot: number): () => Sample[] {
  return () => TRANSPORTS.map((transport, i) => ({ labels: { transport }, value: traffic[i * SLOTS + slot] }));
}

metrics.collected({
  name: 'switchboard_connections_open',
  help: 'Server-side connections open now: WebSockets, SSE streams, long polls being held.',
  type: 'gauge',
  collect: () => TRANSPORTS.map((transport, i) => ({ labels: { transport }, value: traffic[i * SLOTS + OPENED] - traffic[i * SLOTS + CLOSED] })),
});
metrics.collected({ name: 'switchboard_connections_opened_total', help: 'Server-side connections opened (WebSockets, SSE streams, long polls held).', type: 'counter', collect: perTransport(OPENED) });
const handshakesRejected = metrics.counter({
  name: 'switchboard_handshakes_rejected_total',
  help: 'Opening handshakes refused, by transport and HTTP status.',
  labelNames: ['transport', 'status'],
});
const handshakesAccepted = metrics.counter({ name: 'switchboard_handshakes_accepted_total', help: 'Opening handshakes accepted (101, or 200 for SSE and WebSockets over HTTP/2).', labelNames: ['transport'] });
const websocketCloses = metrics.counter({ name: 'switchboard_websocket_closes_total', help: 'Server-side WebSocket connections closed, by the code their close event reports (1006: no close frame received, as after the library failed one).', labelNames: ['code'] });
metrics.collected({ name: 'switchboard_messages_received_total', help: 'Messages received from clients.', type: 'counter', collect: perTransport(MESSAGES_IN) });
metrics.collected({ name: 'switchboard_messages_sent_total', help: 'Messages queued to clients (WebSocket data frames, SSE events, long-poll messages).', type: 'counter', collect: perTransport(MESSAGES_OUT) });
metrics.collected({ name: 'switchboard_bytes_received_total', help: 'Bytes received from clients: WebSocket wire bytes, request bodies of POSTs.', type: 'counter', collect: perTransport(BYTES_IN) });
metrics.collected({ name: 'switchboard_bytes_sent_total', help: 'Bytes written to clients: WebSocket wire bytes, SSE stream text, long-poll answer bodies.', type: 'counter', collect: perTransport(BYTES_OUT) });
const policyCloses = metrics.counter({
  name: 'switchboard_websocket_policy_closes_total',
  help: 'WebSocket connections the library failed with 1008 for a limit (send buffer, message rate, pongs owed, message time), by close reason.',
  labelNames: ['reason'],
});
const heartbeatTerminations = metrics.counter({
  name: 'switchboard_heartbeat_terminations_total',
  help: 'WebSocket peers the heartbeat gave up on: no pong, a socket that stopped taking bytes, a message too slow to arrive.',
  labelNames: ['reason'],
});
const backpressureEvents = metrics.counter({
  name: 'switchboard_backpressure_total',
  help: 'Sends over a buffer limit: refused (dropped) or the connection closed for it (WebSocket 1008, SSE stream ended, poll session ended).',
  labelNames: ['transport', 'action'],
});
const resumes = metrics.counter({ name: 'switchboard_resumes_total', help: 'Subscriptions resumed from a position (SSE Last-Event-ID, pub/sub subscribe with since).', labelNames: ['kind'] });
const gaps = metrics.counter({ name: 'switchboard_gaps_total', help: 'Gap notices sent: a resume asked for messages no longer kept.', labelNames: ['kind'] });
const publishDuration = metrics.histogram({ name: 'switchboard_hub_publish_duration_seconds', help: 'Time from a hub publish call to its message id.', labelNames: ['hub'] });
const backplaneErrors = metrics.counter({ name: 'switchboard_backplane_errors_total', help: 'Backplane (Redis) commands that failed, and subscriber connections lost.', labelNames: ['operation'] });

// ---- Hooks: what the transports call ----

interface Side {
  readonly role: string;
}

/** WebSocket bytes read from a socket (server side only: a client's connections are not counted). */
export function countWebSocketRead(side: Side, bytes: number): void {
  if (side.role === 'server') traffic[WS + BYTES_IN] += bytes;
}

/** WebSocket bytes handed to a socket. */
export function countWebSocketWrite(side: Side, bytes: number): void {
  if (side.role === 'server') traffic[WS + BYTES_OUT] += bytes;
}

export function countWebSocketMessageIn(side: Side): void {
  if (side.role === 'server') traffic[WS + MESSAGES_IN]++;
}

export function countWebSocketMessageOut(side: Side): void {
  if (side.role === 'server') traffic[WS + MESSAGES_OUT]++;
}

/** A server-side WebSocket is open: its handshake was accepted. */
export function countWebSocketOpened(): void {
  traffic[WS + OPENED]++;
  handshakesAccepted.inc({ transport: 'websocket' });
  if (handshakeChannel.hasSubscribers) handshakeChannel.publish({ transport: 'websocket', accepted: true, status: 101 });
  if (connectionChannel.hasSubscribers) connectionChannel.publish({ transport: 'websocket', event: 'open' });
}

export function countWebSocketClosed(side: Side, code: number): void {
  if (side.role !== 'server') return;
  traffic[WS + CLOSED]++;
  websocketCloses.inc({ code: String(code) });
  if (connectionChannel.hasSubscribers) connectionChannel.publish({ transport: 'websocket', event: 'close', code });
}

/** The library fails a connection with 1008 for one of its limits; `reason` is the close frame's, one of a few fixed texts. */
export function countPolicyClose(side: Side, reason: string): void {
  if (side.role === 'server') policyCloses.inc({ reason });
}

export function countHandshakeRejected(transport: MetricsTransport, status: number): void {
  handshakesRejected.inc({ transport, status: String(status) });
  if (handshakeChannel.hasSubscribers) handshakeChannel.publish({ transport, accepted: false, status });
}

export type HeartbeatTermination = 'pong-timeout' | 'write-stall' | 'message-timeout';

export function countHeartbeatTermination(reason: HeartbeatTermination): void {
  heartbeatTerminations.inc({ reason });
  if (heartbeatChannel.hasSubscribers) heartbeatChannel.publish({ reason });
}

export function countBackpressure(transport: MetricsTransport, action: 'dropped' | 'closed'): void {
  backpressureEvents.inc({ transport, action });
  if (backpressureChannel.hasSubscribers) backpressureChannel.publish({ transport, action });
}

/** `kind`: where the resume was asked for ('sse' for Last-Event-ID, 'pubsub' for a subscribe with since). */
export function countResume(kind: 'sse' | 'pubsub'): void {
  resumes.inc({ kind });
  if (resumeChannel.hasSubscribers) resumeChannel.publish({ kind, event: 'resume' });
}

export function countGap(kind: 'sse' | 'pubsub' | 'long-polling'): void {
  gaps.inc({ kind });
  if (resumeChannel.hasSubscribers) resumeChannel.publish({ kind, event: 'gap' });
}

/** An SSE stream began (its 200 is written). */
export function countSseOpened(): void {
  traffic[SSE + OPENED]++;
  handshakesAccepted.inc({ transport: 'sse' });
  if (connectionChannel.hasSubscribers) connectionChannel.publish({ transport: 'sse', event: 'open' });
}

export function countSseClosed(): void {
  traffic[SSE + CLOSED]++;
  if (connectionChannel.hasSubscribers) connectionChannel.publish({ transport: 'sse', event: 'close' });
}

/** Stream text written: an event (`message`) or a comment, `retry:` line or the like. */
export function countSseWrite(text: string, message: boolean): void {
  traffic[SSE + BYTES_OUT] += Buffer.byteLength(text);
  if (message) traffic[SSE + MESSAGES_OUT]++;
}

/** A long poll is held open, waiting for messages. */
export function countPollHeld(): void {
  traffic[POLL + OPENED]++;
  if (connectionChannel.hasSubscribers) connectionChannel.publish({ transport: 'long-polling', event: 'open' });
}

export function countPollReleased(): void {
  traffic[POLL + CLOSED]++;
  if (connectionChannel.hasSubscribers) connectionChannel.publish({ transport: 'long-polling', event: 'close' });
}

/** A poll answered with `messages` messages in a body of `bytes` bytes. */
export function countPollAnswer(messages: number, bytes: number): void {
  traffic[POLL + MESSAGES_OUT] += messages;
  traffic[POLL + BYTES_OUT] += bytes;
}

/** Client messages that came in a POST (an SSE or poll session's, or a long-poll publish). */
export function countHttpMessagesIn(transport: 'sse' | 'long-polling', messages: number, bytes: number): void {
  const base = transport === 'sse' ? SSE : POLL;
  traffic[base + MESSAGES_IN] += messages;
  traffic[base + BYTES_IN] += bytes;
}

export function countPublish(hub: 'memory' | 'redis', seconds: number): void {
  publishDuration.observe({ hub }, seconds);
  if (publishChannel.hasSubscribers) publishChannel.publish({ hub, seconds });
}

export function countBackplaneError(operation: string, error: Error): void {
  backplaneErrors.inc({ operation });
  if (backplaneErrorChannel.hasSubscribers) backplaneErrorChannel.publish({ operation, error });
}
