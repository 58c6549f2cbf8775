// The hub interface: the one place every transport (SSE, long polling, later WebSocket)
// reads from, so they all share channels and message ids. It is async wherever a network
// store would need to be (a Redis Streams implementation: XADD MAXLEN per channel, XRANGE
// for replay, Pub/Sub for live delivery, the epoch kept in Redis) so such a hub can replace
// the in-memory one without touching the transports.

/**
 * Where a message sits in its channel. `offset` grows by one per message in the channel;
 * `epoch` changes whenever the history is lost (a restart of an in-memory hub), so a
 * client can tell "nothing new" from "the server forgot" (Centrifugo's epoch + offset).
 */
export interface HubPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** A stored message as transports see it. */
export interface HubMessage {
  readonly channel: string;
  /** `formatMessageId(epoch, offset)`: what clients send back as `Last-Event-ID` or cursor. */
  readonly id: string;
  readonly epoch: string;
  readonly offset: number;
  /** Optional event name (the SSE `event:` field). */
  readonly event?: string;
  readonly data: string;
  /** Milliseconds since the Unix epoch, by the hub's clock. */
  readonly publishedAt: number;
}

export interface PublishInput {
  readonly data: string;
  readonly event?: string;
}

/** Why a subscriber is told it missed messages. */
export type GapReason =
  /** The messages after `since` were dropped from the bounded history. */
  | 'expired'
  /** `since` belongs to another epoch: the hub lost its history since the client saw it. */
  | 'epoch-changed'
  /** `since` is not an id this hub could have issued for the channel. */
  | 'unknown-id';

/**
 * Some messages after `since` are gone. Delivery carries on from `firstAvailableId`
 * (null when nothing is held) so the client can resynchronise, e.g. refetch state.
 */
export interface GapEvent {
  readonly type: 'gap';
  readonly channel: string;
  readonly since: string;
  readonly reason: GapReason;
  readonly firstAvailableId: string | null;
}

export type SubscriptionEvent =
  | { readonly type: 'message'; readonly message: HubMessage }
  | GapEvent
  /** Replay is over; what follows is live. `headId` is the id of the newest message (offset 0 if none). */
  | { readonly type: 'live'; readonly channel: string; readonly headId: string }
  /** The subscription ended because of an error (hub closed, store unreachable). Nothing follows. */
  | { readonly type: 'error'; readonly channel: string; readonly error: Error };

export type SubscriptionListener = (event: SubscriptionEvent) => void;

export interface SubscribeOptions {
  /** Replay what came after this id, then deliver live. Absent: live only. */
  readonly since?: string;
}

export interface Subscription {
  readonly channel: string;
  /** Stops delivery; idempotent. */
  unsubscribe(): Promise<void>;
}

export interface Hub {
  /** Stores and fans out a message; resolves with its id. */
  publish(channel: string, message: PublishInput): Promise<string>;
  /**
   * Delivers, in order and each once: a `gap` if `since` is older than the history, the
   * replay, a `live` marker, then live messages. Events may arrive before the promise
   * resolves. Listeners must not throw; one that does is unsubscribed.
   */
  subscribe(channel: string, listener: SubscriptionListener, options?: SubscribeOptions): Promise<Subscription>;
  /** Ends every subscription with an `error` event and rejects later calls. */
  close(): Promise<void>;
}

/** The hub was closed. */
export class HubClosedError extends Error {
  override readonly name = 'HubClosedError';
}

/** A call broke one of the hub's limits or rules (channel name, message size, channel count). */
export class HubInputError extends RangeError {
  override readonly name = 'HubInputError';
}

export const MAX_CHANNEL_NAME_LENGTH = 256;

/** Longest `data` a hub accepts unless told otherwise (`maxDataLength`), in UTF-16 code units. */
export const DEFAULT_MAX_DATA_LENGTH = 1024 * 1024;

/**
 * Default send-buffer limit of a stream fed by a hub (SSE, pub/sub over WebSocket), in
 * bytes: eight messages of the largest default size, so a client's pace trips it rather than
 * one large message (a 1 MiB event on a fresh TCP connection is mostly still queued when
 * written). Past it the stream ends and the client resumes from its last id; see
 * docs/limits.md for every transport's limit.
 */
export const HUB_STREAM_MAX_BUFFERED_AMOUNT = 8 * DEFAULT_MAX_DATA_LENGTH;

/**
 * Longest resume position (SSE `Last-Event-ID`, long-poll `cursor`) a transport takes from
 * a client, checked before it answers. Ids of this format are at most 81 characters; a
 * longer one is not an id this server issued, and the cap keeps a client from making the
 * server parse or echo (in a gap notice) an arbitrarily long string.
 */
export const MAX_CURSOR_LENGTH = 1024;

// Ids are `<epoch>-<offset>`: short, ordered within an epoch, and safe as an SSE id.
const ID_PATTERN = /^([0-9A-Za-z_]{1,64})-(0|[1-9][0-9]{0,15})$/;

export function formatMessageId(epoch: string, offset: number): string {
  return `${epoch}-${offset}`;
}

/** Parses an id back into its position, or null when it is not one this format produces. */
export function parseMessageId(id: string): HubPosition | null {
  const match = ID_PATTERN.exec(id);
  if (match === null) return null;
  const offset = Number(match[2]);
  if (!Number.isSafeInteger(offset)) return null;
  return { epoch: match[1], offset };
}

/** Epochs are used inside ids, so they are limited to characters the id format allows. */
export function isValidEpoch(epoch: string): boolean {
  return /^[0-9A-Za-z_]{1,64}$/.test(epoch);
}

export function validateChannelName(channel: unknown): asserts channel is string {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_NAME_LENGTH) {
    throw new HubInputError(`channel must be a string of 1 to ${MAX_CHANNEL_NAME_LENGTH} characters`);
  }
}

/** True when a client's resume position is longer than `MAX_CURSOR_LENGTH`: answer 400. */
export function isCursorTooLong(cursor: string | undefined): boolean {
  return cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH;
}

/**
 * The rules of `Hub.publish`, shared by every implementation so they refuse the same input
 * with the same HubInputError: a valid channel name, `data` a string of at most
 * `maxDataLength` UTF-16 code units, `event` absent or a string.
 */
export function validatePublishInput(channel: unknown, message: unknown, maxDataLength: number): asserts message is PublishInput {
  validateChannelName(channel);
  const input = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  if (typeof input.data !== 'string') throw new HubInputError('message.data must be a string');
  if (input.data.length > maxDataLength) throw new HubInputError(`message.data exceeds maxDataLength (${maxDataLength})`);
  if (input.event !== undefined && typeof input.event !== 'string') throw new HubInputError('message.event must be a string');
}

/**
 * What a client is told about a gap, the same three fields on every wire: the SSE `gap`
 * event's JSON data, the long-poll answer's `gap`, the pub/sub `gap` message (plus its
 * channel). No id goes with it: the client's resume position must stay on the last
 * message it really got.
 */
export interface GapNotice {
  readonly reason: GapReason;
  readonly since: string;
  readonly firstAvailableId: string | null;
}

export function gapNotice(event: GapEvent): GapNotice {
  return { reason: event.reason, since: event.since, firstAvailableId: event.firstAvailableId };
}
