// Presence: who is in a room, as the server sees connections come and go. A member (a user,
// say) is in a room while at least one of its connections (transport sessions) is; the
// room's changes are published as ordinary hub messages on a derived channel, so clients
// get them with ids, in order and resumable like any other message. Pure: the contract,
// the limits, the event wire format. The stores with their timers live in src/hub/presence/.
import { nonNegativeInteger, positiveInteger } from '../integer-option.js';
import { HubInputError, MAX_CHANNEL_NAME_LENGTH, validateChannelName } from './contract.js';

/** JSON a member's `info` may hold. */
export type PresenceInfo = string | number | boolean | null | readonly PresenceInfo[] | { readonly [key: string]: PresenceInfo };

export interface PresenceMember {
  /** Who: the same id for every connection of one user. */
  readonly id: string;
  /** What the room shows of them (name, colour, transport); small JSON. */
  readonly info?: PresenceInfo;
}

/**
 * What is published on a room's presence channel, as the message's JSON `data`:
 * `join` when a member's first connection joins, `leave` when its last one leaves,
 * `update` when a later connection of a present member brings different `info`.
 * Each sets the member's state outright, so applying one twice changes nothing.
 */
export type PresenceEvent =
  | { readonly type: 'join'; readonly member: PresenceMember }
  | { readonly type: 'update'; readonly member: PresenceMember }
  | { readonly type: 'leave'; readonly member: { readonly id: string } };

/**
 * The members of a room at one instant, and the id of the newest message of its presence
 * channel at (or before) that instant: subscribe to `channel` with `since: headId` and
 * apply every event to stay exactly in step, missing nothing.
 */
export interface PresenceSnapshot {
  readonly room: string;
  readonly channel: string;
  readonly headId: string;
  readonly members: readonly PresenceMember[];
}

/** A presence store: one contract, a single-process one and a Redis one (src/hub/presence/). */
export interface Presence {
  /** What every presence channel name starts with (`channelPrefix` option). */
  readonly channelPrefix: string;
  /** The hub channel carrying `room`'s events: `channelPrefix + room`. */
  channelOf(room: string): string;
  /**
   * `connection` (unique per transport session) of `member` is in `room`. Idempotent for
   * the same connection and member; a connection already in the room as another member is
   * refused (HubInputError), and so is a new member past `maxMembersPerRoom`.
   */
  join(room: string, connection: string, member: PresenceMember): Promise<void>;
  /** `connection` left `room` (its member's last: `leave` after `leaveDelayMs`); nothing when it is not there. */
  leave(room: string, connection: string): Promise<void>;
  /** The distinct members with at least one connection in `room`, with its presence channel's head. */
  members(room: string): Promise<PresenceSnapshot>;
  /** Leaves every connection this store joined (best effort) and stops its timers. */
  close(): Promise<void>;
}

export interface PresenceLimits {
  /** Channel prefix of presence channels; apps must not publish under it. Default `$presence:`. */
  readonly channelPrefix: string;
  /** Distinct members per room; one more is refused. Default 1 000. */
  readonly maxMembersPerRoom: number;
  /** Connections per member per room. Default 100. */
  readonly maxConnectionsPerMember: number;
  /** Longest member id, in UTF-16 code units. Default 256. */
  readonly maxMemberIdLength: number;
  /** Longest `info` as JSON text, in UTF-16 code units. Default 1 024. */
  readonly maxInfoLength: number;
  /**
   * How long a member whose last connection left stays in the room, silently, before its
   * `leave` is announced: a client reconnecting within it (its new session joining after
   * the old one ended) never appears to leave. 0 announces at once. Default 5 000 ms,
   * which covers the browser client's first two reconnect attempts (1 s, then 2 s, ±10 %).
   */
  readonly leaveDelayMs: number;
}

export const PRESENCE_DEFAULTS: PresenceLimits = Object.freeze({
  channelPrefix: '$presence:',
  maxMembersPerRoom: 1000,
  maxConnectionsPerMember: 100,
  maxMemberIdLength: 256,
  maxInfoLength: 1024,
  leaveDelayMs: 5000,
});

/** Longest connection id, in UTF-16 code units. */
export const MAX_CONNECTION_ID_LENGTH = 256;

/** `channelPrefix + room`, once `room` is checked to leave the result a valid channel name. */
export function presenceChannel(room: string, limits: PresenceLimits): string {
  validateChannelName(room);
  const channel = limits.channelPrefix + room;
  if (channel.length > MAX_CHANNEL_NAME_LENGTH) {
    throw new HubInputError(`room must be at most ${MAX_CHANNEL_NAME_LENGTH - limits.channelPrefix.length} characters (its presence channel is ${JSON.stringify(limits.channelPrefix)} + room)`);
  }
  return channel;
}

