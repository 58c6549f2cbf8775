// The options of a ReconnectingWebSocket, their defaults and their validation.
import { Backoff, type BackoffOptions, type RandomSource } from '../protocol/reconnect/backoff.js';
import { PUBSUB_PROTOCOL } from '../protocol/pubsub/index.js';
import type { WebSocketClientOptions } from '../websocket/index.js';

export interface ReconnectingWebSocketOptions {
  /** Subprotocols offered. Default `switchboard.v1`. */
  readonly protocols?: string | readonly string[];
  /** Reconnection delays. Default 1 s doubling to 60 s, ±10 % jitter (DEFAULT_BACKOFF). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Random source for the jitter. Default `Math.random`. */
  readonly random?: RandomSource;
  /** Gives up after this many reconnection attempts in a row that did not open. Default Infinity. */
  readonly maxAttempts?: number;
  /** Close codes (and reasons) that mean "do not come back". Default: 1008 and 4000–4999. */
  readonly shouldStop?: (code: number, reason: string) => boolean;
  /** Messages (sends and publishes) kept while disconnected; past it they are dropped with a 'drop' event. Default 1 000. */
  readonly maxQueuedMessages?: number;
  /** Bytes kept while disconnected, likewise. Default 1 MiB. */
  readonly maxQueuedBytes?: number;
  /** Publishes waiting for their acknowledgement (queued or in flight); past it `publish` rejects. Default 1 000. */
  readonly maxPendingPublishes?: number;
  /** Options of every underlying WebSocket (headers, TLS, handshake timeout, heartbeat…). */
  readonly websocket?: WebSocketClientOptions;
}

export const DEFAULT_STOP_CODES = (code: number): boolean => code === 1008 || (code >= 4000 && code <= 4999);

/** The options with every default filled in, checked. */
export interface ResolvedReconnectOptions {
  readonly protocols: string[];
  /** A fresh backoff state for this client. */
  readonly backoff: Backoff;
  readonly maxAttempts: number;
  readonly shouldStop: (code: number, reason: string) => boolean;
  readonly maxQueuedMessages: number;
  readonly maxQueuedBytes: number;
  readonly maxPendingPublishes: number;
  readonly websocket: WebSocketClientOptions;
}

/** Throws a RangeError naming the first bad value (the backoff's first, then the counts). */
export function resolveReconnectOptions(options: ReconnectingWebSocketOptions): ResolvedReconnectOptions {
  const protocols = options.protocols ?? PUBSUB_PROTOCOL;
  return {
    protocols: typeof protocols === 'string' ? [protocols] : [...protocols],
    backoff: new Backoff(options.backoff, options.random),
    maxAttempts: count(options.maxAttempts ?? Infinity, 'maxAttempts', true),
    shouldStop: options.shouldStop ?? DEFAULT_STOP_CODES,
    maxQueuedMessages: count(options.maxQueuedMessages ?? 1000, 'maxQueuedMessages', false),
    maxQueuedBytes: count(options.maxQueuedBytes ?? 1024 * 1024, 'maxQueuedBytes', false),
    maxPendingPublishes: count(options.maxPendingPublishes ?? 1000, 'maxPendingPublishes', false),
    websocket: options.websocket ?? {},
  };
}

function count(value: number, name: string, allowInfinity: boolean): number {
  const ok = (allowInfinity && value === Infinity) || (Number.isSafeInteger(value) && value >= 0);
  if (!ok) throw new RangeError(`${name} must be a non-negative integer${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`);
  return value;
}
