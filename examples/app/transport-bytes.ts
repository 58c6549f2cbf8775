// The same messages over every transport, with the bytes each one put on the wire
// (issue 12: the inspector's bytes-per-message chart, and `npm run bench:transport-bytes`).
// Measured, not computed: each transport gets a server of its own on a loopback
// ephemeral port and a node: client, which connects through a relay that counts the
// bytes each way (wire-tap.ts): read once the connection is set up (the handshake: its
// own column) and after each message; the client checks it received every message,
// unchanged and in order.
import { HOST, type OpenCarrier } from './transport-bytes/carrier.js';
import { Inbox, within } from './transport-bytes/inbox.js';
import { openLongPolling } from './transport-bytes/long-poll-carrier.js';
import { openSseHttp1, openSseHttp2 } from './transport-bytes/sse-carriers.js';
import { openSwitchboardWebSocket, openWebSocketFrames } from './transport-bytes/websocket-carriers.js';
import { WireTap, difference, type WireCount } from './transport-bytes/wire-tap.js';

export type TransportName = 'websocket' | 'switchboard.v1' | 'sse-http1' | 'sse-http2' | 'long-polling';

/** Bytes in each direction, as TCP payload (HTTP heads, frames, HTTP/2 framing and HPACK included). */
export type WireBytes = WireCount;

export interface TransportBytesRow {
  readonly transport: TransportName;
  /** Short, for a chart's axis. */
  readonly label: string;
  /** Messages sent, and received by the client (the same, or the run fails). */
  readonly messages: number;
  readonly delivered: number;
  /** UTF-8 bytes of the messages themselves, all together. */
  readonly payloadBytes: number;
  /** Setting up: connecting, the opening handshake, the subscription. Not in the per-message figures. */
  readonly handshake: WireBytes;
  /** The whole run after the handshake. */
  readonly total: WireBytes;
  /** Each message's bytes, in the order sent. */
  readonly perMessage: readonly WireBytes[];
  /** (total server→client + client→server) / messages. */
  readonly bytesPerMessage: number;
  /** bytesPerMessage minus the payload's bytes per message. */
  readonly overheadPerMessage: number;
  /** TCP connections the client opened. */
  readonly connections: number;
  /** How the bytes were produced and counted. */
  readonly measuredBy: string;
}

export interface TransportBytesOptions {
  readonly messages: readonly string[];
  /** Which transports, in this order. Default: all of TRANSPORT_NAMES. */
  readonly transports?: readonly TransportName[];
  /** Longest the whole measurement may take (ms); past it, it rejects. Default 10 000. */
  readonly timeoutMs?: number;
  /** Most messages in one run. Default 1 000. */
  readonly maxMessages?: number;
  /** Largest message, in UTF-8 bytes. Default 65 536. */
  readonly maxMessageBytes?: number;
}

export const TRANSPORT_BYTES_DEFAULTS = Object.freeze({ timeoutMs: 10_000, maxMessages: 1_000, maxMessageBytes: 65_536 });

interface TransportSpec {
  readonly label: string;
  readonly open: OpenCarrier;
  readonly how: string;
}

const COUNTED = 'counted by a TCP relay between client and server, on every connection the client opened';

const TRANSPORTS: Readonly<Record<TransportName, TransportSpec>> = {
  websocket: {
    label: 'WebSocket frame',
    open: openWebSocketFrames,
    how: `WebSocketServer.send(message): one unmasked text frame per message (RFC 6455 §5.2), client: WebSocket; ${COUNTED}`,
  },
  'switchboard.v1': {
    label: 'switchboard.v1',
    open: openSwitchboardWebSocket,
    how: `createSwitchboard, GET <prefix>/ws with switchboard.v1, subscribed; hub.publish → one {"type":"message",channel,id,data} text frame; ${COUNTED}`,
  },
  'sse-http1': {
    label: 'SSE HTTP/1.1',
    open: openSseHttp1,
    how: `createSwitchboard, GET <prefix>/sse session over HTTP/1.1, subscribed by POST; hub.publish → one data: event with the switchboard.v1 message; ${COUNTED}`,
  },
  'sse-http2': {
    label: 'SSE HTTP/2',
    open: openSseHttp2,
    how: `createSwitchboard on node:http2 (h2c), GET <prefix>/sse session, subscribed by POST on the same connection; HTTP/2 frames, HPACK and flow control included; ${COUNTED}`,
  },
  'long-polling': {
    label: 'long polling',
    open: openLongPolling,
    how: `createSwitchboard, GET <prefix>/poll?session=…, one message per poll: the GET and its answer per message; ${COUNTED}`,
  },
};

