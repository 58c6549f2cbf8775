// The `switchboard.v1` WebSocket subprotocol: pub/sub over hub channels in JSON text
// frames, one message per frame. Types first; parsing and encoding live next door.
// Pure: no sockets, no timers, no hub. Anything that speaks JSON over a WebSocket (a
// browser) can use it.

/** The Sec-WebSocket-Protocol token of this subprotocol. */
export const PUBSUB_PROTOCOL = 'switchboard.v1';

// ---- Client → server ----

export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly channel: string;
  /** Resume after this message id (replay, or a `gap` when it cannot). Absent: live only. */
  readonly since?: string;
}

export interface UnsubscribeMessage {
  readonly type: 'unsubscribe';
  readonly channel: string;
}

export interface PublishMessage {
  readonly type: 'publish';
  readonly channel: string;
  readonly data: string;
  readonly event?: string;
  /** Client's correlation token, echoed in `published` or `error`. */
  readonly ref?: string;
}

export type ClientMessage = SubscribeMessage | UnsubscribeMessage | PublishMessage;

// ---- Server → client ----

export interface ChannelMessage {
  readonly type: 'message';
  readonly channel: string;
  /** Hub id (`<epoch>-<offset>`): what a client sends back as `since`. */
  readonly id: string;
  readonly data: string;
  readonly event?: string;
}

/** Same reasons as the hub's: the history after `since` is partly or wholly gone. */
export type PubSubGapReason = 'expired' | 'epoch-changed' | 'unknown-id';

export interface GapMessage {
  readonly type: 'gap';
  readonly channel: string;
  readonly since: string;
  readonly reason: PubSubGapReason;
  /** Oldest id still held; replay continues from it. Null when nothing is held. */
  readonly firstAvailableId: string | null;
}

/** Replay (if any) is over; what follows on the channel is live. */
export interface SubscribedMessage {
  readonly type: 'subscribed';
  readonly channel: string;
  /** Id of the newest message in the channel when delivery went live (offset 0 if none yet). */
  readonly headId: string;
}

/** The subscription is over; nothing more comes for the channel. */
export interface UnsubscribedMessage {
  readonly type: 'unsubscribed';
  readonly channel: string;
}

export interface PublishedMessage {
  readonly type: 'published';
  readonly ref: string;
  readonly id: string;
}

export type PubSubErrorCode =
  /** Not JSON, an unknown type, a missing or ill-typed field, or a limit exceeded. */
  | 'bad-request'
  /** `authorize` refused the action on the channel. */
  | 'forbidden'
  | 'too-many-subscriptions'
  | 'already-subscribed'
  | 'not-subscribed'
  /** The hub refused or failed the publish (message size, channel count, store down). */
  | 'publish-failed'
  /** The hub refused or failed the subscription. */
  | 'subscribe-failed'
  /** The hub ended the subscription (closed, store unreachable): resubscribe later. */
  | 'subscription-ended';

export interface ErrorMessage {
  readonly type: 'error';
  /** The `ref` of the publish this answers, when there was one. */
  readonly ref?: string;
  /** The channel concerned, when known. */
  readonly channel?: string;
  readonly code: PubSubErrorCode;
  /** Human-readable detail; not meant for parsing. */
  readonly message: string;
}

/**
 * The application-level heartbeat (docs/sessions.md): sent when a session opens and
 * every `interval` ms after. A client that hears nothing at all for longer than
 * `interval` plus a grace presumes the connection dead (browsers hide protocol pings
 * from scripts, so a page could not tell a half-open connection from a quiet one).
 */
export interface PingMessage {
  readonly type: 'ping';
  /** The server's heartbeat interval in ms. */
  readonly interval: number;
}

/**
 * Graceful restart (docs/scaling.md): the server is about to close this connection with
 * 1012 (Service Restart) for a deploy. The client waits `retry` ms before reconnecting,
 * instead of its backoff delay, so that a draining server spreads its clients' returns.
 */
export interface RestartMessage {
  readonly type: 'restart';
  /** ms to wait before reconnecting. */
  readonly retry: number;
}

export type ServerMessage =
  | ChannelMessage
  | GapMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | PublishedMessage
  | ErrorMessage
  | PingMessage
  | RestartMessage;

// ---- Limits ----

export interface PubSubLimits {
  /** Longest frame text accepted, in UTF-16 code units. Default 1 MiB + 4 KiB (1 MiB of data plus the envelope). */
  readonly maxTextLength: number;
  /** Longest channel name. Default 256 (the hub's limit). */
  readonly maxChannelLength: number;
  /** Longest event name. Default 256. */
  readonly maxEventLength: number;
  /** Longest `ref`. Default 128. */
  readonly maxRefLength: number;
  /** Longest `since` id. Default 128. */
  readonly maxIdLength: number;
}

export const DEFAULT_PUBSUB_LIMITS: PubSubLimits = Object.freeze({
  maxTextLength: 1024 * 1024 + 4096,
  maxChannelLength: 256,
  maxEventLength: 256,
  maxRefLength: 128,
  maxIdLength: 128,
});

export const GAP_REASONS: readonly PubSubGapReason[] = Object.freeze(['expired', 'epoch-changed', 'unknown-id']);

export const ERROR_CODES: readonly PubSubErrorCode[] = Object.freeze([
  'bad-request',
  'forbidden',
  'too-many-subscriptions',
  'already-subscribed',
  'not-subscribed',
  'publish-failed',
  'subscribe-failed',
  'subscription-ended',
]);
