import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_PAYLOAD, type EndpointSettings, type MaskKeySource, type Role } from '../protocol/websocket/index.js';
import type { Heartbeat, HeartbeatPeer } from './heartbeat.js';
import { type CompressionSettings, type PerMessageDeflateOption, resolveCompression } from './deflate-options.js';
import { type ConnectionEvents, EMITTED } from './connection-events.js';

export interface ConnectionOptions {
  /** Largest incoming message in bytes; larger ones close with 1009. Default 100 MiB, as `ws`. */
  maxPayload?: number;
  /** Most frames an incoming message may be split into; more close with 1009. Default 262,144. */
  maxFragments?: number;
  /**
   * Most bytes that may wait to be written to a peer that does not read.
   * Past it, `onBufferLimit` decides. Default 64 MiB.
   */
  maxBufferedAmount?: number;
  /**
   * 'close' (default) fails the connection with 1008: nothing more is read and
   * the socket is destroyed within a second; 'drop' refuses the send and keeps the connection.
   */
  onBufferLimit?: 'close' | 'drop';
  /**
   * Most pongs that may be owed to a peer whose socket has stopped taking our
   * bytes; one more fails the connection with 1008 (a ping flood that never
   * reads its pongs). Default 32.
   */
  maxUnsentPongs?: number;
  /**
   * Terminate a peer whose socket has taken none of the bytes waiting for it for
   * this long (ms): it sends and never reads. Default 30 s on a server (off on a
   * client unless set); `Infinity` turns it off.
   */
  writeStallTimeout?: number;
  /**
   * How long one incoming message may take from its first byte to its last
   * (ms); longer fails the connection with 1008. A frame whose body trickles
   * in must not hold a connection forever. Default 60 s; `Infinity` turns it off.
   */
  messageTimeout?: number;
  /**
   * Most frames read from one peer per turn of the event loop; the rest waits
   * for the next turn, so a peer flooding tiny frames cannot starve the others.
   * Default 256.
   */
  framesPerTurn?: number;
  /** Most messages a peer may send per second; more fail the connection with 1008. Default: no limit. */
  maxMessagesPerSecond?: number;
  /** How long to wait for the peer's part of the closing handshake before destroying the socket (ms). Default 30 s. */
  closeTimeout?: number;
  /**
   * permessage-deflate, RFC 7692: `true` for the defaults, or options. Off by
   * default, on a server as on a client; see docs/websocket.md for when it pays.
   */
  perMessageDeflate?: PerMessageDeflateOption;
}

/** Options resolved once and shared by every connection of a server: no per-connection copy. */
export interface ConnectionSettings extends EndpointSettings {
  readonly maxBufferedAmount: number;
  readonly onBufferLimit: 'close' | 'drop';
  readonly maxUnsentPongs: number;
  readonly closeTimeout: number;
  readonly framesPerTurn: number;
  readonly maxMessagesPerSecond: number;
  /** Watches the connections for half-open peers (one for a whole server). */
  readonly heartbeat?: Heartbeat;
  /** A set that lists the connections while they are open, such as a server's `clients`. */
  readonly tracker?: Set<HeartbeatPeer>;
  /** How this side compresses, when it offers or accepts permessage-deflate. */
  readonly compression?: CompressionSettings;
  /** Where the connections' events go: emitted on each, or a server's handlers. */
  readonly events: ConnectionEvents;
}

export function resolveSettings(role: Role, options: ConnectionOptions, mask?: MaskKeySource, events: ConnectionEvents = EMITTED): ConnectionSettings {
  return {
    role,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxFragments: options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
    maxBufferedAmount: options.maxBufferedAmount ?? 64 * 1024 * 1024,
    onBufferLimit: options.onBufferLimit ?? 'close',
    maxUnsentPongs: options.maxUnsentPongs ?? 32,
    closeTimeout: options.closeTimeout ?? 30_000,
    framesPerTurn: positive('framesPerTurn', options.framesPerTurn ?? DEFAULT_FRAMES_PER_TURN),
    maxMessagesPerSecond: positive('maxMessagesPerSecond', options.maxMessagesPerSecond ?? Infinity),
    mask,
    compression: resolveCompression(options.perMessageDeflate),
    events,
  };
}

export const DEFAULT_FRAMES_PER_TURN = 256;

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