export const TRANSPORT_NAMES: readonly TransportName[] = Object.freeze(Object.keys(TRANSPORTS) as TransportName[]);

/** Sends `options.messages` over each transport and returns what each put on the wire. */
export async function measureTransportBytes(options: TransportBytesOptions): Promise<TransportBytesRow[]> {
  const messages = checkMessages(options);
  const deadline = Date.now() + (options.timeoutMs ?? TRANSPORT_BYTES_DEFAULTS.timeoutMs);
  const rows: TransportBytesRow[] = [];
  for (const transport of options.transports ?? TRANSPORT_NAMES) {
    if (!Object.hasOwn(TRANSPORTS, transport)) throw new TypeError(`unknown transport ${JSON.stringify(transport)}`);
    rows.push(await measureOne(transport, messages, deadline));
  }
  return rows;
}

async function measureOne(transport: TransportName, messages: readonly string[], deadline: number): Promise<TransportBytesRow> {
  const spec = TRANSPORTS[transport];
  const inbox = new Inbox();
  const carrier = await spec.open(inbox);
  let tap: WireTap | undefined;
  try {
    tap = await WireTap.listen(HOST, carrier.port);
    await carrier.connect(deadline, tap.port);
    const handshake = await tap.settled();
    const perMessage: WireBytes[] = [];
    let before = handshake;
    for (const [index, message] of messages.entries()) {
      const what = `${spec.label}, message ${index + 1} of ${messages.length}`;
      await within(carrier.send(message), deadline, `${what}: sending`);
      const received = await inbox.next(deadline, `${what}: receiving`);
      if (received !== message) throw new Error(`${what}: a different message arrived`);
      const after = await tap.settled();
      perMessage.push(difference(after, before));
      before = after;
    }
    const total = difference(before, handshake);
    const payloadBytes = messages.reduce((sum, message) => sum + Buffer.byteLength(message), 0);
    const bytesPerMessage = (total.serverToClient + total.clientToServer) / messages.length;
    return {
      transport,
      label: spec.label,
      messages: messages.length,
      delivered: inbox.received,
      payloadBytes,
      handshake,
      total,
      perMessage,
      bytesPerMessage,
      overheadPerMessage: bytesPerMessage - payloadBytes / messages.length,
      connections: tap.connections,
      measuredBy: spec.how,
    };
  } finally {
    await within(carrier.close(), Date.now() + 5_000, `${spec.label}: closing`);
    await tap?.close();
  }
}

function checkMessages(options: TransportBytesOptions): readonly string[] {
  const maxMessages = options.maxMessages ?? TRANSPORT_BYTES_DEFAULTS.maxMessages;
  const maxMessageBytes = options.maxMessageBytes ?? TRANSPORT_BYTES_DEFAULTS.maxMessageBytes;
  const messages = options.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new TypeError('messages must be a non-empty array of strings');
  if (messages.length > maxMessages) throw new RangeError(`at most ${maxMessages} messages, got ${messages.length}`);
  for (const message of messages) {
    if (typeof message !== 'string') throw new TypeError('messages must be strings');
    if (Buffer.byteLength(message) > maxMessageBytes) throw new RangeError(`a message is larger than ${maxMessageBytes} bytes`);
  }
  return [...messages];
}

// ---- The sample messages: a chat line, a cursor update, a 1 KiB JSON document ----

const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ';

function documentOf(bytes: number): string {
  const shell = { type: 'doc', id: 'release-notes', rev: 42, body: '' };
  const room = bytes - JSON.stringify(shell).length;
  return JSON.stringify({ ...shell, body: LOREM.repeat(Math.ceil(room / LOREM.length)).slice(0, room) });
}

export const SAMPLE_MESSAGES = Object.freeze({
  chat: JSON.stringify({ type: 'chat', room: 'lobby', from: 'ada', text: 'Deploy is green, merging now.' }),
  cursor: JSON.stringify({ type: 'cursor', tab: 'k3x9', x: 512, y: 384 }),
  document: documentOf(1024),
});

export type SampleKind = keyof typeof SAMPLE_MESSAGES;

/** `count` sample messages, the kinds in turn: chat, cursor, document, chat… */
export function sampleMessages(count: number): string[] {
  const kinds = Object.values(SAMPLE_MESSAGES);
  return Array.from({ length: count }, (_, index) => kinds[index % kinds.length]);
}