/** True for a channel that carries presence events, which only the store may publish on. */
export function isPresenceChannel(channel: string, limits: Pick<PresenceLimits, 'channelPrefix'>): boolean {
  return channel.startsWith(limits.channelPrefix);
}

export function validateConnectionId(connection: unknown): asserts connection is string {
  if (typeof connection !== 'string' || connection.length === 0 || connection.length > MAX_CONNECTION_ID_LENGTH) {
    throw new HubInputError(`connection must be a string of 1 to ${MAX_CONNECTION_ID_LENGTH} characters`);
  }
}

/**
 * Checks `member` against the limits and returns it as the store keeps it: its JSON text
 * (`{"id":…,"info":…}`, info omitted when absent), which is also what events and
 * snapshots carry.
 */
export function encodeMember(member: unknown, limits: PresenceLimits): { readonly id: string; readonly json: string } {
  const { id, info } = (typeof member === 'object' && member !== null ? member : {}) as { id?: unknown; info?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > limits.maxMemberIdLength) {
    throw new HubInputError(`member.id must be a string of 1 to ${limits.maxMemberIdLength} characters`);
  }
  if (info === undefined) return { id, json: JSON.stringify({ id }) };
  let infoJson: string | undefined;
  try {
    infoJson = JSON.stringify(info);
  } catch {
    infoJson = undefined;
  }
  if (infoJson === undefined || !isPlainJson(info)) throw new HubInputError('member.info must be JSON: strings, finite numbers, booleans, null, arrays and plain objects');
  if (infoJson.length > limits.maxInfoLength) throw new HubInputError(`member.info exceeds maxInfoLength (${limits.maxInfoLength}) as JSON`);
  return { id, json: `{"id":${JSON.stringify(id)},"info":${infoJson}}` };
}

/** Data of the hub message announcing `event` of the member whose JSON is `memberJson`. */
export function presenceEventData(type: 'join' | 'update', memberJson: string): string {
  return `{"type":"${type}","member":${memberJson}}`;
}

export function leaveEventData(id: string): string {
  return `{"type":"leave","member":{"id":${JSON.stringify(id)}}}`;
}

/** Parses a presence channel message's data; null when it is not a presence event. */
export function parsePresenceEvent(data: string): PresenceEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { type, member } = value as { type?: unknown; member?: unknown };
  if (typeof member !== 'object' || member === null || typeof (member as { id?: unknown }).id !== 'string') return null;
  const { id, info } = member as { id: string; info?: PresenceInfo };
  if (type === 'leave') return { type, member: { id } };
  if (type !== 'join' && type !== 'update') return null;
  return { type, member: info === undefined ? { id } : { id, info } };
}

/** What JSON.stringify would silently change or drop: non-finite numbers, undefined, functions, class instances. */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value as Record<string, unknown>).every((item) => isPlainJson(item, depth + 1));
}

/** The limits with `options` applied and checked. */
export function resolvePresenceLimits(options: Partial<PresenceLimits> = {}): PresenceLimits {
  const positive = positiveInteger;
  const channelPrefix = options.channelPrefix ?? PRESENCE_DEFAULTS.channelPrefix;
  if (typeof channelPrefix !== 'string' || channelPrefix.length === 0 || channelPrefix.length >= MAX_CHANNEL_NAME_LENGTH) {
    throw new HubInputError(`channelPrefix must be a string of 1 to ${MAX_CHANNEL_NAME_LENGTH - 1} characters`);
  }
  return {
    channelPrefix,
    maxMembersPerRoom: positive(options.maxMembersPerRoom ?? PRESENCE_DEFAULTS.maxMembersPerRoom, 'maxMembersPerRoom'),
    maxConnectionsPerMember: positive(options.maxConnectionsPerMember ?? PRESENCE_DEFAULTS.maxConnectionsPerMember, 'maxConnectionsPerMember'),
    maxMemberIdLength: positive(options.maxMemberIdLength ?? PRESENCE_DEFAULTS.maxMemberIdLength, 'maxMemberIdLength'),
    maxInfoLength: positive(options.maxInfoLength ?? PRESENCE_DEFAULTS.maxInfoLength, 'maxInfoLength'),
    leaveDelayMs: nonNegativeInteger(options.leaveDelayMs ?? PRESENCE_DEFAULTS.leaveDelayMs, 'leaveDelayMs'),
  };
}
