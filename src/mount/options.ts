// The options of the Switchboard mount and their defaults (docs/sessions.md, "Options").
import type { Hub } from '../protocol/hub/contract.js';
import { HUB_STREAM_MAX_BUFFERED_AMOUNT } from '../protocol/hub/contract.js';
import { positiveInteger } from '../protocol/integer-option.js';
import type { PubSubOptions } from '../pubsub/index.js';
import { timerInterval } from '../pubsub/pubsub-server.js';
import type { PubSubAuthorize } from '../pubsub/pubsub-session.js';
import type { SseRequest } from '../sse/index.js';
import type { SwitchboardPresenceOptions } from './mount-presence.js';
import type { TraceOption } from '../trace/index.js';
import type { PerMessageDeflateOption } from '../websocket/index.js';

/** The request that opened a session: a WebSocket upgrade, an SSE `GET` or the first poll, over HTTP/1.1 or HTTP/2. */
export type SwitchboardRequest = SseRequest;

export interface SwitchboardOptions extends Omit<PubSubOptions, 'hub' | 'authorize' | 'onError' | 'heartbeatInterval'> {
  /** Where channels live. Default: a new `MemoryHub`, closed by `close()`. */
  readonly hub?: Hub;
  /** The path everything is served under. Default `/switchboard`. */
  readonly prefix?: string;
  /**
   * May the client subscribe to / publish on the channel? Called with the request that
   * opened the session, on every transport. Default: everything is allowed. Errors count as no.
   */
  readonly authorize?: PubSubAuthorize<SwitchboardRequest>;
  /** Interval of the `ping` heartbeat, in ms. Default 25 000. */
  readonly heartbeatInterval?: number;
  /** A poll session ends when no poll comes within this many ms of its last answer. Default 10 000. */
  readonly sessionTimeout?: number;
  /**
   * Most bytes a client may leave unread: a WebSocket's send buffer, an SSE stream's unsent
   * bytes, a poll session's queue. Past it the session ends. Default 8 MiB.
   */
  readonly maxQueuedBytes?: number;
  /** Largest `POST` body, in bytes (413 past it). Default 1 MiB + 4 KiB. */
  readonly maxBodyBytes?: number;
  /** Longest time a `POST` body may take to arrive, in ms (408 past it). Default 60 000. */
  readonly bodyTimeout?: number;
  /** Most sessions at once, on all transports together; beyond it 503. Default 10 000. */
  readonly maxSessions?: number;
  /** Errors that are nobody's reply: `authorize` throwing, a hub failing unexpectedly. */
  readonly onError?: (error: Error, request: SwitchboardRequest) => void;
  /**
   * Who is in each room: a session live on a room channel joins it (docs/sessions.md,
   * "Presence"), its changes go out on the room's presence channel and
   * `GET <prefix>/presence?room=` answers the member list. Default: off.
   */
  readonly presence?: SwitchboardPresenceOptions;
  /**
   * Record a wire trace (docs/inspector.md) of all sessions, none (default), or those a
   * function picks per request; a string it returns labels the session's connections
   * (the WebSocket; the SSE stream, polls and POSTs, each an exchange of its own), so a
   * viewer's can be followed together with `subscribeTrace({ label })`.
   */
  readonly trace?: TraceOption<SwitchboardRequest>;
  /**
   * permessage-deflate (RFC 7692) on the WebSocket transport, for the browsers that offer
   * it (all do): `true`, or its options (docs/websocket.md §13). Default off, as for
   * `WebSocketServer`: it costs CPU and, with context takeover, memory per connection.
   */
  readonly perMessageDeflate?: PerMessageDeflateOption;
}

export interface ResolvedMountOptions {
  readonly prefix: string;
  readonly heartbeatInterval: number;
  readonly sessionTimeout: number;
  readonly maxQueuedBytes: number;
  readonly maxBodyBytes: number;
  readonly bodyTimeout: number;
  readonly maxSessions: number;
}

export const SWITCHBOARD_DEFAULTS = Object.freeze({
  prefix: '/switchboard',
  heartbeatInterval: 25_000,
  sessionTimeout: 10_000,
  maxQueuedBytes: HUB_STREAM_MAX_BUFFERED_AMOUNT,
  maxBodyBytes: 1024 * 1024 + 4096,
  bodyTimeout: 60_000,
  maxSessions: 10_000,
});

export function resolveMountOptions(options: SwitchboardOptions): ResolvedMountOptions {
  return {
    prefix: checkPrefix(options.prefix ?? SWITCHBOARD_DEFAULTS.prefix),
    heartbeatInterval: timerInterval(options.heartbeatInterval ?? SWITCHBOARD_DEFAULTS.heartbeatInterval, 'heartbeatInterval'),
    sessionTimeout: timerInterval(options.sessionTimeout ?? SWITCHBOARD_DEFAULTS.sessionTimeout, 'sessionTimeout'),
    maxQueuedBytes: positiveInteger(options.maxQueuedBytes ?? SWITCHBOARD_DEFAULTS.maxQueuedBytes, 'maxQueuedBytes'),
    maxBodyBytes: positiveInteger(options.maxBodyBytes ?? SWITCHBOARD_DEFAULTS.maxBodyBytes, 'maxBodyBytes'),
    bodyTimeout: timerInterval(options.bodyTimeout ?? SWITCHBOARD_DEFAULTS.bodyTimeout, 'bodyTimeout'),
    maxSessions: positiveInteger(options.maxSessions ?? SWITCHBOARD_DEFAULTS.maxSessions, 'maxSessions'),
  };
}

/** A path of its own: starts with `/`, does not end with one, no query or fragment. */
function checkPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || !/^\/[^?#\s]*[^/?#\s]$/.test(prefix)) {
    throw new TypeError(`prefix must be a path like "/switchboard" (leading slash, none trailing), got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}
