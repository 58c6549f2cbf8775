// The client's options, their defaults and the checks they go through.
import { Backoff, type BackoffOptions } from '../protocol/reconnect/backoff.js';
import type { FetchLike, Timers, WebSocketConstructor } from './platform.js';

export type TransportName = 'websocket' | 'sse' | 'polling';
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientOptions {
  /**
   * The fallback ladder, best first. Default `['websocket', 'sse', 'polling']`: one
   * socket both ways when the path allows it, one stream plus POSTs when upgrades are
   * refused, plain requests when a proxy buffers streams.
   */
  readonly transports?: readonly TransportName[];
  /**
   * Ms an attempt may take to deliver its first message (the WebSocket's first `ping`,
   * the SSE `session` event, the first poll answer) before the next transport is tried.
   * Default 5 000: a buffering proxy holds a stream back for good, not for seconds.
   */
  readonly connectTimeout?: number;
  /**
   * `connectTimeout` for reconnecting to the transport that last worked. Default 15 000:
   * a server restarting under thousands of clients takes seconds to accept them all, and
   * the kernel resends a dropped SYN after 1, 3 and 7 s; giving up at 5 s turned a
   * 10,000-client storm's recovery from 10.4 s into 46.4 s (`npm run bench:storm`,
   * docs/scaling.md). A transport that never worked keeps `connectTimeout`, which decides
   * stepping down.
   */
  readonly reconnectTimeout?: number;
  /**
   * Ms of silence tolerated beyond the server's heartbeat interval (from its `ping`;
   * 25 000 before the first) before the session is presumed dead. Default 10 000.
   */
  readonly heartbeatGrace?: number;
  /**
   * Ms between attempts to move back up the ladder (±jitter) while on a fallback
   * transport. Default 60 000: a rare extra connection, a quick return when a network
   * that refused WebSocket is left.
   */
  readonly probeInterval?: number;
  /** Delays between reconnections. Default 1 s doubling to 60 s, ±10 %, reset after 30 s up. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Publishes waiting (queued or awaiting their ack). Default 1 000; past it `publish` rejects `queue-full`. */
  readonly maxQueued?: number;
  /** Characters of data queued unsent. Default 1 Mi; past it `publish` rejects `queue-full`. */
  readonly maxQueuedBytes?: number;
  /** Default `globalThis.WebSocket`; without one the `websocket` transport fails over at once. */
  readonly WebSocket?: WebSocketConstructor;
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Default the global `setTimeout` / `clearTimeout`. */
  readonly timers?: Timers;
  /** Jitter source in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
}

export interface ResolvedOptions {
  readonly transports: readonly TransportName[];
  readonly connectTimeout: number;
  readonly reconnectTimeout: number;
  readonly heartbeatGrace: number;
  readonly probeInterval: number;
  readonly backoff: Backoff;
  readonly maxQueued: number;
  readonly maxQueuedBytes: number;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly fetch: FetchLike;
  readonly timers: Timers;
  readonly random: () => number;
  readonly now: () => number;
}

const platform = globalThis as unknown as { WebSocket?: WebSocketConstructor; fetch: FetchLike };

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    const v = value ?? fallback;
    if (!(v > 0 && v <= 2 ** 31 - 1)) throw new RangeError(`${name} must be a positive number of at most 2^31 - 1, got ${String(v)}`);
    return v;
  };
  const transports = options.transports ?? ['websocket', 'sse', 'polling'];
  if (transports.length === 0 || transports.some((t) => t !== 'websocket' && t !== 'sse' && t !== 'polling')) {
    throw new RangeError(`transports must list some of 'websocket', 'sse', 'polling'`);
  }
  const random = options.random ?? Math.random;
  return {
    transports,
    connectTimeout: positive(options.connectTimeout, 5000, 'connectTimeout'),
    reconnectTimeout: positive(options.reconnectTimeout, 15_000, 'reconnectTimeout'),
    heartbeatGrace: positive(options.heartbeatGrace, 10_000, 'heartbeatGrace'),
    probeInterval: positive(options.probeInterval, 60_000, 'probeInterval'),
    backoff: new Backoff(options.backoff, random),
    maxQueued: positive(options.maxQueued, 1000, 'maxQueued'),
    maxQueuedBytes: positive(options.maxQueuedBytes, 1024 * 1024, 'maxQueuedBytes'),
    WebSocket: options.WebSocket ?? platform.WebSocket,
    // Called unbound: a browser's fetch throws "Illegal invocation" when called on another object.
    fetch: options.fetch ?? ((url, init) => platform.fetch(url, init)),
    timers: options.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) },
    random,
    now: options.now ?? Date.now,
  };
}
